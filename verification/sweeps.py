"""The scheduled sweeps of verification (run by beat, or by hand): checks past their
deadline marked overdue and their liaisons reminded, messages lost on the way to the
broker sent again, and provisional deadlines counted again once a year's holidays are
entered."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.audit import current_actor
from assistance.models import AuditEvent
from assistance.notices import notice
from assistance.services import audit_event_record, notify
from assistance.workdays import WorkdayCalendar

from .batches import batch_resend_stalled
from .connectors import snapshots_resend_unchecked
from .models import DepartmentCheck
from .services import enqueue_checks, liaison_users

# --- Lost messages ----------------------------------------------------------------------------


def checks_resend_undelivered(*, older_than: datetime.timedelta) -> int:
    """Send again the checks still queued ``older_than`` after their request was filed:
    their message was lost (broker down at submit, a worker killed before acknowledging).
    Delivery is idempotent, so a check whose first message does arrive after all is not
    delivered twice. Returns how many were sent."""
    cutoff = timezone.now() - older_than
    stale = (
        DepartmentCheck.objects.filter(
            status=DepartmentCheck.Status.QUEUED,
            request__submitted_at__lt=cutoff,
            request__batch__isnull=True,
        )
        .select_related("unit")
        .order_by("pk")
    )
    sent = enqueue_checks(stale.iterator(chunk_size=500))
    # A running batch is carried on as a whole (prepared again, or per department), not
    # check by check. Its own sweep (batch_resend_stalled_task) looks far more often;
    # asked here for work older than the stall time, this sweep carries that on too.
    stalled_before = timezone.now() - datetime.timedelta(
        seconds=settings.VERIFICATION_BATCH_STALL_SECONDS
    )
    sent += batch_resend_stalled(cutoff=cutoff, stalled_before=max(cutoff, stalled_before))
    # So are registry extracts uploaded but never checked.
    return sent + snapshots_resend_unchecked(older_than=older_than)


# --- Overdue ----------------------------------------------------------------------------------


@dataclass
class OverdueSweep:
    marked: int
    reminded: int


def checks_mark_overdue(*, today: datetime.date | None = None) -> OverdueSweep:
    """Mark open checks past their deadline overdue, and remind each unit's liaisons at
    most once a day. Safe to run as often as beat likes."""
    today = today or timezone.localdate()
    # Beat runs the sweep for nobody; run by hand (or a task a user started), it is theirs.
    actor = current_actor()
    with transaction.atomic():
        marked = _mark_overdue(actor, today)
        by_unit = _remind_overdue(actor, today)
    return OverdueSweep(marked=marked, reminded=len(by_unit))


def _mark_overdue(actor, today: datetime.date) -> int:
    marked = DepartmentCheck.objects.filter(
        status__in=DepartmentCheck.OPEN, deadline__lt=today, overdue=False
    ).update(overdue=True)
    if marked:
        # One event for the whole sweep: the UPDATE leaves no per-row history.
        audit_event_record(
            actor=actor,
            job="overdue sweep",
            action=AuditEvent.Action.OVERDUE_SWEEP,
            model=DepartmentCheck,
            count=marked,
            summary=_("%(count)d open checks past their deadline (before %(day)s) marked overdue")
            % {"count": marked, "day": today.isoformat()},
        )
    return marked


def _remind_overdue(actor, today: datetime.date) -> dict[int, list[int]]:
    """Mark the overdue checks not yet reminded of today and, after the commit, remind
    each of their units' liaisons once. Returns the checks' keys by unit."""
    due = list(
        DepartmentCheck.objects.select_for_update(skip_locked=True)
        .filter(status__in=DepartmentCheck.OPEN, overdue=True)
        .exclude(reminded_on=today)
        .values_list("pk", "unit_id")
    )
    by_unit: dict[int, list[int]] = {}
    for pk, unit_id in due:
        by_unit.setdefault(unit_id, []).append(pk)
    DepartmentCheck.objects.filter(pk__in=[pk for pk, _ in due]).update(reminded_on=today)
    if due:
        audit_event_record(
            actor=actor,
            job="overdue sweep",
            action=AuditEvent.Action.OVERDUE_REMINDERS,
            model=DepartmentCheck,
            ids=[pk for pk, _ in due],
            summary=_("Liaisons of %(units)d units reminded of %(count)d overdue checks")
            % {"units": len(by_unit), "count": len(due)},
        )
    inbox = reverse("verification:inbox")
    for unit_id, pks in by_unit.items():
        message = notice(
            gettext_noop("%(count)d verification checks of your unit are overdue."),
            count=len(pks),
        )
        users = list(liaison_users(unit_id))
        transaction.on_commit(
            lambda users=users, message=message: notify(
                users=users,
                message=message,
                url=inbox,
                email_subject=notice(gettext_noop("Overdue verification checks")),
            )
        )
    return by_unit


# --- Provisional deadlines --------------------------------------------------------------------


def provisional_deadline_years() -> dict[int, int]:
    """Open checks whose deadline is provisional, counted by the deadline's year: the years
    whose holidays an administrator still has to enter."""
    rows = (
        DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN, deadline_provisional=True)
        .values_list("deadline__year")
        .annotate(count=Count("pk"))
        .order_by("deadline__year")
    )
    return dict(rows)


def deadlines_recount(*, actor=None) -> int:
    """Count provisional deadlines again, from each request's submission day, once an
    administrator has entered a year's holidays. Returns how many deadlines changed; the
    change is recorded as one audit event, by ``actor`` (the administrator whose calendar
    change started it; by default whoever the current task runs for) or the system."""
    actor = actor if actor is not None else current_actor()
    calendar = WorkdayCalendar()
    checks = list(
        DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN, deadline_provisional=True)
        .select_related("unit", "request")
        .only("deadline", "deadline_provisional", "unit__answer_days", "request__submitted_at")
    )
    changed = []
    for check in checks:
        start = timezone.localdate(check.request.submitted_at)
        deadline = calendar.add_working_days(start, check.unit.answer_days)
        if (deadline.date, deadline.provisional) != (check.deadline, check.deadline_provisional):
            check.deadline, check.deadline_provisional = deadline.date, deadline.provisional
            changed.append(check)
    with transaction.atomic():
        DepartmentCheck.objects.bulk_update(changed, ["deadline", "deadline_provisional"])
        if changed:
            audit_event_record(
                actor=actor,
                job="deadline recount",
                action=AuditEvent.Action.DEADLINE_RECOUNT,
                model=DepartmentCheck,
                ids=[check.pk for check in changed],
                summary=_("%(count)d provisional deadlines counted again on the calendar")
                % {"count": len(changed)},
            )
    return len(changed)
