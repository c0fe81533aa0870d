"""Reads of performance: a quarter's scores with their adjustments (two queries whatever
the number of units), and one unit's records behind each indicator."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from assistance.periods import quarter_span
from members.models import LeadingGroup, MemberUnit

from .indicators import records
from .models import Indicator, ScoreAdjustment, UnitScore


def quarter_scores(group: LeadingGroup, year: int, quarter: int) -> list[dict]:
    """Every unit's score of the quarter: computed, adjusted, final, best first."""
    scores = UnitScore.objects.filter(group=group, year=year, quarter=quarter).select_related(
        "unit"
    )
    adjusted = dict(
        ScoreAdjustment.objects.filter(unit__group=group, year=year, quarter=quarter)
        .values_list("unit_id")
        .annotate(points=Sum("points"))
        .order_by()
    )
    rows = []
    for score in scores:
        points = adjusted.get(score.unit_id, Decimal("0"))
        final = None if score.computed is None else min(Decimal(100), score.computed + points)
        rows.append({"score": score, "adjusted": points, "final": final})
    rows.sort(key=lambda row: (row["final"] is None, -(row["final"] or 0), row["score"].unit.order))
    return rows


def unit_quarter(unit: MemberUnit, year: int, quarter: int) -> dict:
    """One unit's quarter: its score, its adjustments, and per indicator the records."""
    start, end = quarter_span(year, quarter)
    indicators = Indicator.objects.filter(group=unit.group, active=True)
    per_indicator = defaultdict(list)
    for indicator in indicators:
        per_indicator[indicator] = records(indicator.kind, start=start, end=end, unit=unit)
    return {
        "score": UnitScore.objects.filter(unit=unit, year=year, quarter=quarter).first(),
        "adjustments": list(
            ScoreAdjustment.objects.filter(unit=unit, year=year, quarter=quarter).select_related(
                "made_by"
            )
        ),
        "indicators": dict(per_indicator),
    }
