"""Writes shared by every app: the access log of personal data, the login log, audit
events of bulk work, and notifications."""

import ipaddress
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import AccessLog, AuditEvent, Chase, LoginLog, Notification, NotificationPreference
from .notices import Notice, is_notice, render
from .outbox import send_after_commit


def access_log_record(
    *,
    user,
    obj,
    purpose: str,
    description: "str | Notice",
    path: str = "",
    action: str = AccessLog.Action.VIEW,
) -> AccessLog:
    """Record that ``user`` saw (or searched for, downloaded, exported: ``action``)
    personal data of ``obj`` in full, and why. ``description`` names what was seen
    without the data itself: a notice (``assistance.notices``), shown in the auditor's
    language, or plain text."""
    if action not in AccessLog.Action.values:
        raise ValueError(f"Unknown access-log action: {action!r}")
    with translation.override(settings.LANGUAGE_CODE):
        text = render(description)
    return AccessLog.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        description=description if is_notice(description) else None,
        object_repr=text[:200],
        purpose=purpose,
        action=action,
        path=path[:300],
    )


def client_ip(request) -> str:
    """The address a request came from: REMOTE_ADDR, or, behind ``TRUSTED_PROXY_COUNT``
    reverse proxies of our own, the address the outermost of them saw in
    X-Forwarded-For. A header sent by the client itself is never believed: anyone can
    write one."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        # Each trusted proxy appends the address it saw; the last ``proxies`` entries are
        # theirs, earlier ones the client may have forged.
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def login_log_record(*, event: str, request=None, user=None, username: str = "", reason: str = ""):
    """Record a sign-in, a failed sign-in or a sign-out, with the address and browser of
    ``request``."""
    meta = request.META if request is not None else {}
    return LoginLog.objects.create(
        event=event,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=client_ip(request),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        reason=reason[:100],
    )


# Changes no user started are made in the name of a system job: "system: <job>".
SYSTEM_ACTOR = "system: {job}"


def audit_event_record(
    *,
    actor=None,
    actor_id: int | None = None,
    actor_name: str = "",
    job: str = "",
    action: str,
    model=None,
    object_type: str = "",
    ids: Iterable[int] | None = None,
    count: int | None = None,
    summary: str,
) -> AuditEvent:
    """One audit event for a bulk or set-based change: by ``actor`` (a user, or the key of
    one: ``actor_id``, with their user name ``actor_name`` where the caller read it
    already, which spares reading the user), or, when no user started the work, by the
    system ``job`` named.
    ``ids`` (or just ``count``) say which rows of ``model`` changed (or which things of
    ``object_type``, for what is not a row: messages in a queue); the event keeps their
    number and range, never one row per changed record."""
    if actor is None and actor_id is not None and not actor_name:
        actor = get_user_model()._default_manager.filter(pk=actor_id).first()
        actor_id = None  # unless the user is still there
    if actor is not None:
        actor_id, actor_name = actor.pk, actor.get_username()
    if actor_id is None and not job:
        raise ValueError("A bulk change names its user or the system job that made it.")
    ids = sorted(ids) if ids is not None else []
    name = actor_name if actor_id is not None else SYSTEM_ACTOR.format(job=job)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_name=name[:150],
        action=action,
        object_type=model._meta.label if model is not None else object_type,
        count=len(ids) if count is None else count,
        first_id=ids[0] if ids else None,
        last_id=ids[-1] if ids else None,
        summary=summary[:300],
    )


def notify(
    *,
    users: Iterable,
    message: "str | Notice",
    url: str = "",
    email_subject: "str | Notice" = "",
    mailed_separately: bool = False,
) -> int:
    """An in-app notification for each user and, by a task after commit, an e-mail to
    those with an address who want it (``NotificationPreference``): for a message with an
    ``email_subject``, or for every message if they chose so. ``message`` (and the
    subject) is a notice (``assistance.notices.notice``), rendered in each reader's
    language when shown; plain text is still accepted and shown as written. Messages
    must carry no personal data in full (mask ID numbers). ``mailed_separately``: the
    caller e-mails these users itself (with an attachment), so no e-mail goes from here."""
    users = list(users)
    return notify_each(
        [(user, message, url) for user in users],
        email_subject=email_subject,
        mailed_separately=mailed_separately,
    )


class Recipient(NamedTuple):
    """Who a notification is for, when a user's row need not be loaded: the key and the
    e-mail address are all ``notify_each`` reads of a user."""

    pk: int
    email: str


def notify_each(
    entries: Sequence[tuple], *, email_subject: "str | Notice" = "", mailed_separately=False
) -> int:
    """``notify`` for many messages at once, each (user, message, url) its own (the user a
    User or a ``Recipient``): one INSERT of the notifications, one read of the preferences
    and at most one e-mail task whatever their number (e.g. every requester of the
    requests one answer completed)."""
    if not entries:
        return 0
    subject = email_subject if is_notice(email_subject) else (str(email_subject) or None)
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        Notification(
            user_id=user.pk,
            message=render(message)[:300],
            message_key=message["msgid"] if is_notice(message) else "",
            message_params=message["params"] if is_notice(message) else {},
            email_subject=subject,
            url=url,
            created_at=now,
        )
        for user, message, url in entries
    )
    if mailed_separately:
        return len(rows)
    users = [user for user, _message, _url in entries]
    preferences = _preferences(users)
    to_mail = [
        row.pk
        for row, user in zip(rows, users, strict=True)
        if user.email and preferences.get(user.pk, _DEFAULT).wants_email(important=bool(subject))
    ]
    if to_mail:
        send_after_commit(
            "assistance.tasks.notifications_email_task",
            to_mail,
            what=f"e-mail of {len(to_mail)} notifications",
        )
    return len(rows)


_DEFAULT = NotificationPreference()


def email_language(user) -> str:
    """The language ``user`` reads e-mails in (their preference, else the site's)."""
    preference = NotificationPreference.objects.filter(user=user).only("language").first()
    return (preference or _DEFAULT).language


def notification_preference_get(user) -> NotificationPreference:
    """The user's preference, or the default one (not saved) if they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@transaction.atomic
def notification_preference_set(*, actor, email: str, language: str) -> NotificationPreference:
    """Save how ``actor`` wants to be told (their own preference only)."""
    preference = NotificationPreference.objects.select_for_update().filter(
        user=actor
    ).first() or NotificationPreference(user=actor)
    preference.email, preference.language = email, language
    preference._history_user = actor
    preference.full_clean()
    preference.save()
    return preference


def _preferences(users) -> dict:
    return {
        p.user_id: p for p in NotificationPreference.objects.filter(user__in=[u.pk for u in users])
    }


def notifications_email(notification_ids: Sequence[int]) -> int:
    """E-mail these notifications, each in its reader's language, and mark them e-mailed.
    Idempotent: a notification already e-mailed (a message sent twice) is skipped."""
    sent = 0
    for pk in sorted(notification_ids):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("user", "user__notification_preference")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if row is None or not row.user.email:
                continue
            preference = getattr(row.user, "notification_preference", None) or _DEFAULT
            with translation.override(preference.language):
                body = row.text
                subject = render(row.email_subject) or gettext("A new notification")
                if row.url:
                    body = f"{body}\n\n{_absolute(row.url)}"
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [row.user.email])
            Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base and url.startswith("/") else url


# --- Chasing (催办) ------------------------------------------------------------------------


class ChaseRefused(Exception):
    """The item was chased already today."""


def chase_record(*, actor, obj, liaisons, unit_name: str) -> Chase:
    """Record that ``actor`` chased ``obj`` today (Beijing day) and that its unit's
    ``liaisons`` are to be told, or raise ChaseRefused: when the unit has no liaison to
    tell, or someone already chased it today (the unit is pressed at most once a day per
    item; the unique constraint keeps it so when two people press at the same moment). The
    caller (each app's service) notifies the liaisons and adds the chase to the item's own
    history."""
    if not liaisons:
        raise ChaseRefused(
            gettext("%(unit)s has no active liaison to notify: call the unit instead.")
            % {"unit": unit_name}
        )
    content_type = ContentType.objects.get_for_model(obj)
    today = timezone.localdate()
    earlier = (
        Chase.objects.filter(content_type=content_type, object_id=obj.pk, day=today)
        .select_related("actor")
        .first()
    )
    if earlier is None:
        try:
            with transaction.atomic():
                return Chase.objects.create(
                    content_type=content_type,
                    object_id=obj.pk,
                    day=today,
                    actor=actor,
                    notified=len(liaisons),
                )
        except IntegrityError:
            earlier = Chase.objects.select_related("actor").get(
                content_type=content_type, object_id=obj.pk, day=today
            )
    raise ChaseRefused(
        gettext(
            "This was already chased today (%(time)s, by %(name)s). "
            "It can be chased again tomorrow."
        )
        % {
            "time": timezone.localtime(earlier.at).strftime("%H:%M"),
            "name": earlier.actor.get_full_name() or earlier.actor.get_username(),
        }
    )


def chases_of(obj) -> list[Chase]:
    """Every chase of ``obj``, newest first, with who chased."""
    return list(
        Chase.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("actor")
    )


def chases_by_object(model, ids) -> dict[int, list[Chase]]:
    """The chases of the ``model`` rows ``ids``, newest first, by row: one query for a
    whole list."""
    found: dict[int, list[Chase]] = {}
    rows = Chase.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids)
    ).select_related("actor")
    for chase in rows:
        found.setdefault(chase.object_id, []).append(chase)
    return found


def chased_today(obj) -> bool:
    return Chase.objects.filter(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        day=timezone.localdate(),
    ).exists()
