"""Writes shared by every app: the access log of personal data, the login log, audit
events of bulk work, and notifications."""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail

from .models import AccessLog, AuditEvent, LoginLog, Notification


def access_log_record(
    *,
    user,
    obj,
    purpose: str,
    description: str,
    path: str = "",
    action: str = AccessLog.Action.VIEW,
) -> AccessLog:
    """Record that ``user`` saw (or searched for, downloaded, exported: ``action``)
    personal data of ``obj`` in full, and why. ``description`` names what was seen
    without the data itself."""
    if action not in AccessLog.Action.values:
        raise ValueError(f"Unknown access-log action: {action!r}")
    return AccessLog.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=description[:200],
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
    job: str = "",
    action: str,
    model,
    ids: Iterable[int] | None = None,
    count: int | None = None,
    summary: str,
) -> AuditEvent:
    """One audit event for a bulk or set-based change: by ``actor`` (a user, or the key of
    one: ``actor_id``), or, when no user started the work, by the system ``job`` named.
    ``ids`` (or just ``count``) say which rows of ``model`` changed; the event keeps their
    number and range, never one row per changed record."""
    if actor is None and actor_id is not None:
        actor = get_user_model()._default_manager.filter(pk=actor_id).first()
    if actor is None and not job:
        raise ValueError("A bulk change names its user or the system job that made it.")
    ids = sorted(ids) if ids is not None else []
    name = actor.get_username() if actor is not None else SYSTEM_ACTOR.format(job=job)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=name[:150],
        action=action,
        object_type=model._meta.label,
        count=len(ids) if count is None else count,
        first_id=ids[0] if ids else None,
        last_id=ids[-1] if ids else None,
        summary=summary[:300],
    )


def notify(*, users: Iterable, message: str, url: str = "", email_subject: str = "") -> int:
    """An in-app notification for each user and, with ``email_subject``, a mail to those
    with an address. Messages must carry no personal data in full (mask ID numbers)."""
    users = list(users)
    Notification.objects.bulk_create(
        Notification(user=user, message=message[:300], url=url) for user in users
    )
    if email_subject:
        body = f"{message}\n\n{url}" if url else message
        send_mass_mail(
            [
                (email_subject, body, settings.DEFAULT_FROM_EMAIL, [u.email])
                for u in users
                if u.email
            ]
        )
    return len(users)
