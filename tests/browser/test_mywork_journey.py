"""Each role's work in one place, and 催办, in a real browser, in both languages.

The clerk's home lists what waits (a department's question, households due for re-check,
applications to answer, overdue referrals) with counts and links. On a request's page the
clerk chases the police about its check; the director, who had the same page open, chases
a moment later and is told it was chased today. The clerk chases the police about a
referral too. The police liaison's home shows the check to answer and the referral, each
with its link; the notifications read in the liaison's language, whoever chased; the liaison
chooses to have every notification by e-mail, in English.
"""

import pytest
from playwright.sync_api import expect

from assistance.models import Chase, Notification, NotificationPreference
from assistance.roles import Role
from intake import services as intake_services
from intake.models import ProgramRouting, Referral
from tests.factories import (
    AssistanceProgramFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    register_family,
    years_ago,
)
from verification import services as verification_services
from verification.models import DepartmentCheck

from .helpers import follow, label, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def journey(transactional_db):
    group = LeadingGroupFactory(code="work-journey", name="测试区困难群众基本生活保障工作领导小组")
    police = MemberUnitFactory(group=group, name="区公安分局", code="wj-police", order=1)
    VerificationItemFactory(unit=police, code="wj-vehicles", name="车辆", order=1)
    clerk = UserFactory(username="clerk", roles=[Role.OFFICE_CLERK])
    UserFactory(username="director", roles=[Role.OFFICE_DIRECTOR])
    liaison = UserFactory(username="liaison-police", roles=[Role.UNIT_LIAISON])
    LiaisonFactory(unit=police, user=liaison)
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = verification_services.request_submit(actor=clerk, household=household)
    check = DepartmentCheck.objects.get(request=request, unit=police)
    assert check.status == DepartmentCheck.Status.DELIVERED
    program = AssistanceProgramFactory(group=group, name="临时救助", lead_unit=police)
    ProgramRouting.objects.create(program=program, deadline_working_days=5, urgent_hours=12)
    application = intake_services.application_receive(
        actor=clerk,
        data=intake_services.ApplicationData(
            office=group,
            channel="window",
            applicant_name="欧阳春燕",
            applicant_id_number=make_id_number(years_ago(48)),
            hardship="突发重病，医疗费用负担过重。",
            requested="临时救助",
            programs=[program],
        ),
    )
    (referral,) = intake_services.referrals_share(
        actor=clerk, application=application, lead=police, assisting=[], ask=Referral.Ask.DECISION
    )
    register_family(actor=clerk, office=group, town="永定镇")  # never verified: due
    Notification.objects.all().delete()
    return {"request": request, "check": check, "referral": referral, "liaison": liaison}


def _count(page, key):
    return page.get_by_test_id(f"work-{key}").get_by_test_id("count")


def test_my_work_and_chasing(journey, open_page, lang):
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    clerk.goto("/")
    expect(clerk.get_by_test_id("my-work")).to_contain_text(label(lang, "What waits for you"))
    expect(_count(clerk, "recheck")).to_have_text("1")
    expect(_count(clerk, "applications")).to_have_text("0")
    expect(clerk.get_by_test_id("work-recheck")).to_contain_text(
        label(lang, "Households due for their re-check")
    )

    # The director opens the same request page before the clerk chases.
    director = open_page()
    sign_in(director, "director", lang)
    director.goto("/")
    expect(_count(director, "items-review")).to_have_text("0")
    expect(_count(director, "questions")).to_have_text("0")
    director.goto(journey["request"].get_absolute_url())

    clerk.goto(journey["request"].get_absolute_url())
    follow(clerk, "[data-testid=chase-button]")
    expect(clerk.locator(".alert-success")).to_contain_text("区公安分局")
    expect(clerk.get_by_test_id("chased-today")).to_have_text(label(lang, "Chased today"))
    expect(clerk.get_by_test_id("chase-record")).to_have_count(1)

    follow(director, "[data-testid=chase-button]")
    expect(director.locator(".alert-danger")).to_be_visible()
    assert Chase.objects.count() == 1

    clerk.goto(f"/intake/referrals/{journey['referral'].pk}/")
    follow(clerk, "[data-testid=chase-button]")
    expect(clerk.get_by_test_id("chased-today")).to_be_visible()
    assert Chase.objects.count() == 2

    liaison = open_page()
    sign_in(liaison, "liaison-police", lang)
    liaison.goto("/")
    expect(_count(liaison, "checks")).to_have_text("1")
    expect(_count(liaison, "referrals")).to_have_text("1")
    follow(liaison, "[data-testid=work-checks]")
    expect(liaison.get_by_test_id("open-count")).to_have_text("1")

    # Two chases, each in the liaison's language, whoever chased.
    liaison.goto("/notifications/")
    unread = liaison.get_by_test_id("notification-unread")
    expect(unread).to_have_count(2)
    chased = label(
        lang, "The office chases application %(number)s referred to your unit, due %(due)s."
    )
    expect(unread.first).to_contain_text(chased.split("%(number)s")[0].strip())

    follow(liaison, "[data-testid=notification-preferences-link]")
    liaison.locator("input[name=email][value=all]").check()
    liaison.locator("#id_language").select_option("en")
    follow(liaison, "[data-testid=notification-preferences] button[type=submit]")
    expect(liaison.locator(".alert-success")).to_contain_text(
        label(lang, "Your notification preferences are saved.")
    )
    preference = NotificationPreference.objects.get(user=journey["liaison"])
    assert (preference.email, preference.language) == ("all", "en")
