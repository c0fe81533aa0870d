"""The dashboards: the weekly summaries and what they count (answer times in working days
on the Chinese calendar, connectors' share, the statutory limit), the pages by role, a
query count that does not grow with the data, and each chart's numbers downloaded as CSV
and XLSX equal to its table."""

import datetime
import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assistance.workdays import WorkdayCalendar
from dashboards.charts import Chart, Series
from dashboards.filters import FilterForm, Scope
from dashboards.models import CheckWeek, RequestWeek
from dashboards.selectors import intake_charts, meetings_charts, verification_charts
from dashboards.selectors.stats import histogram_percentile
from dashboards.summaries import WorkdayOrdinals, summaries_refresh
from intake import services as intake_services
from intake.models import Application, Referral
from meetings.models import Meeting
from tests.factories import MemberUnitFactory
from tests.intake.conftest import receive, refer
from tests.meetings.factories import meeting_schedule
from tests.verification.factories import HouseholdFactory
from verification.models import DepartmentCheck, Household, VerificationRequest

pytestmark = pytest.mark.django_db

# Monday 2026-09-28; 1–8 October 2026 is the National Day holiday, 10 October a make-up day.
MONDAY = datetime.date(2026, 9, 28)
OCTOBER_9 = datetime.date(2026, 10, 9)
AFTER_HOLIDAY = 4  # 29 and 30 September, 8 and 9 October: 1–7 October are holidays


def at(day: datetime.date, hour=10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_workday_ordinals_count_as_the_calendar_does():
    calendar = WorkdayCalendar()
    ordinals = WorkdayOrdinals(datetime.date(2026, 9, 1), datetime.date(2026, 12, 31))
    start = datetime.date(2026, 9, 25)
    for offset in range(0, 40):
        end = start + datetime.timedelta(days=offset)
        assert ordinals.between(start, end) == calendar.working_days_between(start, end)


@pytest.mark.parametrize(
    ("histogram", "share", "expected"),
    [
        ({}, 0.5, None),
        ({3: 1}, 0.9, 3),
        ({1: 5, 2: 4, 9: 1}, 0.5, 1),
        ({1: 5, 2: 4, 9: 1}, 0.9, 2),
        ({1: 5, 2: 4, 9: 2}, 0.9, 9),
    ],
)
def test_histogram_percentile(histogram, share, expected):
    assert histogram_percentile(histogram, share) == expected


def _request(group, clerk, submitted: datetime.datetime, **fields) -> VerificationRequest:
    household = HouseholdFactory(office=group, created_by=clerk)
    return VerificationRequest.objects.create(
        household=household,
        assistance_type="dibao",
        requested_by=clerk,
        submitted_at=submitted,
        **fields,
    )


def _check(request, unit, *, deadline, answered=None, by=None, overdue=False):
    return DepartmentCheck.objects.create(
        request=request,
        unit=unit,
        deadline=deadline,
        status=DepartmentCheck.Status.ANSWERED if answered else DepartmentCheck.Status.DELIVERED,
        answered_at=answered,
        answered_by=by,
        overdue=overdue,
    )


@pytest.fixture
def checks(group, unit, other_unit, clerk):
    """Filed Monday 28 September: ``unit`` answers one by hand on 30 September (2 working
    days), one by its connector at once (0), and one on 9 October, after the National Day
    holiday (``AFTER_HOLIDAY`` working days); ``other_unit`` has one overdue."""
    deadline = datetime.date(2026, 10, 12)
    first = _request(group, clerk, at(MONDAY), status="completed", completed_at=at(MONDAY, 18))
    _check(first, unit, deadline=deadline, answered=at(datetime.date(2026, 9, 30)), by=clerk)
    second = _request(group, clerk, at(MONDAY))
    _check(second, unit, deadline=deadline, answered=at(MONDAY, 11))
    _check(second, other_unit, deadline=datetime.date(2026, 9, 29), overdue=True)
    third = _request(group, clerk, at(MONDAY))
    _check(
        third,
        unit,
        deadline=datetime.date(2026, 10, 8),
        answered=at(datetime.date(2026, 10, 9)),
        by=clerk,
    )
    return first, second, third


def test_the_summary_counts_each_department_in_working_days(checks, unit, other_unit, group):
    summaries_refresh()
    week = CheckWeek.objects.get(unit=unit)
    assert (week.week, week.received, week.answered) == (MONDAY, 3, 3)
    assert week.answered_automatically == 1 and week.answered_on_time == 2
    assert WorkdayCalendar().working_days_between(MONDAY, OCTOBER_9) == AFTER_HOLIDAY
    assert week.answer_days == {"2": 1, "0": 1, str(AFTER_HOLIDAY): 1}
    other = CheckWeek.objects.get(unit=other_unit)
    assert (other.received, other.answered, other.overdue) == (1, 0, 1)
    requests = RequestWeek.objects.get(group=group)
    assert (requests.submitted, requests.completed, requests.completed_on_time) == (3, 1, 1)


def test_a_refresh_twice_leaves_the_same_rows(checks):
    summaries_refresh()
    first = list(CheckWeek.objects.order_by("unit_id").values("unit_id", "week", "answer_days"))
    summaries_refresh()
    second = list(CheckWeek.objects.order_by("unit_id").values("unit_id", "week", "answer_days"))
    assert first == second and len(first) == 2


def _charts(charts) -> dict[str, Chart]:
    return {chart.key: chart for chart in charts}


def test_the_verification_charts(checks, group, unit, other_unit):
    summaries_refresh()
    scope = Scope(group=group, start=MONDAY, end=datetime.date(2026, 10, 31))
    charts = _charts(verification_charts(scope))
    times = charts["answer-time"]
    assert times.labels == [unit.name, other_unit.name]
    assert [s.values for s in times.series] == [[2, None], [AFTER_HOLIDAY, None]]
    assert charts["automatic-share"].series[0].values == [33.3, None]
    by_department = charts["checks-by-department"]
    assert [s.values for s in by_department.series] == [[2, 0], [1, 0], [0, 0], [0, 1]]
    assert charts["requests-within-limit"].rows() == [[MONDAY.isoformat(), 3, 1, 1]]
    only = Scope(group=group, start=MONDAY, end=MONDAY, unit=other_unit)
    assert _charts(verification_charts(only))["answer-time"].labels == [other_unit.name]


def test_the_intake_charts(clerk, group, program, unit, other_unit, liaison):
    application = receive(clerk, group, [program], urgent=True, channel="phone")
    lead, _assist = refer(clerk, application, unit, [other_unit])
    receive(clerk, group, [program])
    intake_services.referral_sign(actor=liaison, referral=lead)
    intake_services.referral_help_first(actor=liaison, referral=lead, note="先行发放2000元")
    today = timezone.localdate()
    charts = _charts(intake_charts(Scope(group=group, start=today, end=today)))
    channels = charts["applications-by-channel"]
    counts = dict(zip(channels.labels, channels.series[0].values, strict=True))
    assert counts == {Application.Channel.WINDOW.label: 1, Application.Channel.PHONE.label: 1}
    assert charts["applications-by-programme"].series[0].values == [2]
    per_unit = charts["referrals-by-unit"]
    statuses = {s.name: s.values for s in per_unit.series}
    assert statuses[str(Referral.Status.IN_PROGRESS.label)] == [1, 0]
    assert statuses[str(Referral.Status.PENDING.label)] == [0, 1]
    urgent = charts["urgent-hours"]
    assert urgent.series[0].values == [1, 0, 0, 0, 0, 0]  # helped first within 6 hours


def test_the_meetings_charts(clerk, convener, group, unit):
    meeting = meeting_schedule(clerk=clerk, group=group, convener=convener, invited_units=[unit])
    day = timezone.localdate(meeting.starts_at)
    charts = _charts(meetings_charts(Scope(group=group, start=day, end=day)))
    quarter = charts["meetings-by-quarter"]
    assert quarter.labels == [f"{day.year}Q{(day.month - 1) // 3 + 1}"]
    held, to_hold, cancelled = (series.values for series in quarter.series)
    assert meeting.status != Meeting.Status.HELD
    assert (held, to_hold, cancelled) == ([0], [1], [0])
    assert charts["decisions-by-state"].empty and charts["agenda-items-by-unit"].empty


# --- The pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("convener", 200),
        ("director", 200),
        ("clerk", 200),
        ("auditor", 404),
        ("liaison", 404),
        ("outsider", 404),
    ],
)
def test_who_reads_the_dashboards(client, request, group, persona, status):
    client.force_login(request.getfixturevalue(persona))
    for name in ("verification", "intake", "meetings"):
        response = client.get(reverse("dashboards:dashboard", args=[name]))
        assert response.status_code == status, name


def _page_queries(client, user, group) -> int:
    client.force_login(user)
    url = reverse("dashboards:dashboard", args=["verification"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"group": group.pk, "start": "2026-01-01", "end": "2026-12-31"})
    assert response.status_code == 200
    return len(queries)


def _weeks(group, units, weeks):
    CheckWeek.objects.bulk_create(
        CheckWeek(
            unit=unit,
            group=group,
            week=MONDAY - datetime.timedelta(weeks=n),
            received=10,
            answered=8,
            answered_on_time=7,
            answered_automatically=4,
            overdue=1,
            answer_days={"1": 4, "3": 3, "7": 1},
        )
        for unit in units
        for n in range(weeks)
    )


def test_the_page_keeps_its_query_count(client, director, group):
    _weeks(group, MemberUnitFactory.create_batch(2, group=group), 2)
    few = _page_queries(client, director, group)
    _weeks(group, MemberUnitFactory.create_batch(20, group=group), 30)
    assert _page_queries(client, director, group) == few


def test_downloads_hold_the_tables_numbers(client, director, group, unit):
    _weeks(group, [unit], 3)
    client.force_login(director)
    url = reverse("dashboards:dashboard", args=["verification"])
    query = {"group": group.pk, "start": "2026-01-01", "end": "2026-12-31"}
    page = client.get(url, query)
    chart = _charts(page.context["charts"])["answer-time"]
    assert chart.rows() == [[unit.name, 1, 7]]
    csv = client.get(url, {**query, "download": "answer-time", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1] == f"{unit.name},1,7"
    xlsx = client.get(url, {**query, "download": "answer-time", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == chart.table()
    assert client.get(url, {**query, "download": "nothing", "format": "csv"}).status_code == 404
    assert client.get(url, {**query, "download": "answer-time", "format": "pdf"}).status_code == 404


def test_a_bad_period_is_refused_with_a_message(client, director, group):
    client.force_login(director)
    url = reverse("dashboards:dashboard", args=["verification"])
    response = client.get(url, {"group": group.pk, "start": "2026-12-01", "end": "2026-01-01"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"]


def test_an_unknown_dashboard_is_404(client, director):
    client.force_login(director)
    assert client.get(reverse("dashboards:dashboard", args=["nothing"])).status_code == 404


def test_chart_kinds_are_checked():
    with pytest.raises(ValueError):
        Chart(key="x", title="x", kind="pie3d", category="x", labels=[], series=[Series("a", [])])


def test_the_demo_fills_every_chart_and_loads_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    form = FilterForm({})
    scope = form.scope()
    assert scope.group.code == "xicheng"  # the busiest group is shown first
    charts = verification_charts(scope) + intake_charts(scope) + meetings_charts(scope)
    assert [chart.key for chart in charts if chart.empty] == []
    households = Household.objects.count()
    call_command("load_demo")
    assert Household.objects.count() == households


def test_the_benchmark_prints_its_figures_and_drops_its_database():
    """``manage.py bench_dashboards``, small, in its own process against the configured
    PostgreSQL: it fills a throwaway database, times the pages, and drops it again."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the benchmark runs on PostgreSQL: set DATABASE_URL")
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench_dashboards",
            "--households=60",
            "--departments=3",
            "--applications=10",
            "--runs=3",
        ],
        cwd=settings.BASE_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    last = completed.stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        r"bench_dashboards: 180 checks, 20 referrals; pages p90 worst \d+ ms \(target 300 ms\); "
        r"verification \d+x faster than naive; refresh [\d.]+ s",
        last,
    ), last
    assert re.search(
        r"verification dashboard: median \d+ ms, p90 \d+ ms, \d+ queries", completed.stdout
    )
    for page in (
        r"households list \(clerk\)",
        r"requests list \(clerk\)",
        r"overdue checks \(clerk\)",
        r"inbox \(liaison of one unit\)",
    ):
        assert re.search(rf"{page}: median \d+ ms, p90 \d+ ms, \d+ queries", completed.stdout)
    assert "dropped the bench database" in completed.stdout
