"""``manage.py bench_verification`` end to end, small: run as an administrator runs it, in
its own process, against the configured PostgreSQL and Redis, it creates its throwaway
database, starts its workers, measures the three figures and drops the database again.
It refuses, with a message saying why, where it cannot measure anything real."""

import os
import re
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

BENCH_SECONDS = 300


def run_bench(*args: str, timeout: float = BENCH_SECONDS) -> str:
    """Run ``manage.py <args>`` in its own process against the configured PostgreSQL (the
    test is skipped on another database) and return what it printed; fail if it failed."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the benchmark runs on PostgreSQL: set DATABASE_URL")
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed.stdout


@pytest.mark.broker
def test_a_small_run_prints_its_figures_and_leaves_nothing_behind():
    households, departments = 40, 3
    stdout = run_bench(
        "bench_verification",
        f"--households={households}",
        f"--departments={departments}",
        "--sample=30",
        "--singles=5",
    )
    url = os.environ["DATABASE_URL"]
    lines = stdout.strip().splitlines()
    checks = households * departments
    assert re.fullmatch(
        rf"bench_verification: {checks} checks in [\d.]+ s = \d+ checks/s; per-check tasks "
        r"\d+ checks/s \(ratio [\d.]+x\); single requests p50 \d+ ms p95 \d+ ms; "
        r"worker peak memory \d+ MB",
        lines[-1],
    ), lines[-1]
    assert f"batch: {households} households, {checks} checks answered from snapshots" in (stdout)
    assert "single requests: 5 answered by connectors" in stdout
    bench = f"{url.rsplit('/', 1)[1].split('?')[0]}_bench"
    assert f"dropped the bench database {bench}" in stdout
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench])
        assert cursor.fetchone() is None
    # Its workers are gone too.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert not re.search(r"-n bench[0-9a-f]{6}-w\d@bench", ps)


@pytest.mark.parametrize(
    "command", [["bench_verification", "--households=10"], ["bench_api", "--checks=10"]]
)
def test_it_refuses_to_measure_without_postgresql_or_a_real_broker(command):
    """Outside broker tests tasks run in process (tests/conftest.py), which is what a
    newcomer's default gives: nothing real to measure, so the command says what to set."""
    with pytest.raises(CommandError) as refused:
        call_command(*command)
    assert str(refused.value).startswith(command[0])
    if connection.vendor == "postgresql":
        assert "needs a real broker and workers: set CELERY_BROKER_URL" in str(refused.value)
    else:
        assert "runs only on PostgreSQL: set DATABASE_URL" in str(refused.value)
