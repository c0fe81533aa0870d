"""From a department's extract to assistance in the ledger, in a real browser, in both
languages (动态监测预警 → 主动发现 → 一门受理 → 救助台账).

The health commission's liaison uploads this month's extract: a member of a registered
household paid 38,600 yuan out of pocket in hospital. The import commits, the evaluation
runs (in process here, after the commit) and the red rule raises a warning. The clerk finds
it at the top of the monitoring list and gives it to the subdistrict of the household's
town, suggested by the page. The subdistrict's liaison visits, finds the household needs
help and turns the warning into an application (channel 主动发现). The clerk refers it (the
programme's lead unit pre-selected); civil affairs signs for it and closes it as granted;
the household's assistance in the ledger shows the new entry. Labels come from the
catalogue in force (``label``), so the test holds in both languages."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assistance.roles import Role
from intake.models import Application
from ledger.models import LedgerEntry
from monitoring.models import EarlyWarning, Grade, RuleKind, WarningRule
from tests.factories import (
    AssistanceProgramFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)
from tests.verification.factories import VerificationItemFactory, make_id_number, years_ago
from verification import register
from verification.models import ItemMeaning, UnitConnector

from .helpers import follow, label, sign_in

pytestmark = pytest.mark.browser

PATIENT = "孙秀梅"


@pytest.fixture
def journey(transactional_db):
    group = LeadingGroupFactory(
        code="monitoring-journey", name="测试区困难群众基本生活保障工作领导小组"
    )
    civil = MemberUnitFactory(group=group, name="区民政局", code="mj-civil", order=0)
    health = MemberUnitFactory(group=group, name="区卫生健康委", code="mj-health", order=1)
    town = MemberUnitFactory(
        group=group, name="大峪街道办事处", code="mj-dayu", kind="subdistrict", order=2
    )
    MemberUnitFactory(group=group, name="城子街道办事处", code="mj-chengzi", kind="subdistrict")
    program = AssistanceProgramFactory(group=group, name="医疗救助", lead_unit=civil)
    VerificationItemFactory(
        unit=health,
        code="mj-hospital",
        name="住院个人自付费用",
        meaning=ItemMeaning.HOSPITAL,
        has_amount=True,
    )
    UnitConnector.objects.create(unit=health, kind=UnitConnector.Kind.SNAPSHOT)
    WarningRule.objects.create(
        office=group,
        name="大额住院自付",
        kind=RuleKind.HOSPITAL_COSTS,
        grade=Grade.RED,
        deadline_days=5,
        reason_template="{name}住院个人自付{amount}元，可能因病致困。",
        min_amount=Decimal("20000"),
    )
    clerk = UserFactory(username="clerk", roles=[Role.OFFICE_CLERK])
    for username, unit in (
        ("liaison-civil", civil),
        ("liaison-health", health),
        ("liaison-dayu", town),
    ):
        LiaisonFactory(unit=unit, user=UserFactory(username=username, roles=[Role.UNIT_LIAISON]))
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路8号院3号楼201",
        town="大峪街道",
        assistance_type="low_income",
        members=[
            register.MemberData("王建军", "applicant", make_id_number(years_ago(52))),
            register.MemberData(PATIENT, "spouse", make_id_number(years_ago(50))),
        ],
    )
    return {"household": household, "program": program, "town": town, "civil": civil}


def _no_errors(page):
    expect(page.get_by_test_id("form-errors")).to_have_count(0)


def upload_extract(page, tmp_path, patient_id):
    page.goto("/verification/snapshots/")
    path = tmp_path / "extract.csv"
    path.write_text(
        f"身份证号码,核对事项,详情,金额\n{patient_id},住院个人自付费用,恶性肿瘤住院治疗,38600\n",
        encoding="utf-8",
    )
    page.locator("input[type=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_test_id("snapshot-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("snapshot-errors")).to_have_count(0)


def assign(page, lang, journey):
    page.goto("/monitoring/")
    row = page.get_by_test_id("warning-row").first
    expect(row.get_by_test_id("grade")).to_have_text(label(lang, Grade.RED.label))
    expect(row).to_contain_text(PATIENT)
    follow(page, "[data-testid=warning-row] a:has-text('大额住院自付')")
    expect(page.get_by_test_id("reason")).to_contain_text("38,600.00")
    expect(page.get_by_test_id("source")).to_contain_text("区卫生健康委")
    form = page.get_by_test_id("assign-form")
    expect(form.locator("select[name=unit]")).to_have_value(str(journey["town"].pk))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)
    expect(page.get_by_test_id("assigned-unit")).to_have_text("大峪街道办事处")


def visit(page, lang, journey) -> Application:
    page.goto("/monitoring/visits/")
    follow(page, "[data-testid=visit-row] a:has-text('大额住院自付')")
    form = page.get_by_test_id("needed-form")
    form.locator("textarea[name=hardship]").fill("住院自付3.86万元，丈夫收入微薄，无力承担。")
    form.get_by_label("医疗救助").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, EarlyWarning.Status.NEEDED.label)
    )
    application = Application.objects.get(channel=Application.Channel.PROACTIVE)
    expect(page.get_by_test_id("application")).to_have_text(application.number)
    return application


def refer(page, lang, application, journey):
    page.goto(f"/intake/{application.pk}/")
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, Application.Status.RECEIVED.label)
    )
    follow(page, "[data-testid=share]")
    expect(page.locator("#id_lead")).to_have_value(str(journey["civil"].pk))
    follow(page, "[data-testid=share-form] button[type=submit]")
    _no_errors(page)


def grant(page, application, journey):
    page.goto("/intake/referrals/")
    follow(page, f"[data-testid=referral-table] a:has-text('{application.number}')")
    follow(page, "[data-testid=sign-form] button")
    form = page.get_by_test_id("close-form")
    form.locator("select[name=outcome]").select_option("granted")
    form.locator("select[name=outcome_program]").select_option(str(journey["program"].pk))
    form.locator("input[name=amount]").fill("5000.00")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)


def test_an_extract_raises_a_red_warning_that_ends_in_the_ledger(
    journey, open_page, lang, tmp_path
):
    household = journey["household"]
    patient = household.members.get(name=PATIENT)
    health = open_page()
    sign_in(health, "liaison-health", lang)
    upload_extract(health, tmp_path, patient.id_number)
    warning = EarlyWarning.objects.get()
    assert (warning.member, warning.grade) == (patient, Grade.RED)

    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    assign(clerk, lang, journey)

    town = open_page()
    sign_in(town, "liaison-dayu", lang)
    application = visit(town, lang, journey)
    assert (application.household, application.applicant_name) == (household, PATIENT)

    refer(clerk, lang, application, journey)
    civil = open_page()
    sign_in(civil, "liaison-civil", lang)
    grant(civil, application, journey)

    clerk.goto(f"/monitoring/{warning.pk}/")
    follow(clerk, "[data-testid=ledger-link]")
    now = clerk.get_by_test_id("picture-current")
    expect(now).to_contain_text("医疗救助")
    expect(now).to_contain_text("5000")
    entry = LedgerEntry.objects.get(household=household)
    assert (entry.source, entry.amount, entry.unit) == (
        "referral",
        Decimal("5000.00"),
        journey["civil"],
    )
