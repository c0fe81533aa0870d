"""The director reads the dashboards in a real browser, in both languages: the charts are
drawn by Chart.js from the page's own static files under the Content-Security-Policy (the
``open_page`` fixture fails the test on any violation), each chart's numbers are in its
table view, one chart's numbers download as CSV, and the filters narrow to one unit."""

import datetime

import pytest
from playwright.sync_api import expect

from assistance.roles import Role
from dashboards.summaries import summaries_refresh
from tests.factories import LeadingGroupFactory, MemberUnitFactory, UserFactory
from tests.verification.factories import HouseholdFactory
from verification.models import DepartmentCheck, VerificationRequest

from .helpers import follow, label, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def checks(transactional_db):
    group = LeadingGroupFactory(code="dash-journey", name="测试区领导小组")
    police = MemberUnitFactory(group=group, name="区公安分局", code="dj-police", order=1)
    tax = MemberUnitFactory(group=group, name="区税务局", code="dj-tax", order=2)
    clerk = UserFactory(username="clerk", roles=[Role.OFFICE_CLERK])
    UserFactory(username="director", roles=[Role.OFFICE_DIRECTOR])
    today = datetime.date.today()
    for days_ago in (3, 10, 17):
        submitted = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days_ago)
        request = VerificationRequest.objects.create(
            household=HouseholdFactory(office=group, created_by=clerk),
            assistance_type="dibao",
            requested_by=clerk,
            submitted_at=submitted,
        )
        for unit, answered in ((police, submitted), (tax, None)):
            DepartmentCheck.objects.create(
                request=request,
                unit=unit,
                deadline=today,
                status="answered" if answered else "delivered",
                answered_at=answered,
            )
    summaries_refresh()
    return {"group": group, "police": police, "tax": tax}


def test_the_director_reads_the_dashboards(checks, open_page, lang, tmp_path):
    page = open_page()
    sign_in(page, "director", lang)
    page.goto("/")
    follow(page, f"nav a:has-text('{label(lang, 'Dashboards')}')")
    section = page.get_by_test_id("chart-checks-by-department")
    expect(section.locator("canvas")).to_have_attribute("data-drawn", "true")
    expect(section.locator("h2")).to_have_text(label(lang, "Checks per department"))

    table = section.get_by_test_id("chart-table")
    table.locator("summary").click()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("区公安分局")
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("3")  # answered on time

    with page.expect_download() as download:
        section.get_by_test_id("download-csv").click()
    path = tmp_path / "checks.csv"
    download.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith(label(lang, "Department"))
    assert lines[1] == "区公安分局,3,0,0,0" and lines[2] == "区税务局,0,0,3,0"

    page.locator("#id_unit").select_option(str(checks["tax"].pk))
    follow(page, "[data-testid=dashboard-filters] button[type=submit]")
    expect(page.get_by_test_id("dashboard-scope")).to_contain_text("区税务局")
    answered = page.get_by_test_id("chart-answer-time")
    answered.get_by_test_id("chart-table").locator("summary").click()
    expect(answered.locator("tbody tr")).to_have_count(1)

    follow(
        page, f"[data-testid=dashboard-tabs] a:has-text('{label(lang, 'Meetings and decisions')}')"
    )
    expect(
        page.get_by_test_id("chart-meetings-by-quarter").get_by_test_id("chart-empty")
    ).to_be_visible()
