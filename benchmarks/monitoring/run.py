"""One run of the monitoring's benchmark (see this package's docstring)."""

import os
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from benchmarks.verification.database import in_throwaway_database
from benchmarks.verification.machine import status_kib
from monitoring import indicators, rules
from monitoring.evaluation import evaluate
from monitoring.models import EarlyWarning, ScoreIndicator, WarningRule
from monitoring.scoring import scores_compute
from verification.models import RegistrySnapshot

from .data import fill

TARGET = 3.0
COLUMNS = "household_id, member_id, seen_on, amount, line, details, source_type, source_id"
SCORE_COLUMNS = "household_id, member_id, points, value, line, source_type, source_id"


@dataclass(frozen=True)
class Options:
    households: int
    findings: int
    ledger: int
    keep: bool


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def _memory_mb() -> tuple[float, float]:
    """This process's resident set now and its peak (VmRSS, VmHWM), in MB."""
    pid = os.getpid()
    return status_kib(pid, "VmRSS") / 1024, status_kib(pid, "VmHWM") / 1024


def bench_monitoring(options: Options, stdout) -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            "bench_monitoring runs only on PostgreSQL: set DATABASE_URL to a postgres:// "
            f"address (the configured database is {connection.vendor})."
        )
    if min(options.households, options.findings, options.ledger) < 1:
        raise CommandError("--households, --findings and --ledger must be at least 1.")
    say = lambda line: stdout.write(line + "\n")  # noqa: E731
    line = in_throwaway_database(
        "_monbench", keep=options.keep, say=say, work=lambda: _measure(options, say)
    )
    stdout.write(line + "\n")


def _floor(queries: list[tuple[str, list]], columns: str) -> list[float]:
    """Seconds of one bare statement per rule (or indicator): its rows written by one
    INSERT … SELECT into a temporary table without index or constraint, rolled back."""
    seconds = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_floor (household_id bigint, member_id bigint, "
            "seen_on date, amount numeric, line numeric, details text, points numeric, "
            "value numeric, source_type integer, source_id bigint) ON COMMIT DROP"
        )
        for sql, params in queries:
            started = time.perf_counter()
            cursor.execute(
                f"INSERT INTO bench_floor ({columns}) SELECT {columns} FROM ({sql}) c", params
            )
            seconds.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    return seconds


def _rule_floor(today) -> list[float]:
    active = WarningRule.objects.filter(active=True).order_by("pk")
    return _floor([rules.found(rule, today) for rule in active], COLUMNS)


def _score_floor(today) -> list[float]:
    active = ScoreIndicator.objects.filter(active=True).order_by("pk")
    return _floor([indicators.counted(i, today) for i in active], SCORE_COLUMNS)


def _timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def _evaluations(today, say) -> dict:
    """The first evaluation (nothing raised yet), a re-run (nothing new) and one after the
    extract changed (the older one made current: warnings raised and closed), each beside
    the floor measured just before it."""
    _rule_floor(today)  # warm the caches, unmeasured
    figures = {}
    for name in ("first", "again", "changed"):
        if name == "changed":
            old = RegistrySnapshot.objects.filter(is_current=False, status="imported").first()
            RegistrySnapshot.objects.filter(is_current=True, unit=old.unit).update(is_current=False)
            RegistrySnapshot.objects.filter(pk=old.pk).update(is_current=True)
        floors = _rule_floor(today)
        floor = sum(floors)
        run, seconds = _timed(lambda: evaluate(trigger="schedule", today=today, scores=False))
        figures[name] = (seconds, floor, run.raised, run.resolved)
        verdict = "meets" if seconds <= TARGET * floor else "MISSES"
        say(
            f"evaluation ({name}): {seconds:.2f} s, raised {run.raised}, closed {run.resolved}; "
            f"floor {floor:.2f} s: {seconds / floor:.1f}x ({verdict} the {TARGET:.0f}x aim)"
        )
        for row, bare in zip(run.details, floors, strict=True):
            say(f"  rule {row['rule']}: {row['seconds']:.2f} s (floor {bare:.2f} s), raised "
                f"{row['raised']}, closed {row['resolved']}")  # fmt: skip
    return figures


def _measure(options: Options, say) -> str:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(households=options.households, findings=options.findings, ledger=options.ledger)
    say(
        f"filled: {options.households} households of 3, {options.findings} findings, "
        f"{options.ledger} ledger rows in {time.perf_counter() - started:.1f} s"
    )
    say(f"before measuring: {_load()}")
    today = timezone.localdate()
    rss_before, _peak = _memory_mb()
    figures = _evaluations(today, say)
    _score_floor(today)
    score_floor = sum(_score_floor(today))
    scored, score_seconds = _timed(lambda: scores_compute(today=today))
    say(
        f"hardship scores: {score_seconds:.2f} s for {scored} households; floor "
        f"{score_floor:.2f} s: {score_seconds / score_floor:.1f}x"
    )
    rss_after, peak = _memory_mb()
    say(
        f"this process: resident {rss_before:.0f} MB before the evaluations, {rss_after:.0f} "
        f"MB after, peak {peak:.0f} MB (nothing is read per household)"
    )
    say(f"warnings in the database: {EarlyWarning.objects.count()}")
    say(f"after measuring: {_load()}")
    first, again = figures["first"], figures["again"]
    return (
        f"bench_monitoring: {options.households} households, {options.findings} findings, "
        f"{options.ledger} ledger rows; first evaluation {first[0]:.2f} s ({first[2]} raised) "
        f"= {first[0] / first[1]:.1f}x the floor; re-run {again[0]:.2f} s = "
        f"{again[0] / again[1]:.1f}x; scores {score_seconds:.2f} s = "
        f"{score_seconds / score_floor:.1f}x; memory +{rss_after - rss_before:.0f} MB"
    )
