"""Reads of the minutes and the decisions, shaped for their pages.

Each function returns what a page shows in a fixed number of queries, however many
decisions, units, responses or versions there are, and shows each user only their share:
a liaison sees their own unit's answer and receipt, never another unit's, and not the
office's internal drafts and review comments.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from members.models import MemberUnit
from members.selectors import liaison_unit

from ..models import (
    AgendaItem,
    Attachment,
    Attendance,
    Decision,
    DecisionUpdate,
    Meeting,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from ..permissions import is_staff


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

    @property
    def on_behalf_units(self) -> list[tuple[int, str]]:
        """The units whose answer the office may still record for them, as choices: while
        the minutes are circulated, the attending units that have not consented; once
        issued, the member units that have not acknowledged receipt."""
        if self.minutes.status == Minutes.Status.CIRCULATED:
            waiting = [r for r in self.responses if r.answer != MinutesResponse.Answer.CONSENTED]
        elif self.minutes.status == Minutes.Status.ISSUED:
            waiting = self.not_acknowledged
        else:
            waiting = []
        return [(answer.unit.pk, answer.unit.name) for answer in waiting]


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


# --- Drafting -------------------------------------------------------------------------------


def group_unit_choices(meeting: Meeting) -> list[tuple[int, str]]:
    """The active units of the meeting's group, as choices for the decisions' units."""
    return list(
        meeting.group.units.filter(active=True).order_by("order", "pk").values_list("pk", "name")
    )


def unit_by_pk(pk: int) -> MemberUnit:
    return MemberUnit.objects.get(pk=pk)


def agenda_topics(meeting: Meeting) -> list[AgendaItem]:
    """The approved agenda of ``meeting`` with its presenting units, in order (the minutes'
    first draft starts from it): one query."""
    return list(
        meeting.agenda_items.filter(status=AgendaItem.Status.APPROVED)
        .select_related("unit")
        .order_by("order", "pk")
    )
