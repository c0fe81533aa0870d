"""One run of the dashboards' benchmark (see this package's docstring)."""

import os
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from assistance.roles import Role
from benchmarks.verification.database import in_throwaway_database
from dashboards import summaries
from members.models import MemberUnit
from members.services import liaison_appoint

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
        pages[name] = _page(client, url, query, options.runs)
        _say_page(say, f"{name} dashboard", pages[name], statistics.median(floor))
    # The lists a clerk and a liaison open every day, on the same data: each shows one
    # page of rows, so neither its time nor its queries may grow with the rows behind it.
    with override_settings(OTP_REQUIRED_ROLES=[]):
        for label, url, user in _lists(office):
            client.force_login(user)
            pages[label] = _page(client, url, {}, options.runs)
            _say_page(say, label, pages[label], statistics.median(floor))
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


def _page(client: Client, url: str, query: dict, runs: int) -> tuple[float, float, int]:
    """(median ms, p90 ms, queries) of a page: its queries counted once, then timed as
    in production, without query logging."""
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, query)
    if response.status_code != 200:
        raise CommandError(f"{url} answered {response.status_code}")
    with override_settings(DEBUG=False):
        times = _timed(lambda: client.get(url, query), runs)
    return statistics.median(times), _p90(times), len(queries)


def _say_page(say, label: str, figures: tuple[float, float, int], floor: float) -> None:
    median, p90, count = figures
    verdict = "meets" if p90 < TARGET_MS else "MISSES"
    say(
        f"{label}: median {median:.0f} ms, p90 {p90:.0f} ms, {count} queries "
        f"({median / floor:.1f}x the floor; {verdict} the {TARGET_MS} ms target at p90)"
    )


def _lists(office) -> list[tuple[str, str, object]]:
    """(label, URL, reader) of the daily lists: a clerk's households, requests and
    overdue checks, and the inbox of the liaison of the office's first unit (whose
    checks are one per household). Their readers sign in without a second factor here,
    as the convener does: what is timed is the page."""
    clerk = get_user_model().objects.create_user(username="bench-list-clerk", password=None)
    clerk.groups.add(Group.objects.get(name=Role.OFFICE_CLERK))
    liaison = get_user_model().objects.create_user(username="bench-liaison", password=None)
    unit = MemberUnit.objects.filter(group=office).order_by("pk").first()
    liaison_appoint(actor=None, user=liaison, unit=unit)
    return [
        ("households list (clerk)", reverse("verification:household_list"), clerk),
        ("requests list (clerk)", reverse("verification:request_list"), clerk),
        ("overdue checks (clerk)", reverse("verification:overdue_list"), clerk),
        ("inbox (liaison of one unit)", reverse("verification:inbox"), liaison),
    ]


def _naive():
    """What a page would cost without the summaries: the figures folded from every raw
    check (the grouped query and the working-day arithmetic), nothing written."""
    groups = summaries._check_groups()
    return summaries._check_weeks(groups, summaries._ordinals(groups))
