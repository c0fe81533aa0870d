"""One application from the window to the answer, in a real browser, in both languages.

The clerk receives an application: the duplicate check comes first and finds nothing, then
it is saved. The clerk refers it, the programme's units pre-selected (the police lead, civil
affairs assist). The police liaison finds it in the unit's inbox, signs for it and closes
it with an amount; civil affairs does the same from the inbox of its own. The application
is closed; the clerk answers the applicant and downloads the receipt as a Word file.
Labels come from the catalogue in force (``label``), so the test holds in both languages.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assistance.roles import Role
from intake.models import Application, Referral
from tests.factories import (
    AssistanceProgramFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)
from tests.verification.factories import make_id_number, years_ago

from .helpers import document_text, follow, label, sign_in

pytestmark = pytest.mark.browser

APPLICANT = "欧阳春燕"
ANSWER = "经审核，给予临时救助3000元，已发放。"


@pytest.fixture
def journey(transactional_db):
    group = LeadingGroupFactory(
        code="intake-journey", name="测试区困难群众基本生活保障工作领导小组"
    )
    police = MemberUnitFactory(group=group, name="区公安分局", code="ij-police", order=1)
    civil = MemberUnitFactory(group=group, name="区民政局", code="ij-civil", order=0)
    AssistanceProgramFactory(
        group=group, name="临时救助", lead_unit=police, responsible_units=[civil]
    )
    UserFactory(username="clerk", roles=[Role.OFFICE_CLERK])
    for username, unit in (("liaison-police", police), ("liaison-civil", civil)):
        LiaisonFactory(unit=unit, user=UserFactory(username=username, roles=[Role.UNIT_LIAISON]))
    return {"group": group, "police": police, "civil": civil}


def _no_errors(page):
    expect(page.get_by_test_id("form-errors")).to_have_count(0)


def receive(page, lang) -> Application:
    page.goto("/intake/new/")
    page.locator("#id_channel").select_option("window")
    page.locator("#id_applicant_name").fill(APPLICANT)
    page.locator("#id_applicant_id_number").fill(make_id_number(years_ago(48)))
    page.locator("#id_hardship").fill("突发重病，医疗费用负担过重。")
    page.locator("#id_programs_0").check()
    follow(page, "[data-testid=check]")
    expect(page.get_by_test_id("no-duplicates")).to_be_visible()
    follow(page, "[data-testid=save]")
    _no_errors(page)
    application = Application.objects.get(applicant_name=APPLICANT)
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, Application.Status.RECEIVED.label)
    )
    return application


def refer(page, journey):
    follow(page, "[data-testid=share]")
    expect(page.locator("#id_lead")).to_have_value(str(journey["police"].pk))
    expect(page.locator(f"input[name=assisting][value='{journey['civil'].pk}']")).to_be_checked()
    follow(page, "[data-testid=share-form] button[type=submit]")
    _no_errors(page)


def sign_and_close(page, application, amount):
    page.goto("/intake/referrals/")
    follow(page, f"[data-testid=referral-table] a:has-text('{application.number}')")
    follow(page, "[data-testid=sign-form] button")
    form = page.get_by_test_id("close-form")
    form.locator("select[name=outcome]").select_option("granted")
    form.locator("input[name=amount]").fill(amount)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)


def test_application_from_window_to_answer(journey, open_page, lang, tmp_path):
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    application = receive(clerk, lang)
    refer(clerk, journey)
    assert set(application.referrals.values_list("unit__code", "role")) == {
        ("ij-police", "lead"),
        ("ij-civil", "assist"),
    }

    for username, amount in (("liaison-police", "3000.00"), ("liaison-civil", "200.00")):
        liaison = open_page()
        sign_in(liaison, username, lang)
        sign_and_close(liaison, application, amount)
    assert set(application.referrals.values_list("status", flat=True)) == {"closed"}
    assert application.referrals.get(role=Referral.Role.LEAD).amount == Decimal("3000.00")

    clerk.goto(f"/intake/{application.pk}/")
    expect(clerk.get_by_test_id("status")).to_have_text(
        label(lang, Application.Status.CLOSED.label)
    )
    clerk.locator("[data-testid=answer-form] textarea[name=text]").fill(ANSWER)
    follow(clerk, "[data-testid=answer-form] button[type=submit]")
    expect(clerk.get_by_test_id("answer")).to_contain_text(ANSWER)
    application.refresh_from_db()
    assert application.status == Application.Status.ANSWERED

    with clerk.expect_download() as download:
        clerk.get_by_role("link", name=label(lang, "Receipt (DOCX)")).click()
    path = tmp_path / "receipt.docx"
    download.value.save_as(path)
    text = document_text(path)
    assert label(lang, "Receipt of an application") in text and application.number in text


# --- 救急难: an urgent case, returned by one unit and re-routed, helped first ---------------------

HOUSING = "区住房和城乡建设委员会"


@pytest.fixture
def urgent_journey(journey):
    housing = MemberUnitFactory(group=journey["group"], name=HOUSING, code="ij-housing", order=2)
    LiaisonFactory(
        unit=housing, user=UserFactory(username="liaison-housing", roles=[Role.UNIT_LIAISON])
    )
    return {**journey, "housing": housing}


def receive_urgent(page, lang, tmp_path) -> Application:
    """An urgent application at the window: the applicant's household registered with a
    child, the hospital's paper handed in."""
    page.goto("/intake/new/")
    page.locator("#id_channel").select_option("window")
    page.locator("#id_applicant_name").fill(APPLICANT)
    page.locator("#id_applicant_id_number").fill(make_id_number(years_ago(38)))
    page.locator("#id_address").fill("幸福路8号")
    page.locator("#id_town").fill("大峪街道")
    page.locator("#id_hardship").fill("家中失火，住房烧毁，无处居住。")
    page.locator("#id_programs_0").check()
    page.locator("#id_urgent").check()
    follow(page, "[data-testid=check]")
    expect(page.get_by_test_id("no-duplicates")).to_be_visible()
    page.get_by_test_id("household-new").check()
    page.locator("[data-testid=household-choice] summary").click()
    page.locator("#id_assistance_type").select_option("temporary")
    page.locator("#id_member-0-name").fill("欧阳小雨")
    page.locator("#id_member-0-relation").select_option("child")
    page.locator("#id_member-0-id_number").fill(make_id_number(years_ago(9)))
    paper = tmp_path / "火灾证明.pdf"
    paper.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    page.locator("#id_files").set_input_files(str(paper))
    follow(page, "[data-testid=save]")
    _no_errors(page)
    application = Application.objects.get(applicant_name=APPLICANT)
    expect(page.get_by_test_id("status")).to_have_text(
        label(lang, Application.Status.RECEIVED.label)
    )
    expect(page.get_by_test_id("household")).to_contain_text("幸福路8号")
    expect(page.get_by_role("link", name="火灾证明.pdf")).to_be_visible()
    return application


def open_referral(page, application):
    page.goto("/intake/referrals/")
    follow(page, f"[data-testid=referral-table] a:has-text('{application.number}')")


def submit(page, testid, **fields):
    form = page.get_by_test_id(testid)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)


def test_urgent_case_returned_rerouted_helped_first_and_answered(
    urgent_journey, open_page, lang, tmp_path
):
    journey = urgent_journey
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    application = receive_urgent(clerk, lang, tmp_path)
    assert application.urgent and application.household.members.count() == 2
    refer(clerk, journey)
    lead = application.referrals.get(role=Referral.Role.LEAD)
    hours = (lead.deadline - lead.created_at).total_seconds() / 3600
    assert hours == pytest.approx(24)  # an urgent case runs on the clock

    civil = open_page()
    sign_in(civil, "liaison-civil", lang)
    open_referral(civil, application)
    submit(civil, "return-form", reason="住房保障不属于本单位职责，请转住建部门。")
    expect(civil.get_by_test_id("status")).to_have_text(label(lang, Referral.Status.RETURNED.label))

    clerk.goto(f"/intake/{application.pk}/")
    follow(clerk, f"[data-testid=referrals] a:has-text('{journey['civil'].name}')")
    submit(clerk, "reroute-form", unit=str(journey["housing"].pk))
    rerouted = application.referrals.get(unit=journey["housing"])
    assert rerouted.status == Referral.Status.PENDING and rerouted.role == Referral.Role.ASSIST

    police = open_page()
    sign_in(police, "liaison-police", lang)
    open_referral(police, application)
    follow(police, "[data-testid=sign-form] button")
    submit(police, "help-first-form", note="已先行发放临时救助金2000元，材料后补。")
    expect(police.get_by_test_id("help-first-form")).to_have_count(0)
    submit(police, "close-form", outcome="granted", amount="2000.00")
    expect(police.get_by_test_id("outcome")).to_contain_text("2000")

    housing = open_page()
    sign_in(housing, "liaison-housing", lang)
    open_referral(housing, application)
    follow(housing, "[data-testid=sign-form] button")
    submit(housing, "close-form", outcome="granted", service="安排临时过渡住房。")

    clerk.goto(f"/intake/{application.pk}/")
    expect(clerk.get_by_test_id("status")).to_have_text(
        label(lang, Application.Status.CLOSED.label)
    )
    submit(clerk, "answer-form", text=ANSWER)
    expect(clerk.get_by_test_id("answer")).to_contain_text(ANSWER)
    application.refresh_from_db()
    assert application.status == Application.Status.ANSWERED
    kinds = list(application.events.values_list("kind", flat=True))
    assert kinds.count("returned") == 1 and kinds.count("rerouted") == 1
    assert kinds.count("help_first") == 1
