"""The intake dashboard, read live (thousands of referrals, not hundreds of thousands):
applications by channel and programme, referrals per unit (open, closed, returned,
overdue), median hours to sign for and to close, and the urgent cases' hours from the
window to the first help. Five queries whatever the data."""

from collections import Counter, defaultdict

from django.db.models import Count
from django.utils.translation import gettext as _

from intake.models import Application, Referral
from members.models import MemberUnit

from ..charts import Chart, Series
from ..filters import Scope
from .stats import percentile


def _hours(start, end) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def _applications(scope: Scope):
    start, end = scope.span()
    return Application.objects.filter(office=scope.group, received_at__range=(start, end))


def _by_channel(applications) -> Chart:
    counts = dict(applications.values_list("channel").annotate(n=Count("pk")).order_by())
    channels = [c for c in Application.Channel if counts.get(c.value)]
    return Chart(
        key="applications-by-channel",
        title=_("Applications by channel"),
        kind="doughnut",
        category=_("Channel"),
        labels=[c.label for c in channels],
        series=[Series(_("Applications"), [counts[c.value] for c in channels])],
    )


def _by_program(applications) -> Chart:
    rows = (
        applications.filter(programs__isnull=False)
        .values_list("programs__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "programs__name")
    )
    rows = list(rows)
    return Chart(
        key="applications-by-programme",
        title=_("Applications by programme"),
        kind="horizontal",
        category=_("Programme"),
        labels=[name for name, _n in rows],
        series=[Series(_("Applications"), [n for _name, n in rows])],
    )


def _referral_rows(scope: Scope) -> list[tuple]:
    start, end = scope.span()
    return list(
        Referral.objects.filter(
            application__office=scope.group, created_at__range=(start, end)
        ).values_list("unit_id", "status", "overdue", "created_at", "signed_at", "closed_at")
    )


def _per_unit(scope: Scope, referrals: list[tuple]) -> tuple[Chart, Chart]:
    units = dict(
        MemberUnit.objects.filter(group=scope.group)
        .order_by("order", "pk")
        .values_list("pk", "name")
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    sign, close = defaultdict(list), defaultdict(list)
    for unit_id, status, overdue, created, signed, closed in referrals:
        counts[unit_id][status] += 1
        counts[unit_id]["overdue"] += bool(overdue)
        if signed:
            sign[unit_id].append(_hours(created, signed))
        if closed:
            close[unit_id].append(_hours(created, closed))
    shown = [pk for pk in units if pk in counts]
    labels = [units[pk] for pk in shown]
    unit = _("Unit")
    statuses = Referral.Status
    return (
        Chart(
            key="referrals-by-unit",
            title=_("Referrals per unit"),
            kind="stacked",
            category=unit,
            labels=labels,
            series=[
                Series(s.label, [counts[pk][s.value] for pk in shown])
                for s in (
                    statuses.PENDING,
                    statuses.IN_PROGRESS,
                    statuses.CLOSED,
                    statuses.RETURNED,
                )
            ]
            + [Series(_("Overdue"), [counts[pk]["overdue"] for pk in shown])],
        ),
        Chart(
            key="referral-hours",
            title=_("Median hours to sign for and to close"),
            kind="bar",
            category=unit,
            labels=labels,
            series=[
                Series(_("To sign for"), [percentile(sign[pk], 0.5) for pk in shown]),
                Series(_("To close"), [percentile(close[pk], 0.5) for pk in shown]),
            ],
        ),
    )


# Hours from the window to the first help, as a leader reads them: within the urgent
# clock's 24 hours or not, and how far past it.
URGENT_BUCKETS = ((6, "≤ 6 h"), (12, "6–12 h"), (24, "12–24 h"), (48, "24–48 h"), (None, "> 48 h"))


def _urgent(applications) -> Chart:
    """Urgent cases by hours from the window to the first help: help given first, or the
    first referral closed as granted when no help came first; and those not helped yet."""
    rows = applications.filter(urgent=True).values_list(
        "pk",
        "received_at",
        "referrals__help_first_at",
        "referrals__closed_at",
        "referrals__outcome",
    )
    first: dict[int, list] = {}
    for pk, received, helped, closed, outcome in rows:
        entry = first.setdefault(pk, [received, None])
        for moment in (helped, closed if outcome == Referral.Outcome.GRANTED else None):
            if moment and (entry[1] is None or moment < entry[1]):
                entry[1] = moment
    counts = [0] * (len(URGENT_BUCKETS) + 1)
    for received, helped in first.values():
        hours = _hours(received, helped)
        if hours is None:
            counts[-1] += 1
            continue
        index = next(
            i for i, (limit, _l) in enumerate(URGENT_BUCKETS) if limit is None or hours <= limit
        )
        counts[index] += 1
    return Chart(
        key="urgent-hours",
        title=_("Urgent cases: hours to the first help"),
        kind="bar",
        category=_("Hours"),
        labels=[label for _limit, label in URGENT_BUCKETS] + [_("Not helped yet")],
        series=[Series(_("Urgent cases"), counts)],
        note=_("The urgent clock is 24 hours by default."),
    )


def intake_charts(scope: Scope) -> list[Chart]:
    applications = _applications(scope)
    by_unit, hours = _per_unit(scope, _referral_rows(scope))
    return [
        _by_channel(applications),
        _by_program(applications),
        by_unit,
        hours,
        _urgent(applications),
    ]
