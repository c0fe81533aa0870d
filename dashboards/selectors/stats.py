"""Small statistics the dashboards share."""

import math
from collections.abc import Iterable


def histogram_percentile(histogram: dict, share: float) -> int | None:
    """The value below or at which ``share`` (0–1) of the counted items lie, from a
    histogram {value: count} (nearest-rank, so always a value that occurred); None when
    nothing was counted."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # unreachable: seen reaches total


def percentile(values: Iterable[float], share: float) -> float | None:
    """Nearest-rank percentile of plain values; None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def share_percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
