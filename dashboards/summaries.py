"""Rebuilding the weekly summaries of verification (``CheckWeek``, ``RequestWeek``).

Two grouped queries read the checks and the requests, already folded by the database to
one row per department, day received, day answered and outcome; Python turns the days into
working days with one read of the calendar and sums them into weeks. The rows are then
replaced whole in one transaction, so a dashboard never reads half a refresh.
"""

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from assistance.workdays import WorkdayCalendar
from verification.models import DepartmentCheck, VerificationRequest

from .models import CheckWeek, RequestWeek, SummaryRefresh


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class WorkdayOrdinals:
    """Working days between two dates by subtraction: each date's count of working days
    since the first date asked for, built once over the whole span (one calendar read)."""

    def __init__(self, first: datetime.date, last: datetime.date):
        calendar = WorkdayCalendar()
        self.first = first
        self._ordinal = {}
        count = 0
        day = first
        while day <= last:
            count += calendar.is_workday(day)
            self._ordinal[day] = count
            day += datetime.timedelta(days=1)

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start),
        as ``WorkdayCalendar.working_days_between`` counts them."""
        if end <= start:
            return 0
        return self._ordinal[end] - self._ordinal[start]


def _check_groups() -> list[dict]:
    tz = timezone.get_current_timezone()
    automatic = Q(status=DepartmentCheck.Status.ANSWERED, answered_by__isnull=True)
    on_time = Q(status=DepartmentCheck.Status.ANSWERED, answered_at__date__lte=F("deadline"))
    return list(
        DepartmentCheck.objects.exclude(status=DepartmentCheck.Status.CANCELLED)
        .annotate(
            received_on=TruncDate("request__submitted_at", tzinfo=tz),
            answered_on=TruncDate("answered_at", tzinfo=tz),
            automatic=ExpressionWrapper(automatic, output_field=BooleanField()),
            on_time=ExpressionWrapper(on_time, output_field=BooleanField()),
        )
        .values(
            "unit_id",
            "unit__group_id",
            "received_on",
            "answered_on",
            "status",
            "overdue",
            "automatic",
            "on_time",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )


def _check_weeks(groups: Iterable[dict], ordinals: WorkdayOrdinals | None) -> list[CheckWeek]:
    weeks: dict[tuple, CheckWeek] = {}
    for row in groups:
        key = (row["unit_id"], monday(row["received_on"]))
        week = weeks.get(key)
        if week is None:
            week = weeks[key] = CheckWeek(
                unit_id=key[0], group_id=row["unit__group_id"], week=key[1], answer_days={}
            )
        n = row["n"]
        week.received += n
        if row["status"] == DepartmentCheck.Status.ANSWERED:
            week.answered += n
            week.answered_on_time += n if row["on_time"] else 0
            week.answered_automatically += n if row["automatic"] else 0
            days = str(ordinals.between(row["received_on"], row["answered_on"]))
            week.answer_days[days] = week.answer_days.get(days, 0) + n
        elif row["overdue"]:
            week.overdue += n
    return list(weeks.values())


def _request_weeks() -> list[RequestWeek]:
    tz = timezone.get_current_timezone()
    limit = (
        DepartmentCheck.objects.filter(request=OuterRef("pk"))
        .values("request")
        .annotate(last=Max("deadline"))
        .values("last")
    )
    completed = VerificationRequest.Status.COMPLETED
    rows = (
        VerificationRequest.objects.exclude(status=VerificationRequest.Status.CANCELLED)
        .annotate(submitted_on=TruncDate("submitted_at", tzinfo=tz), limit=Subquery(limit))
        .annotate(
            on_time=ExpressionWrapper(
                Q(status=completed, completed_at__date__lte=F("limit")),
                output_field=BooleanField(),
            )
        )
        .values("household__office_id", "submitted_on", "status", "on_time")
        .annotate(n=Count("pk"))
        .order_by()
    )
    weeks: dict[tuple, RequestWeek] = defaultdict(lambda: None)
    for row in rows:
        key = (row["household__office_id"], monday(row["submitted_on"]))
        week = weeks[key] or RequestWeek(group_id=key[0], week=key[1])
        weeks[key] = week
        week.submitted += row["n"]
        if row["status"] == completed:
            week.completed += row["n"]
            week.completed_on_time += row["n"] if row["on_time"] else 0
    return list(weeks.values())


def _ordinals(groups: list[dict]) -> WorkdayOrdinals | None:
    days = [row["received_on"] for row in groups] + [
        row["answered_on"] for row in groups if row["answered_on"]
    ]
    return WorkdayOrdinals(min(days), max(days)) if days else None


def summaries_refresh() -> SummaryRefresh:
    """Rebuild every summary row from the checks and requests as they are now."""
    started = time.perf_counter()
    groups = _check_groups()
    check_weeks = _check_weeks(groups, _ordinals(groups))
    request_weeks = _request_weeks()
    with transaction.atomic():
        CheckWeek.objects.all().delete()
        RequestWeek.objects.all().delete()
        CheckWeek.objects.bulk_create(check_weeks, batch_size=2000)
        RequestWeek.objects.bulk_create(request_weeks, batch_size=2000)
        SummaryRefresh.objects.filter(
            finished_at__lt=timezone.now() - datetime.timedelta(days=30)
        ).delete()
        return SummaryRefresh.objects.create(
            finished_at=timezone.now(),
            seconds=time.perf_counter() - started,
            checks=sum(week.received for week in check_weeks),
        )
