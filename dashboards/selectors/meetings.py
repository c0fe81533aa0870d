"""The meetings dashboard: meetings by quarter (held, planned, cancelled), agenda items per
unit, decisions by state and overdue decisions per lead unit. Five queries whatever the
data."""

import datetime
from collections import Counter, defaultdict

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.periods import quarter_of
from meetings.models import AgendaItem, Decision, Meeting
from members.models import MemberUnit

from ..charts import Chart, Series
from ..filters import Scope


def _quarter(moment: datetime.datetime) -> str:
    local = timezone.localdate(moment)
    return f"{local.year}Q{quarter_of(local)}"


def _meetings(scope: Scope) -> Chart:
    rows = Meeting.objects.filter(group=scope.group, starts_at__range=scope.span()).values_list(
        "starts_at", "status"
    )
    quarters: dict[str, Counter] = defaultdict(Counter)
    for starts_at, status in rows:
        held = status == Meeting.Status.HELD
        cancelled = status == Meeting.Status.CANCELLED
        quarters[_quarter(starts_at)][
            "held" if held else "cancelled" if cancelled else "planned"
        ] += 1
    labels = sorted(quarters)
    return Chart(
        key="meetings-by-quarter",
        title=_("Meetings against the plan"),
        kind="stacked",
        category=_("Quarter"),
        labels=labels,
        series=[
            Series(_("Held"), [quarters[q]["held"] for q in labels]),
            Series(_("Still to be held"), [quarters[q]["planned"] for q in labels]),
            Series(_("Cancelled"), [quarters[q]["cancelled"] for q in labels]),
        ],
    )


def _units(scope: Scope) -> dict[int, str]:
    units = MemberUnit.objects.filter(group=scope.group).order_by("order", "pk")
    return dict(units.values_list("pk", "name"))


def _items(scope: Scope, units: dict) -> Chart:
    counts = dict(
        AgendaItem.objects.filter(
            meeting__group=scope.group, meeting__starts_at__range=scope.span()
        )
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    shown = [pk for pk in units if counts.get(pk)]
    return Chart(
        key="agenda-items-by-unit",
        title=_("Agenda items per unit"),
        kind="horizontal",
        category=_("Unit"),
        labels=[units[pk] for pk in shown],
        series=[Series(_("Agenda items"), [counts[pk] for pk in shown])],
    )


def _decisions(scope: Scope, units: dict) -> tuple[Chart, Chart]:
    today = timezone.localdate()
    rows = Decision.objects.filter(
        minutes__meeting__group=scope.group, minutes__meeting__starts_at__range=scope.span()
    ).values_list("status", "deadline", "lead_unit_id")
    states: Counter = Counter()
    overdue: Counter = Counter()
    for status, deadline, unit_id in rows:
        states[status] += 1
        if status != Decision.Status.CLOSED and deadline and deadline < today:
            overdue[unit_id] += 1
    shown_states = [s for s in Decision.Status if states[s.value]]
    shown_units = [pk for pk in units if overdue[pk]]
    return (
        Chart(
            key="decisions-by-state",
            title=_("Decisions by state"),
            kind="doughnut",
            category=_("State"),
            labels=[s.label for s in shown_states],
            series=[Series(_("Decisions"), [states[s.value] for s in shown_states])],
        ),
        Chart(
            key="overdue-decisions",
            title=_("Overdue decisions per lead unit"),
            kind="horizontal",
            category=_("Lead unit"),
            labels=[units[pk] for pk in shown_units],
            series=[Series(_("Overdue decisions"), [overdue[pk] for pk in shown_units])],
        ),
    )


def meetings_charts(scope: Scope) -> list[Chart]:
    units = _units(scope)
    states, overdue = _decisions(scope, units)
    return [_meetings(scope), _items(scope, units), states, overdue]
