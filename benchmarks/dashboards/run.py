"""One run of the dashboards' benchmark (see this package's docstring)."""

import os
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from benchmarks.verification.database import in_throwaway_database
from dashboards import summaries

from .data import fill

TARGET_MS = 300
DASHBOARDS = ("verification", "intake", "meetings")


@dataclass(frozen=True)
class Options:
    households: int
    departments: int
    applications: int
    runs: int
    keep: bool


def _timed(function, runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls (after one unmeasured warm-up call)."""
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p90(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.9 * len(ordered)) - 1)]


def _load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def bench_dashboards(options: Options, stdout) -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            "bench_dashboards runs only on PostgreSQL: set DATABASE_URL to a postgres:// "
            f"address (the configured database is {connection.vendor})."
        )
    if min(options.households, options.departments, options.applications, options.runs) < 1:
        raise CommandError(
            "--households, --departments, --applications and --runs must be at least 1."
        )
    say = lambda line: stdout.write(line + "\n")  # noqa: E731
    line = in_throwaway_database(
        "_dashbench", keep=options.keep, say=say, work=lambda: _measure(options, say)
    )
    stdout.write(line + "\n")


def _measure(options: Options, say) -> str:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    office, reader = fill(
        households=options.households,
        departments=options.departments,
        applications=options.applications,
    )
    checks = options.households * options.departments
    say(
        f"filled: {options.households} households, {checks} checks, "
        f"{options.applications} applications with {2 * options.applications} referrals "
        f"in {time.perf_counter() - started:.1f} s"
    )
    say(f"before measuring: {_load()}")
    refresh = _timed(summaries.summaries_refresh, max(1, options.runs // 5))
    say(f"summary refresh (the beat task): median {statistics.median(refresh):.0f} ms")
    naive = _timed(_naive, max(1, options.runs // 5))
    client = Client(
        HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".") or "localhost"
    )
    client.defaults["wsgi.url_scheme"] = "https"
    client.force_login(reader)
    query = {"group": office.pk, "start": "2000-01-01", "end": "2100-12-31"}
    with override_settings(DEBUG=False):
        floor = _timed(lambda: client.get(reverse("dashboards:index")), options.runs)
    say(f"floor (a signed-in redirect): median {statistics.median(floor):.1f} ms")
    pages = {}
    for name in DASHBOARDS:
        url = reverse("dashboards:dashboard", args=[name])
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url, query)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        # Timed as in production: no query logging.
        with override_settings(DEBUG=False):
            times = _timed(lambda url=url: client.get(url, query), options.runs)
        pages[name] = (statistics.median(times), _p90(times), len(queries))
        median, p90, count = pages[name]
        verdict = "meets" if p90 < TARGET_MS else "MISSES"
        say(
            f"{name} dashboard: median {median:.0f} ms, p90 {p90:.0f} ms, {count} queries "
            f"({median / statistics.median(floor):.1f}x the floor; {verdict} the "
            f"{TARGET_MS} ms target at p90)"
        )
    verification = pages["verification"][0]
    say(
        f"naive verification figures (computed from the raw checks on each view): median "
        f"{statistics.median(naive):.0f} ms, {statistics.median(naive) / verification:.0f}x "
        "the page that reads the summaries"
    )
    say(f"after measuring: {_load()}")
    worst = max(p90 for _median, p90, _count in pages.values())
    return (
        f"bench_dashboards: {checks} checks, {2 * options.applications} referrals; pages p90 "
        f"worst {worst:.0f} ms (target {TARGET_MS} ms); verification "
        f"{statistics.median(naive) / verification:.0f}x faster than naive; refresh "
        f"{statistics.median(refresh) / 1000:.1f} s"
    )


def _naive():
    """What a page would cost without the summaries: the figures folded from every raw
    check (the grouped query and the working-day arithmetic), nothing written."""
    groups = summaries._check_groups()
    return summaries._check_weeks(groups, summaries._ordinals(groups))
