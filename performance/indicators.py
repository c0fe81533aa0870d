"""What each indicator counts, for one unit (or every unit of a group) and one quarter:
the records whose deadline fell in the quarter, each met or not. The same functions give
the counts stored in a score and the list a unit's page shows, so a score is always the
sum of records anyone can look at."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from intake.models import Referral
from meetings.models import Decision
from reporting.models import UnitReport
from verification.models import DepartmentCheck

from .models import Indicator


@dataclass(frozen=True)
class Record:
    unit_id: int
    kind: str
    label: str
    deadline: datetime.date
    done: datetime.date | None
    met: bool


def _day(moment) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def _checks(units: Q, start, end, today) -> list[Record]:
    rows = (
        DepartmentCheck.objects.filter(units, deadline__range=(start, end))
        .exclude(status=DepartmentCheck.Status.CANCELLED)
        .filter(Q(answered_at__isnull=False) | Q(deadline__lt=today))
        .values_list("unit_id", "request_id", "deadline", "answered_at")
        .order_by("deadline", "pk")
    )
    return [
        Record(
            unit,
            Indicator.Kind.CHECKS_ON_TIME,
            _("Verification request %(pk)s") % {"pk": request},
            deadline,
            _day(answered),
            bool(answered) and _day(answered) <= deadline,
        )
        for unit, request, deadline, answered in rows
    ]


def _referrals(units: Q, start, end, today) -> list[Record]:
    """A referral is handled when closed, or returned as not the unit's (a proper answer)."""
    rows = (
        Referral.objects.filter(units, deadline__date__range=(start, end))
        .filter(
            Q(closed_at__isnull=False)
            | Q(status=Referral.Status.RETURNED)
            | Q(deadline__date__lt=today)
        )
        .values_list("unit_id", "application__number", "deadline", "closed_at", "status")
        .order_by("deadline", "pk")
    )
    records = []
    for unit, number, deadline, closed, status in rows:
        due = _day(deadline)
        done = _day(closed)
        met = (status == Referral.Status.RETURNED) or (done is not None and closed <= deadline)
        records.append(Record(unit, Indicator.Kind.REFERRALS_ON_TIME, number, due, done, met))
    return records


def _decisions(units: Q, start, end, today) -> list[Record]:
    rows = (
        Decision.objects.filter(units, deadline__range=(start, end))
        .filter(Q(status=Decision.Status.CLOSED) | Q(deadline__lt=today))
        .values_list("lead_unit_id", "text", "deadline", "closed_at", "status")
        .order_by("deadline", "pk")
    )
    return [
        Record(
            unit,
            Indicator.Kind.DECISIONS_DONE,
            text[:60],
            deadline,
            _day(closed),
            status == Decision.Status.CLOSED and _day(closed) <= deadline,
        )
        for unit, text, deadline, closed, status in rows
    ]


def _reports(units: Q, start, end, today) -> list[Record]:
    """A unit's report of a round is on time when submitted by the round's deadline (a
    report sent back and submitted again after it is late)."""
    rows = (
        UnitReport.objects.filter(units, round__deadline__range=(start, end))
        .filter(Q(submitted_at__isnull=False) | Q(round__deadline__lt=today))
        .values_list("unit_id", "round__title", "round__deadline", "submitted_at", "late")
        .order_by("round__deadline", "pk")
    )
    return [
        Record(
            unit,
            Indicator.Kind.REPORTS_ON_TIME,
            title,
            deadline,
            _day(submitted),
            submitted is not None and not late,
        )
        for unit, title, deadline, submitted, late in rows
    ]


COUNTERS = {
    Indicator.Kind.CHECKS_ON_TIME: (_checks, "unit"),
    Indicator.Kind.REFERRALS_ON_TIME: (_referrals, "unit"),
    Indicator.Kind.DECISIONS_DONE: (_decisions, "lead_unit"),
    Indicator.Kind.REPORTS_ON_TIME: (_reports, "unit"),
}


def records(kind: str, *, start, end, group=None, unit=None) -> list[Record]:
    """The records ``kind`` counts in [start, end], for ``unit`` or every unit of ``group``
    (a deadline still ahead is not counted yet: nobody is late before it)."""
    counter, field = COUNTERS[kind]
    units = Q(**{field: unit}) if unit is not None else Q(**{f"{field}__group": group})
    return counter(units, start, end, timezone.localdate())
