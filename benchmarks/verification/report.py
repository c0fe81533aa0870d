"""Printing the benchmark's figures: one line per step as it goes, the CPU each phase
used, the targets of issue 5 beside what was measured, and the last line stating the
figures."""

import math
from dataclasses import dataclass

from .machine import CORES, Watch

# Target figures of issue 5, printed beside what was measured.
TARGET_SECONDS_10K = 20
TARGET_RATIO = 10
TARGET_P95_MS = 300
TARGET_MEMORY_MB = 300
# Issue 15: ratios measured in the same run, which hold across machines of one kind.
TARGET_FLOOR_RATIO = 2.5
TARGET_ROUND_TRIP_RATIO = 2


class Printer:
    """Writes the benchmark's progress lines, indented, as they happen."""

    def __init__(self, stdout):
        self.stdout = stdout

    def __call__(self, message: str):
        self.stdout.write(f"  {message}\n")
        self.stdout.flush()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def cpu_use(watch: Watch) -> str:
    """The CPU seconds one phase used: the machine's, the benchmark's by kind of process,
    everyone else's."""
    by_kind = watch.by_kind
    kinds = ", ".join(f"{kind} {by_kind[kind]:.1f}" for kind in sorted(by_kind))
    return (
        f"CPU s used: {watch.machine:.1f} of the machine's {watch.wall * CORES:.1f} "
        f"({CORES} cores × {watch.wall:.1f} s); the benchmark's {watch.mine:.1f} ({kinds}), "
        f"other processes' {watch.others:.1f}"
    )


@dataclass
class Figures:
    """What a run measured. No sample or no single request (``--sample 0``,
    ``--singles 0``): those figures are None."""

    households: int
    departments: int
    batch_checks: int
    batch_seconds: float
    sample_checks: int
    sample_seconds: float
    latencies: list[float]
    peak_kib: int  # VmHWM of the largest worker's processes, summed
    processes: int  # how many processes that worker had
    workers: int
    pss_kib: int  # peak PSS of a worker, sampled
    floor_seconds: float = 0.0  # the batch's rows by bare SQL, with the foreign keys
    bare_floor_seconds: float = 0.0  # the same without the foreign keys
    round_trips: list[float] | None = None  # bare Celery round trips (None: not measured)

    @property
    def floor_ratio(self) -> float | None:
        return self.batch_seconds / self.floor_seconds if self.floor_seconds else None

    @property
    def bare_floor_ratio(self) -> float | None:
        return self.batch_seconds / self.bare_floor_seconds if self.bare_floor_seconds else None

    @property
    def round_trip_ratio(self) -> float | None:
        if not self.round_trips or self.p95 is None:
            return None
        return self.p95 / percentile(self.round_trips, 0.95)

    @property
    def batch_rate(self) -> float:
        return self.batch_checks / self.batch_seconds

    @property
    def per_check_rate(self) -> float:
        return self.sample_checks / self.sample_seconds if self.sample_checks else 0.0

    @property
    def ratio(self) -> float | None:
        return self.batch_rate / self.per_check_rate if self.per_check_rate else None

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies, 0.5) if self.latencies else None

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies, 0.95) if self.latencies else None

    @property
    def peak_mb(self) -> float:
        return self.peak_kib / 1024


def memory(figures: Figures, say):
    say(
        f"worker peak memory: {figures.peak_mb:.0f} MB (VmHWM of the {figures.processes} "
        f"processes of a worker, main and pool, summed; largest of {figures.workers} "
        f"workers); peak PSS sampled every 0.2 s: {figures.pss_kib / 1024:.0f} MB"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def targets(figures: Figures, say):
    """Each target of issue 5 beside what was measured (the batch's only at its size)."""
    seconds, ratio, p95, peak_mb = (
        figures.batch_seconds,
        figures.ratio,
        figures.p95,
        figures.peak_mb,
    )
    if figures.households == 10_000 and figures.departments == 14:
        say(
            f"target: 10,000 households × 14 departments in ≤ {TARGET_SECONDS_10K} s: "
            f"{seconds:.1f} s, {_verdict(seconds <= TARGET_SECONDS_10K)}"
        )
    if ratio is None:
        say(f"target: ≥ {TARGET_RATIO}× one task per check: not measured (--sample 0)")
    else:
        say(
            f"target: ≥ {TARGET_RATIO}× one task per check: {ratio:.1f}×, "
            f"{_verdict(ratio >= TARGET_RATIO)}"
        )
    if p95 is None:
        say(f"target: single request p95 ≤ {TARGET_P95_MS} ms: not measured (--singles 0)")
    else:
        say(
            f"target: single request p95 ≤ {TARGET_P95_MS} ms: {p95 * 1000:.0f} ms, "
            f"{_verdict(p95 * 1000 <= TARGET_P95_MS)}"
        )
    say(
        f"target: worker peak memory ≤ {TARGET_MEMORY_MB} MB: {peak_mb:.0f} MB, "
        f"{_verdict(peak_mb <= TARGET_MEMORY_MB)}"
    )
    floor, trip = figures.floor_ratio, figures.round_trip_ratio
    if floor is not None:
        say(
            f"target: batch ≤ {TARGET_FLOOR_RATIO}× the bare-SQL floor: {floor:.1f}×, "
            f"{_verdict(floor <= TARGET_FLOOR_RATIO)} (with the tables' foreign keys, as "
            f"the batch writes them; {figures.bare_floor_ratio:.1f}× the floor without them)"
        )
    if trip is not None:
        say(
            f"target: single request p95 ≤ {TARGET_ROUND_TRIP_RATIO}× a bare Celery round "
            f"trip's: {trip:.1f}×, {_verdict(trip <= TARGET_ROUND_TRIP_RATIO)}"
        )
    elif p95 is not None:
        say(
            f"target: single request p95 ≤ {TARGET_ROUND_TRIP_RATIO}× a bare Celery round "
            "trip's: not measured (set CACHE_URL: the no-op tasks leave their mark in the "
            "cache the workers share with this command)"
        )


def summary(figures: Figures) -> str:
    """The last line: the figures in one sentence."""
    ratio, p50, p95 = figures.ratio, figures.p50, figures.p95
    per_check = (
        f"per-check tasks {figures.per_check_rate:.0f} checks/s (ratio {ratio:.1f}x)"
        if ratio is not None
        else "per-check tasks not measured"
    )
    singles = (
        f"single requests p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms"
        if p95 is not None
        else "single requests not measured"
    )
    floor, trip = figures.floor_ratio, figures.round_trip_ratio
    floors = (
        f"{floor:.1f}x the bare-SQL floor, {figures.bare_floor_ratio:.1f}x without foreign keys"
        if floor is not None
        else "floor not measured"
    )
    trips = (
        f"single p95 {trip:.1f}x a bare Celery round trip"
        if trip is not None
        else "round trip not measured"
    )
    return (
        f"bench_verification: {figures.batch_checks} checks in {figures.batch_seconds:.1f} s = "
        f"{figures.batch_rate:.0f} checks/s ({floors}); {per_check}; {singles} ({trips}); "
        f"worker peak memory {figures.peak_mb:.0f} MB"
    )
