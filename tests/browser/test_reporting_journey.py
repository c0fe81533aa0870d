"""A reporting round in a real browser, in both languages (信息报送).

The clerk opens a round for the fourth quarter. The police liaison fills the form, saves a
draft and submits in time. The deadline then passes; the tax office's liaison downloads
the XLSX template, fills it, uploads it and submits: late. The office sees the late flag,
accepts the police's report and sends the tax office's back with a comment; the tax
office corrects a value and submits again. The aggregated table shows both units and the
totals. The office accepts the corrected report and exports the quarterly bulletin
(季度工作通报) as a Word file: it names the tax office as late and carries the funds the
units reported. Labels come from the catalogue in force (``label``), so the test holds in both
languages.
"""

import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from assistance.roles import Role
from reporting.models import ReportingRound, UnitReport
from tests.factories import LeadingGroupFactory, LiaisonFactory, MemberUnitFactory, UserFactory
from tests.reporting.helpers import define_figures

from .helpers import document_text, follow, label, sign_in

pytestmark = pytest.mark.browser

COMMENT = "发放资金与台账不符，请核实。"


@pytest.fixture
def journey(transactional_db):
    group = LeadingGroupFactory(
        code="report-journey", name="测试区困难群众基本生活保障工作领导小组"
    )
    police = MemberUnitFactory(group=group, name="区公安分局", code="rj-police", order=1)
    tax = MemberUnitFactory(group=group, name="区税务局", code="rj-tax", order=2)
    people, yuan = define_figures(group, [police, tax])
    UserFactory(username="clerk", roles=[Role.OFFICE_CLERK])
    for username, unit in (("liaison-police", police), ("liaison-tax", tax)):
        LiaisonFactory(unit=unit, user=UserFactory(username=username, roles=[Role.UNIT_LIAISON]))
    return {"group": group, "police": police, "tax": tax, "people": people, "yuan": yuan}


def _no_errors(page):
    expect(page.get_by_test_id("form-errors")).to_have_count(0)


def open_round(page, journey) -> ReportingRound:
    page.goto("/reports/")
    follow(page, "[data-testid=open-round]")
    page.locator("#id_group").select_option(str(journey["group"].pk))
    page.locator("#id_period_kind").select_option("quarter")
    page.locator("#id_year").fill("2026")
    page.locator("#id_number").fill("4")
    page.locator("#id_working_days").fill("10")
    follow(page, "[data-testid=round-form] button[type=submit]")
    _no_errors(page)
    round_ = ReportingRound.objects.get()
    expect(page.get_by_test_id("round-title")).to_have_text(round_.title)
    return round_


def open_my_report(page):
    page.goto("/reports/")
    follow(page, "[data-testid=my-report] a")
    follow(page, "[data-testid=edit-report]")


def fill_and_submit(page, journey, lang):
    open_my_report(page)
    page.locator(f"#id_figure_{journey['people'].pk}").fill("120")
    follow(page, "[data-testid=save-draft]")
    _no_errors(page)
    page.locator(f"#id_figure_{journey['yuan'].pk}").fill("36000.5")
    follow(page, "[data-testid=submit-report]")
    _no_errors(page)
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, UnitReport.Status.SUBMITTED.label)
    )


def upload_and_submit(page, lang, tmp_path, *, people, yuan):
    open_my_report(page)
    with page.expect_download() as download:
        page.get_by_test_id("template").click()
    path = tmp_path / "template.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet["E2"], sheet["E3"] = people, yuan
    book.save(path)
    page.locator("#id_file").set_input_files(str(path))
    follow(page, "[data-testid=upload-form] button[type=submit]")
    expect(page.get_by_test_id("upload-errors")).to_have_count(0)
    follow(page, "[data-testid=submit-report]")
    _no_errors(page)
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, UnitReport.Status.SUBMITTED.label)
    )


def review(page, round_, unit_code, button, comment=""):
    page.goto(f"/reports/{round_.pk}/")
    follow(page, f"[data-testid=report-row][data-unit={unit_code}] a")
    if comment:
        page.locator("[data-testid=review-form] textarea[name=comment]").fill(comment)
    follow(page, f"[data-testid={button}]")
    _no_errors(page)


def test_round_opened_reported_late_reviewed_and_aggregated(journey, open_page, lang, tmp_path):
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    round_ = open_round(clerk, journey)

    police = open_page()
    sign_in(police, "liaison-police", lang)
    fill_and_submit(police, journey, lang)

    # The deadline passes before the tax office reports.
    ReportingRound.objects.filter(pk=round_.pk).update(
        deadline=datetime.date.today() - datetime.timedelta(days=1)
    )
    tax = open_page()
    sign_in(tax, "liaison-tax", lang)
    upload_and_submit(tax, lang, tmp_path, people=45, yuan=9800)
    reports = {r.unit.code: r for r in round_.reports.select_related("unit")}
    assert not reports["rj-police"].late and reports["rj-tax"].late

    clerk.goto(f"/reports/{round_.pk}/")
    tax_row = clerk.locator("[data-testid=report-row][data-unit=rj-tax]")
    expect(tax_row.get_by_test_id("late")).to_be_visible()
    expect(
        clerk.locator("[data-testid=report-row][data-unit=rj-police] [data-testid=late]")
    ).to_have_count(0)
    review(clerk, round_, "rj-police", "accept")
    expect(clerk.get_by_test_id("status")).to_have_text(
        label(lang, UnitReport.Status.ACCEPTED.label)
    )
    review(clerk, round_, "rj-tax", "send-back", COMMENT)
    expect(clerk.get_by_test_id("status")).to_have_text(
        label(lang, UnitReport.Status.RETURNED.label)
    )

    open_my_report(tax)
    expect(tax.get_by_test_id("comment")).to_contain_text(COMMENT)
    tax.locator(f"#id_figure_{journey['yuan'].pk}").fill("9500")
    follow(tax, "[data-testid=submit-report]")
    _no_errors(tax)

    clerk.goto(f"/reports/{round_.pk}/")
    follow(clerk, "[data-testid=table-link]")
    rows = clerk.get_by_test_id("aggregate-row")
    expect(rows).to_have_count(4)
    expect(clerk.get_by_test_id("aggregate")).to_contain_text("区公安分局")
    expect(clerk.get_by_test_id("aggregate")).to_contain_text("区税务局")
    totals = clerk.get_by_test_id("aggregate-total")
    expect(totals.nth(0)).to_contain_text("165")
    expect(totals.nth(1)).to_contain_text("45500.50")
    values = dict(
        UnitReport.objects.get(round=round_, unit=journey["tax"]).values.values_list(
            "definition__name", "value"
        )
    )
    assert values == {"救助人次": Decimal("45"), "发放资金": Decimal("9500.00")}

    review(clerk, round_, "rj-tax", "accept")
    clerk.goto(f"/dashboards/bulletin/?group={journey['group'].pk}&year=2026&quarter=4")
    expect(clerk.get_by_test_id("bulletin")).to_contain_text("区税务局")
    with clerk.expect_download() as download:
        clerk.get_by_test_id("bulletin-docx").click()
    path = tmp_path / "bulletin.docx"
    download.value.save_as(path)
    text = document_text(path)
    title = label(lang, "Bulletin on the work of the %(year)d Q%(quarter)d") % {
        "year": 2026,
        "quarter": 4,
    }
    assert title in text
    assert "45500.50" in text  # the funds the two units reported
    assert label(lang, "reported late") in text and "区税务局" in text
