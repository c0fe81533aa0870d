"""Writes of performance: computing a quarter's scores (a task runs it; the office may ask
for it at once) and the office's adjustments with their reasons."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.outbox import send_after_commit
from assistance.periods import quarter_span
from members.models import LeadingGroup, MemberUnit

from .indicators import records
from .models import Indicator, ScoreAdjustment, UnitScore
from .permissions import can_adjust

COMPUTE_TASK = "performance.tasks.scores_compute_task"
MAX_ADJUSTMENT = Decimal("20")


class PerformanceError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _score(details: dict) -> Decimal | None:
    weights = sum(d["weight"] for d in details.values() if d["counted"])
    if not weights:
        return None
    total = sum(d["weight"] * d["met"] / d["counted"] for d in details.values() if d["counted"])
    return Decimal(100 * total / weights).quantize(Decimal("0.1"))


@transaction.atomic
def scores_compute(*, group: LeadingGroup, year: int, quarter: int) -> list[UnitScore]:
    """Recompute every unit's score of the quarter from the records (idempotent: the same
    records give the same rows)."""
    start, end = quarter_span(year, quarter)
    indicators = list(Indicator.objects.filter(group=group, active=True))
    counts: dict[int, dict] = defaultdict(dict)
    units = list(MemberUnit.objects.filter(group=group).values_list("pk", flat=True))
    for indicator in indicators:
        tally = {pk: {"counted": 0, "met": 0, "weight": indicator.weight} for pk in units}
        for record in records(indicator.kind, start=start, end=end, group=group):
            if record.unit_id in tally:
                tally[record.unit_id]["counted"] += 1
                tally[record.unit_id]["met"] += record.met
        for pk in units:
            counts[pk][indicator.kind] = tally[pk]
    UnitScore.objects.filter(group=group, year=year, quarter=quarter).delete()
    now = timezone.now()
    return UnitScore.objects.bulk_create(
        UnitScore(
            group=group,
            unit_id=pk,
            year=year,
            quarter=quarter,
            details=counts[pk],
            computed=_score(counts[pk]),
            computed_at=now,
        )
        for pk in units
    )


def scores_request(*, group: LeadingGroup, year: int, quarter: int) -> None:
    """Have a worker recompute the quarter (after the commit, as all work is sent)."""
    send_after_commit(
        COMPUTE_TASK, group.pk, year, quarter, what=f"scores of {group.code} {year}Q{quarter}"
    )


@transaction.atomic
def adjustment_record(
    *, actor, unit: MemberUnit, year: int, quarter: int, points: Decimal, reason: str
) -> ScoreAdjustment:
    """Add or take points from a unit's quarter, with the written reason (kept, with its
    author, in the adjustment's history)."""
    if not can_adjust(actor):
        raise PerformanceError(_("Only the office director adjusts a score."))
    reason = (reason or "").strip()
    if not reason:
        raise PerformanceError(_("Give the reason for the adjustment."))
    if not points or abs(points) > MAX_ADJUSTMENT:
        raise PerformanceError(
            _("An adjustment is between -%(max)s and %(max)s points, not zero.")
            % {"max": MAX_ADJUSTMENT}
        )
    adjustment = ScoreAdjustment(
        unit=unit, year=year, quarter=quarter, points=points, reason=reason, made_by=actor
    )
    adjustment._history_user = actor
    adjustment.full_clean()
    adjustment.save()
    return adjustment
