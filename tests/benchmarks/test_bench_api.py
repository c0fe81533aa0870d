"""``manage.py bench_api`` end to end, small: run as an administrator runs it, in its own
process, against the configured PostgreSQL and Redis. It prints its figures, and leaves
nothing behind: its throwaway database is dropped, its server stopped, no message is left
in any queue of the broker and no key of its server in the cache."""

import os
import re
import subprocess

import psycopg2
import pytest
import redis
from celery import current_app
from django.conf import settings

from assistance.broker import queue_length
from tests.verification.test_bench_command import run_bench

BENCH_SECONDS = 400


def _messages(url: str) -> int:
    """Messages in every queue of the Redis broker (lists), and those taken unacknowledged;
    on RabbitMQ (no listing of queues without its management plugin), in the default
    queue, where a benchmark's stray task would land."""
    if not url.startswith("redis"):
        return queue_length(current_app.conf.task_default_queue)
    client = redis.Redis.from_url(url)
    total = 0
    for key in client.scan_iter():
        if client.type(key) == b"list":
            total += client.llen(key)
        elif key == b"unacked":
            total += client.hlen(key)
    return total


def _databases(url: str) -> set[str]:
    """The configured database and those named after it (other test runs may come and go)."""
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [name])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.broker
def test_a_small_run_prints_its_figures_and_leaves_nothing_behind():
    url = os.environ.get("DATABASE_URL", "")
    broker = os.environ["CELERY_BROKER_URL"]
    before = _messages(broker)
    databases = _databases(url) if url.startswith("postgres") else set()
    out = run_bench("bench_api", "--checks=50", "--batch=10", "--singles=10", timeout=BENCH_SECONDS)
    assert re.fullmatch(
        r"bench_api: 50 checks in batches of 10 in [\d.]+ s = \d+ checks/s \(p95 \d+ ms per "
        r"call, [\d.]+x the bare SQL floor\); single answer p50 \d+ ms p95 \d+ ms \([\d.]+x "
        r"the bare round trip\); naive \d+ checks/s",
        out.strip().splitlines()[-1],
    ), out
    for figure in (
        r"bare HTTP round trip: no Django p50 [\d.]+ ms p95 [\d.]+ ms; through Django",
        r"bare SQL floor: 50 checks' findings in [\d.]+ s, one INSERT per 10",
        r"batches: 50 checks in [\d.]+ s = \d+ checks/s; 5 calls of 10, p50 \d+ ms p95 \d+ ms",
        r"single answers: 10 calls, p50 [\d.]+ ms p95 [\d.]+ ms",
        r"naive \(one call per check\): 50 checks in [\d.]+ s = \d+ checks/s; batches are",
        r"before measuring: load average [\d.]+ \(1 min\), [\d.]+ \(5 min\) on \d+ cores",
        r"after measuring: load average",
    ):
        assert re.search(figure, out), figure
    bench = f"{url.rsplit('/', 1)[1].split('?')[0]}_apibench"
    assert f"dropped the bench database {bench}" in out
    # Its database is gone (the configured one it never writes to).
    assert bench not in _databases(url)
    assert bench not in databases
    # The broker as it was (the requests it completed told their clerk, nothing queued),
    # and no key of the server's own cache prefix.
    assert _messages(broker) == before
    if broker.startswith("redis"):
        assert f"broker messages in every queue: {before} before, {before} after" in out
    if settings.CACHE_URL:
        assert not list(redis.Redis.from_url(settings.CACHE_URL).scan_iter(match="apibench*"))
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "benchmarks.api.server" not in ps
