"""``manage.py bench_monitoring`` end to end, small: run as an administrator runs it, in its
own process, against the configured PostgreSQL. It prints its figures (each evaluation
beside its floor of one bare statement per rule, the scores beside theirs, the memory and
the load average) and drops its throwaway database."""

import os
import re

from tests.benchmarks.test_bench_api import _databases
from tests.verification.test_bench_command import run_bench


def test_a_small_run_prints_its_figures_and_drops_its_database():
    url = os.environ.get("DATABASE_URL", "")
    before = _databases(url) if url.startswith(("postgres://", "postgresql://")) else set()
    stdout = run_bench(
        "bench_monitoring", "--households=120", "--findings=1500", "--ledger=150", timeout=600
    )
    for name in ("first", "again", "changed"):
        assert re.search(
            rf"evaluation \({name}\): [\d.]+ s, raised \d+, closed \d+; floor [\d.]+ s: "
            r"[\d.]+x \((meets|MISSES) the 3x aim\)",
            stdout,
        ), stdout
    first = re.search(r"evaluation \(first\): [\d.]+ s, raised (\d+)", stdout)
    assert int(first.group(1)) > 0
    again = re.search(r"evaluation \(again\): [\d.]+ s, raised (\d+), closed (\d+)", stdout)
    assert again.groups() == ("0", "0")  # a re-run raises nothing twice
    changed = re.search(r"evaluation \(changed\): [\d.]+ s, raised \d+, closed (\d+)", stdout)
    assert int(changed.group(1)) > 0  # the older extract made current closes warnings
    assert re.search(r"hardship scores: [\d.]+ s for \d+ households; floor", stdout)
    assert "load average" in stdout and "dropped the bench database" in stdout
    last = stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        r"bench_monitoring: 120 households, 1500 findings, 150 ledger rows; first evaluation "
        r"[\d.]+ s \(\d+ raised\) = [\d.]+x the floor; re-run [\d.]+ s = [\d.]+x; scores "
        r"[\d.]+ s = [\d.]+x; memory \+-?\d+ MB",
        last,
    ), last
    assert _databases(url) == before
