"""Reads of the minutes, decisions and their follow-up (督办), shaped for pages.

Each function returns what a page shows in a fixed number of queries, however many
decisions, units, responses or versions there are, and shows each user only their share:
a liaison sees their own unit's answer and receipt, never another unit's, and not the
office's internal drafts and review comments.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from assistance.roles import Role, has_role
from members.models import LeadingGroup, MemberUnit
from members.selectors import liaison_unit

from .models import (
    Attachment,
    Attendance,
    Decision,
    DecisionUpdate,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from .permissions import decisions_for_user, is_staff

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)

CooperatingThrough = Decision.cooperating_units.through


def _ordered_units():
    return MemberUnit.objects.order_by("order", "pk")


def decisions_with_units(queryset: QuerySet[Decision]) -> QuerySet[Decision]:
    """Decisions with their lead unit and cooperating units: two queries for any number."""
    return queryset.select_related("lead_unit").prefetch_related(
        Prefetch("cooperating_units", queryset=_ordered_units())
    )


# --- The minutes page ----------------------------------------------------------------------


@dataclass
class ReviewComment:
    """A comment the office director (on return) or the office (on revision) wrote."""

    text: str
    user: object
    at: datetime.datetime
    status: str
    status_label: str


@dataclass
class MinutesPage:
    minutes: Minutes
    decisions: list[Decision]
    attendance: list[Attendance]
    # The office and the convener see every unit's answer and receipt, a liaison only
    # their own unit's.
    responses: list[MinutesResponse]
    receipts: list[MinutesReceipt]
    response_counts: dict[str, int]
    receipt_counts: dict[str, int]
    versions: list = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)
    unit: MemberUnit | None = None
    own_response: MinutesResponse | None = None
    own_receipt: MinutesReceipt | None = None

    @property
    def attending(self) -> list[Attendance]:
        return [a for a in self.attendance if a.presence != Attendance.Presence.ABSENT]

    @property
    def absent(self) -> list[Attendance]:
        return [a for a in self.attendance if a.presence == Attendance.Presence.ABSENT]

    @property
    def not_acknowledged(self) -> list[MinutesReceipt]:
        return [r for r in self.receipts if r.acknowledged_at is None]

    @property
    def pending_responses(self) -> list[MinutesResponse]:
        return [r for r in self.responses if r.answer == MinutesResponse.Answer.PENDING]


def minutes_attendance(minutes: Minutes) -> list[Attendance]:
    return list(minutes.meeting.attendance.select_related("unit").order_by("unit__order", "pk"))


def minutes_decisions(minutes: Minutes) -> list[Decision]:
    return list(decisions_with_units(minutes.decisions.order_by("order", "pk")))


def _answer_counts(minutes: Minutes) -> dict[str, int]:
    counts = dict(minutes.responses.values_list("answer").annotate(n=Count("pk")).order_by())
    counts = {answer: counts.get(answer, 0) for answer in MinutesResponse.Answer.values}
    counts["total"] = sum(counts.values())
    return counts


def _receipt_counts(minutes: Minutes) -> dict[str, int]:
    return minutes.receipts.aggregate(
        total=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False))
    )


def _review_comments(versions) -> list[ReviewComment]:
    """Each review comment as first written, with who wrote it and when, oldest first."""
    comments = []
    previous = ""
    for record in sorted(versions, key=lambda r: (r.history_date, r.history_id)):
        text = record.review_comment
        if text and text != previous:
            comments.append(
                ReviewComment(
                    text=text,
                    user=record.history_user,
                    at=record.history_date,
                    status=record.status,
                    status_label=Minutes.Status(record.status).label,
                )
            )
        previous = text
    return comments


def minutes_page(minutes: Minutes, *, user) -> MinutesPage:
    """Everything the minutes page shows, in a fixed number of queries."""
    staff = is_staff(user)
    unit = None if staff else liaison_unit(user)
    responses = minutes.responses.select_related("unit", "answered_by").order_by(
        "unit__order", "unit__pk"
    )
    receipts = minutes.receipts.select_related("unit", "acknowledged_by").order_by(
        "unit__order", "unit__pk"
    )
    if not staff:
        responses = responses.filter(unit=unit)
        receipts = receipts.filter(unit=unit)
    page = MinutesPage(
        minutes=minutes,
        decisions=minutes_decisions(minutes),
        attendance=minutes_attendance(minutes),
        responses=list(responses),
        receipts=list(receipts),
        response_counts=_answer_counts(minutes),
        receipt_counts=_receipt_counts(minutes),
        unit=unit,
    )
    if staff:
        # Drafts and the director's comments are the office's working papers.
        page.versions = list(
            minutes.history.select_related("history_user").order_by("-history_date", "-history_id")
        )
        page.review_comments = _review_comments(page.versions)
    elif unit is not None:
        page.own_response = next(iter(page.responses), None)
        page.own_receipt = next(iter(page.receipts), None)
    return page


# --- The decision page ---------------------------------------------------------------------


def decision_updates(decision: Decision) -> list[DecisionUpdate]:
    """A decision's progress updates, oldest first, with their units, authors and files."""
    return list(
        decision.updates.select_related("unit", "author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("created_at", "pk")
    )


def decision_with_units(decision: Decision) -> Decision:
    return decisions_with_units(
        Decision.objects.select_related("minutes__meeting__group", "closed_by")
    ).get(pk=decision.pk)


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


def followup_groups() -> QuerySet[LeadingGroup]:
    return LeadingGroup.objects.order_by("order", "pk")


def followup_units() -> QuerySet[MemberUnit]:
    return MemberUnit.objects.select_related("group").order_by("group__order", "group", "order")


def is_office(user) -> bool:
    return has_role(user, *OFFICE_ROLES)
