"""The scheduled reminders of reporting (run by beat, or by hand): each unit whose report
is still to be submitted is reminded once when the deadline is near, and once more when it
has passed; the office is told how many reports are overdue. Running it again changes
nothing: each reminder is recorded on its report."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.workdays import WorkdayCalendar

from .models import ReportingRound, UnitReport
from .services import liaison_users, notify_after_commit, office_users


@dataclass
class ReminderSweep:
    due_soon: int
    overdue: int


def _due_soon_rounds(today: datetime.date) -> list[int]:
    """Rounds whose deadline is today or within the configured working days."""
    calendar = WorkdayCalendar()
    days = settings.REPORTING_REMIND_WORKING_DAYS
    # Working days never outnumber calendar days: a window of 3× (+ a week of holidays)
    # narrows the rounds to look at before counting.
    horizon = today + datetime.timedelta(days=3 * days + 7)
    rounds = ReportingRound.objects.filter(deadline__gte=today, deadline__lte=horizon)
    return [r.pk for r in rounds if calendar.working_days_between(today, r.deadline) <= days]


def _remind(reports: list[UnitReport], text: str, field_name: str, now) -> None:
    UnitReport.objects.filter(pk__in=[r.pk for r in reports]).update(**{field_name: now})
    for report in reports:
        message = text % {"round": report.round.title, "deadline": report.round.deadline}
        url = reverse("reporting:report_detail", kwargs={"pk": report.pk})
        notify_after_commit(liaison_users([report.unit_id]), message, url)


def reports_remind(*, now: datetime.datetime | None = None) -> ReminderSweep:
    """Remind the units whose report is due soon or overdue, each once per kind."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        pending = UnitReport.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status__in=UnitReport.EDITABLE
        )
        soon = list(
            pending.filter(
                round_id__in=_due_soon_rounds(today), reminded_at__isnull=True
            ).select_related("round")
        )
        _remind(
            soon,
            _("Reminder: your unit's report for “%(round)s” is due by %(deadline)s."),
            "reminded_at",
            now,
        )
        overdue = list(
            pending.filter(
                round__deadline__lt=today, overdue_reminded_at__isnull=True
            ).select_related("round")
        )
        _remind(
            overdue,
            _("Your unit's report for “%(round)s” is overdue (deadline %(deadline)s)."),
            "overdue_reminded_at",
            now,
        )
        if overdue:
            message = _("%(count)d unit reports are overdue.") % {"count": len(overdue)}
            notify_after_commit(office_users(), message, reverse("reporting:round_list"))
    return ReminderSweep(due_soon=len(soon), overdue=len(overdue))
