"""The overdue sweep of the warnings (beat, or by hand), as the checks' is: open warnings
past their deadline are marked overdue in one UPDATE (with their history rows), the
liaisons of each unit holding overdue warnings are reminded at most once a day, and the
office directors are told of the warnings newly overdue, those still waiting to be
assigned among them."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from assistance.audit import current_actor_id
from assistance.notices import notice
from assistance.services import notify
from intake.base import directors, liaison_users
from verification.sql import history_insert_select

from .models import EarlyWarning

# Warnings marked per statement (SQLite limits a statement's parameters).
CHUNK = 500


@dataclass
class OverdueSweep:
    marked: int
    reminded: int


def warnings_mark_overdue(*, today: datetime.date | None = None) -> OverdueSweep:
    """Mark open warnings past their deadline overdue and remind the units and the
    office. Safe to run as often as beat likes: nothing is marked or reminded twice a day."""
    today = today or timezone.localdate()
    with transaction.atomic():
        marked = _mark(today)
        reminded = _remind(today)
    return OverdueSweep(marked=marked, reminded=reminded)


def _mark(today: datetime.date) -> int:
    late = EarlyWarning.objects.filter(
        status__in=EarlyWarning.OPEN, deadline__lt=today, overdue=False
    )
    ids = list(late.select_for_update(skip_locked=True).values_list("pk", flat=True))
    if not ids:
        return 0
    now, actor_id = timezone.now(), current_actor_id()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        EarlyWarning.objects.filter(pk__in=chunk).update(overdue=True)
        marks = ", ".join(["%s"] * len(chunk))
        history_insert_select(EarlyWarning, f"t.id IN ({marks})", chunk, user_id=actor_id, date=now)
    unassigned = EarlyWarning.objects.filter(
        status=EarlyWarning.Status.RAISED, overdue=True
    ).count()
    message = notice(
        gettext_noop(
            "%(count)d more warnings are past their deadline for the on-the-spot check; "
            "%(unassigned)d overdue warnings are not yet assigned to a unit."
        ),
        count=len(ids),
        unassigned=unassigned,
    )
    users = directors()
    url = reverse("monitoring:warning_list") + "?overdue=1"
    transaction.on_commit(lambda: notify(users=users, message=message, url=url))
    return len(ids)


def _remind(today: datetime.date) -> int:
    """Remind each unit's liaisons of its overdue warnings, at most once a day."""
    due = list(
        EarlyWarning.objects.select_for_update(skip_locked=True)
        .filter(status=EarlyWarning.Status.ASSIGNED, overdue=True)
        .exclude(reminded_on=today)
        .values_list("pk", "assigned_unit_id")
    )
    if not due:
        return 0
    keys = [pk for pk, _unit in due]
    for start in range(0, len(keys), CHUNK):
        EarlyWarning.objects.filter(pk__in=keys[start : start + CHUNK]).update(reminded_on=today)
    by_unit: dict[int, int] = {}
    for _pk, unit_id in due:
        by_unit[unit_id] = by_unit.get(unit_id, 0) + 1
    url = reverse("monitoring:visit_list")
    for unit_id, count in by_unit.items():
        message = notice(
            gettext_noop("%(count)d households your unit was to visit are overdue."), count=count
        )
        users = liaison_users(unit_id)
        transaction.on_commit(
            lambda users=users, message=message: notify(
                users=users,
                message=message,
                url=url,
                email_subject=notice(gettext_noop("Overdue visits")),
            )
        )
    return len(by_unit)
