"""Writes to the register. Each service names its actor so history records who did it,
whether the change came from a page, the admin site or a task."""

import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistance.accounts import role_grant
from assistance.outbox import send_after_commit
from assistance.roles import Role

from .models import Liaison, MemberUnit

User = get_user_model()


def unit_permission_group(unit: MemberUnit) -> Group:
    """The unit's own auth group: its liaisons are its members, and object permissions on
    the unit's work (verification checks) are granted to it."""
    return Group.objects.get_or_create(name=unit.permission_group_name)[0]


@transaction.atomic
def unit_set_active(*, actor, unit: MemberUnit, active: bool) -> bool:
    """Activate or deactivate a unit (units that work refers to are never deleted).
    Returns whether anything changed."""
    unit = MemberUnit.objects.select_for_update().get(pk=unit.pk)
    if unit.active == active:
        return False
    unit.active = active
    unit._history_user = actor
    unit.full_clean()
    unit.save(update_fields=["active"])
    return True


@transaction.atomic
def liaison_appoint(*, actor, user, unit: MemberUnit, title: str = "", phone: str = "") -> Liaison:
    """Make ``user`` the liaison of ``unit`` (replacing any unit they acted for) and give
    them the unit-liaison role, under the rules of role grants (``assistance.accounts``):
    the administrator grants only this role, never to themselves or to an account that
    grants roles. Raises ``AccountRuleError`` otherwise."""
    role_grant(actor=actor, user=user, role=Role.UNIT_LIAISON)
    liaison = Liaison.objects.select_for_update().filter(user=user).first() or Liaison(user=user)
    if liaison.pk and liaison.unit_id != unit.pk:
        user.groups.remove(unit_permission_group(liaison.unit))
    liaison.unit = unit
    liaison.title = title
    liaison.phone = phone
    liaison.active = True
    liaison._history_user = actor
    liaison.full_clean()
    liaison.notified_at = None
    liaison.save()
    user.groups.add(unit_permission_group(unit))
    send_after_commit(
        "members.tasks.liaison_notify_appointed",
        liaison.pk,
        what=f"notice of appointment to liaison {liaison.pk}",
    )
    return liaison


class MailNotDelivered(Exception):
    """The mail server refused or could not be reached; the task retries."""


def liaison_notify_appointed(*, liaison_id: int) -> bool:
    """Tell a newly appointed liaison, by mail, which unit they now act for. Runs once per
    appointment: a second run (a redelivered task) finds ``notified_at`` set and does
    nothing. Returns whether a mail went out."""
    with transaction.atomic():
        liaison = (
            Liaison.objects.select_for_update()
            .select_related("user", "unit__group")
            .filter(pk=liaison_id, active=True, notified_at__isnull=True)
            .first()
        )
        if liaison is None:
            return False
        sent = False
        if liaison.user.email:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("You are now the liaison of %(unit)s") % {"unit": liaison.unit.name}
                body = _(
                    "You have been named the liaison of %(unit)s in %(group)s. "
                    "Sign in to see your unit's duties and work."
                ) % {"unit": liaison.unit.name, "group": liaison.unit.group.name}
            try:
                send_mail(subject, body, None, [liaison.user.email])
            except (smtplib.SMTPException, OSError) as exc:
                raise MailNotDelivered(str(exc)) from exc
            sent = True
        # A history row for a bookkeeping stamp would only be noise.
        Liaison.objects.filter(pk=liaison.pk).update(notified_at=timezone.now())
        return sent
