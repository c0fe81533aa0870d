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
import redis
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

BENCH_SECONDS = 300
# A Redis database no test and no helper process uses: the bench's broker in this test.
BENCH_REDIS_DB = 12


def run_bench(*args: str, timeout: float = BENCH_SECONDS, env: dict | None = None) -> str:
    """Run ``manage.py <args>`` in its own process against the configured PostgreSQL (the
    test is skipped on another database) and return what it printed; fail if it failed."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the benchmark runs on PostgreSQL: set DATABASE_URL")
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed.stdout


@pytest.mark.broker
def test_a_small_run_prints_its_figures_and_leaves_nothing_behind():
    households, departments = 40, 3
    env, broker = _own_broker()
    stdout = run_bench(
        "bench_verification",
        f"--households={households}",
        f"--departments={departments}",
        "--sample=30",
        "--singles=5",
        env=env,
    )
    if broker is not None:
        # The broker is as the bench found it: no message in any queue, the default one
        # included (a completed batch sends its changes task there unless told otherwise).
        left = {key: broker.llen(key) for key in broker.scan_iter() if broker.type(key) == b"list"}
        assert left == {}, left
    url = os.environ["DATABASE_URL"]
    lines = stdout.strip().splitlines()
    checks = households * departments
    assert re.fullmatch(
        rf"bench_verification: {checks} checks in [\d.]+ s = \d+ checks/s "
        r"\([\d.]+x the bare-SQL floor, [\d.]+x without foreign keys\); per-check tasks "
        r"\d+ checks/s \(ratio [\d.]+x\); single requests p50 \d+ ms p95 \d+ ms "
        r"\((single p95 [\d.]+x a bare Celery round trip|round trip not measured)\); "
        r"worker peak memory \d+ MB",
        lines[-1],
    ), lines[-1]
    assert f"batch: {households} households, {checks} checks answered from snapshots" in (stdout)
    assert re.search(
        rf"changes since the previous verification: kept for {households} households "
        r"\(\d+ with changes\) [\d.]+ s after the batch completed",
        stdout,
    )
    assert "single requests: 5 answered by connectors" in stdout
    assert re.search(
        r"bare-SQL floor: the batch's \d+ rows written in [\d.]+ s with the tables' foreign "
        r"keys, [\d.]+ s without them",
        stdout,
    )
    if os.environ.get("CACHE_URL"):  # the workers share the cache: the round trip is timed
        assert "bare Celery round trip: 5 × one no-op task per department" in stdout
    bench = f"{url.rsplit('/', 1)[1].split('?')[0]}_bench"
    assert f"dropped the bench database {bench}" in stdout
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench])
        assert cursor.fetchone() is None
    # Its workers are gone too.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert not re.search(r"-n bench[0-9a-f]{6}-w\d@bench", ps)


def _own_broker():
    """The environment for the bench with a Redis database of its own as broker (an empty
    one, which no test worker consumes), and a client for it; the configured broker if it
    is not Redis."""
    env = dict(os.environ)
    url = env.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        return env, None
    own = url.rsplit("/", 1)[0] + f"/{BENCH_REDIS_DB}"
    broker = redis.Redis.from_url(own)
    broker.flushdb()
    env["CELERY_BROKER_URL"] = own
    return env, broker


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
