"""Reads of the follow-up (督办) of decisions: the scope a user follows, the filtered list in
follow-up order, the completion figures overall and per unit, the overdue ones first.

Each returns what the page shows in a fixed number of queries, however many decisions and
units there are.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from assistance.workdays import WorkdayCalendar
from members.models import MemberUnit

from ..models import Decision, Minutes
from ..permissions import decisions_for_user, is_staff
from .minutes import decisions_with_units

CooperatingThrough = Decision.cooperating_units.through


# --- Follow-up (督办) -----------------------------------------------------------------------


def overdue_q(today: datetime.date) -> Q:
    """Not closed and past its deadline."""
    return ~Q(status=Decision.Status.CLOSED) & Q(deadline__lt=today)


@dataclass
class Figures:
    total: int = 0
    closed: int = 0
    reported_done: int = 0
    overdue: int = 0

    @property
    def open(self) -> int:
        return self.total - self.closed

    @property
    def rate(self) -> float | None:
        """Closed as a share of all, in per cent; None with nothing to count."""
        return round(100 * self.closed / self.total, 1) if self.total else None


@dataclass
class UnitFigures:
    unit_id: int
    name: str
    group_id: int
    order: int
    led: Figures = field(default_factory=Figures)
    cooperating: Figures = field(default_factory=Figures)

    @property
    def all(self) -> Figures:
        # A unit never both leads and cooperates on one decision (the service drops the
        # lead unit from the cooperating ones), so the counts add up.
        return Figures(
            total=self.led.total + self.cooperating.total,
            closed=self.led.closed + self.cooperating.closed,
            reported_done=self.led.reported_done + self.cooperating.reported_done,
            overdue=self.led.overdue + self.cooperating.overdue,
        )


def _figure_counts(prefix: str, today: datetime.date) -> dict:
    status, deadline = f"{prefix}status", f"{prefix}deadline"
    return {
        "total": Count("pk"),
        "closed": Count("pk", filter=Q(**{status: Decision.Status.CLOSED})),
        "reported_done": Count("pk", filter=Q(**{status: Decision.Status.REPORTED_DONE})),
        "overdue": Count(
            "pk",
            filter=~Q(**{status: Decision.Status.CLOSED}) & Q(**{f"{deadline}__lt": today}),
        ),
    }


def followup_scope(user) -> QuerySet[Decision]:
    """The decisions a user follows up: for the office and the convener every decision of
    issued minutes; for a liaison those their unit leads or cooperates on."""
    issued = Decision.objects.filter(minutes__status=Minutes.Status.ISSUED)
    if is_staff(user):
        return issued
    # Through the gateway, as a subquery, so the OR over the cooperating units never
    # repeats a row (and every count below counts each decision once).
    return issued.filter(pk__in=decisions_for_user(user).values("pk"))


def narrow_followup(
    scope: QuerySet[Decision], data: dict, today: datetime.date
) -> tuple[QuerySet[Decision], QuerySet[Decision]]:
    """The follow-up filter's choices applied: the decisions counted, and those listed.

    Group and unit narrow the figures too; status and overdue only the list (a completion
    rate of the closed decisions alone would say nothing)."""
    if data.get("group"):
        scope = scope.filter(minutes__meeting__group=data["group"])
    if data.get("unit"):
        scope = involving_unit(scope, data["unit"])
    listed = scope
    if data.get("status"):
        listed = listed.filter(status=data["status"])
    if data.get("overdue"):
        listed = listed.filter(overdue_q(today))
    return scope, listed


def involving_unit(queryset: QuerySet[Decision], unit) -> QuerySet[Decision]:
    return queryset.filter(
        Q(lead_unit=unit)
        | Exists(CooperatingThrough.objects.filter(decision=OuterRef("pk"), memberunit=unit))
    )


def figures(queryset: QuerySet[Decision], today: datetime.date) -> Figures:
    """Totals of a set of decisions: one aggregate query."""
    return Figures(**queryset.aggregate(**_figure_counts("", today)))


def unit_figures(queryset: QuerySet[Decision], today: datetime.date) -> list[UnitFigures]:
    """Per unit: the decisions it leads and those it cooperates on, each with closed and
    overdue counts. Two grouped queries whatever the number of units and decisions."""
    rows: dict[int, UnitFigures] = {}
    led = (
        queryset.order_by()
        .values("lead_unit", "lead_unit__name", "lead_unit__group", "lead_unit__order")
        .annotate(**_figure_counts("", today))
    )
    for row in led:
        rows[row["lead_unit"]] = UnitFigures(
            unit_id=row["lead_unit"],
            name=row["lead_unit__name"],
            group_id=row["lead_unit__group"],
            order=row["lead_unit__order"],
            led=Figures(**{k: row[k] for k in ("total", "closed", "reported_done", "overdue")}),
        )
    cooperating = (
        CooperatingThrough.objects.filter(decision__in=queryset.values("pk"))
        .order_by()
        .values("memberunit", "memberunit__name", "memberunit__group", "memberunit__order")
        .annotate(**_figure_counts("decision__", today))
    )
    for row in cooperating:
        entry = rows.setdefault(
            row["memberunit"],
            UnitFigures(
                unit_id=row["memberunit"],
                name=row["memberunit__name"],
                group_id=row["memberunit__group"],
                order=row["memberunit__order"],
            ),
        )
        entry.cooperating = Figures(
            **{k: row[k] for k in ("total", "closed", "reported_done", "overdue")}
        )
    return sorted(rows.values(), key=lambda r: (r.group_id, r.order, r.unit_id))


def followup_list(queryset: QuerySet[Decision], today: datetime.date) -> QuerySet[Decision]:
    """Decisions in follow-up order: overdue first, then open ones by deadline, closed ones
    last; each with its meeting, group and units (the cooperating units prefetched)."""
    rank = Case(
        When(overdue_q(today), then=Value(0)),
        When(status=Decision.Status.CLOSED, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return decisions_with_units(
        queryset.select_related("minutes__meeting__group").annotate(followup_rank=rank)
    ).order_by("followup_rank", "deadline", "pk")


def overdue_decisions(queryset: QuerySet[Decision], today: datetime.date, limit: int):
    """The longest overdue decisions first (one query), to show above everything else."""
    return list(
        queryset.filter(overdue_q(today))
        .select_related("lead_unit", "minutes__meeting")
        .order_by("deadline", "pk")[:limit]
    )


def followup_units() -> QuerySet[MemberUnit]:
    return MemberUnit.objects.select_related("group").order_by("group__order", "group", "order")


def mark_overdue(decisions, today: datetime.date) -> None:
    """Set ``overdue`` and ``days_overdue`` (working days past the deadline, 0 when not
    overdue) on each decision, counting each deadline's working days once."""
    calendar = None
    late: dict[datetime.date, int] = {}
    for decision in decisions:
        decision.overdue = decision.is_overdue(today)
        decision.days_overdue = 0
        if decision.overdue:
            if decision.deadline not in late:
                calendar = calendar or WorkdayCalendar()
                late[decision.deadline] = calendar.working_days_between(decision.deadline, today)
            decision.days_overdue = late[decision.deadline]
