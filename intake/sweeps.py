"""The scheduled sweep of intake (run by beat, or by hand): open referrals past their
deadline flagged overdue, their unit's liaisons reminded once and the office directors
told."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from assistance.notices import notice
from assistance.services import notify

from .base import directors, liaison_users, record_event
from .models import Application, ApplicationEvent, Referral


@dataclass
class OverdueSweep:
    marked: int
    reminded: int


def referrals_mark_overdue(*, now=None) -> OverdueSweep:
    """Flag open referrals past their deadline overdue, remind each unit's liaisons once per
    referral and tell the office directors. Safe to run as often as beat likes."""
    now = now or timezone.now()
    pending = Referral.objects.filter(
        Q(overdue=False) | Q(reminded_at__isnull=True),
        status__in=Referral.ACTIVE_STATUSES,
        deadline__lt=now,
    )
    with transaction.atomic():
        # The applications first, as the services lock them (a unit at work on one is
        # skipped: the next sweep takes it), then their referrals.
        applications = list(
            Application.objects.select_for_update(skip_locked=True)
            .filter(pk__in=pending.values("application_id"))
            .values_list("pk", flat=True)
        )
        due = list(
            pending.filter(application_id__in=applications)
            .select_for_update(of=("self",))
            .select_related("application", "unit")
        )
        marked = [r for r in due if not r.overdue]
        for referral in marked:
            record_event(referral.application, ApplicationEvent.Kind.OVERDUE, referral=referral)
        Referral.objects.filter(pk__in=[r.pk for r in due]).update(
            overdue=True, reminded_at=now, updated_at=now
        )
        _remind(due)
    return OverdueSweep(marked=len(marked), reminded=len(due))


def _remind(referrals: list) -> None:
    by_unit: dict[int, list[Referral]] = {}
    for referral in referrals:
        by_unit.setdefault(referral.unit_id, []).append(referral)
    for unit_id, items in by_unit.items():
        numbers = ", ".join(r.application.number for r in items)
        message = notice(
            gettext_noop("Overdue referrals of your unit: %(numbers)s."), numbers=numbers
        )
        users = liaison_users(unit_id)
        transaction.on_commit(lambda u=users, m=message: notify(users=u, message=m))
    if referrals:
        message = notice(gettext_noop("%(count)d referrals are overdue."), count=len(referrals))
        office = directors()
        transaction.on_commit(lambda: notify(users=office, message=message))
