"""Minutes signed although a unit has no liaison, and a decision closed without a report,
in a real browser (issue 12, items 2 and 4).

The police unit attended the meeting but has no liaison in the application, like 10 of the
14 Huangchuan units. The civil affairs liaison consents in the application. The convener
opens the minutes: the sign button is disabled and says whose consent is awaited, until
when, and that the office can record it. The clerk records the police's consent, given by
phone (who, when, how), and the consent table says so; the convener's button is then
active and signing succeeds. The clerk issues the minutes and records the police's receipt
on paper. The police-led decision has no report: the director's close form asks for a
written reason, refuses without one, and closes with it, the reason shown on the page and
kept in the history.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistance.roles import Role
from meetings import services
from meetings.models import Attendance, Decision, Meeting, Minutes, MinutesReceipt
from tests.factories import LeadingGroupFactory, LiaisonFactory, MemberUnitFactory, UserFactory

from .helpers import follow, label, sign_in

pytestmark = pytest.mark.browser

TITLE = "2026年第四季度困难群众基本生活保障联席会议"
DECISION = "由区公安分局牵头，按月推送死亡注销户口信息。"
GIVEN_BY = "周强（公安分局办公室主任）"
REASON = "经电话核实，推送机制已于11月建立，牵头单位无联络员，未能在线报告。"


@pytest.fixture
def world(transactional_db):
    """Circulated minutes of yesterday's meeting: civil affairs (with a liaison) and the
    police (without) attended; one decision, led by the police."""
    group = LeadingGroupFactory(code="on-behalf", name="测试区困难群众基本生活保障工作领导小组")
    civil = MemberUnitFactory(group=group, name="区民政局", code="ob-civil", order=1)
    police = MemberUnitFactory(group=group, name="区公安分局", code="ob-police", order=2)
    liaison = UserFactory(
        username="liaison-civil", first_name="民政联络员", roles=[Role.UNIT_LIAISON]
    )
    LiaisonFactory(user=liaison, unit=civil, title="科员")
    clerk = UserFactory(username="clerk", first_name="王小明", roles=[Role.OFFICE_CLERK])
    director = UserFactory(username="director", first_name="赵主任", roles=[Role.OFFICE_DIRECTOR])
    convener = UserFactory(username="convener", first_name="孙副区长", roles=[Role.CONVENER])
    day = timezone.localdate() - datetime.timedelta(days=1)
    meeting = services.meeting_schedule(
        actor=clerk,
        group=group,
        kind=Meeting.Kind.REGULAR,
        title=TITLE,
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30))),
        place="区政府第一会议室",
        convener=convener,
        invited_units=[civil, police],
    )
    item = services.agenda_item_create(
        actor=clerk,
        meeting=meeting,
        unit=police,
        data=services.ItemData(
            title="死亡未注销户口人员信息比对",
            background="核对中发现已死亡人员仍在保。",
            proposal="公安分局每月推送死亡注销信息。",
            decision_requested="请会议确定牵头单位。",
        ),
    )
    services.agenda_item_submit(actor=clerk, item=item)
    services.agenda_item_review(actor=director, item=item, verdict=services.Review.ACCEPT)
    services.agenda_approve(actor=convener, meeting=meeting)
    services.attendance_record(
        actor=clerk,
        meeting=meeting,
        rows=[
            services.AttendanceData(civil.pk, Attendance.Presence.PRESENT, "刘建国", "局长"),
            services.AttendanceData(police.pk, Attendance.Presence.PRESENT, "周强", "主任"),
        ],
    )
    minutes = services.minutes_draft(
        actor=clerk,
        meeting=meeting,
        text="会议研究了死亡未注销户口人员信息比对问题。",
        decisions=[services.DecisionData(DECISION, police.pk, [civil.pk], 10)],
    )
    services.minutes_submit_for_review(actor=clerk, minutes=minutes)
    services.minutes_review(actor=director, minutes=minutes, approve=True)
    services.minutes_respond(actor=liaison, minutes=minutes, unit=civil, consent=True)
    minutes.refresh_from_db()
    return {"minutes": minutes, "civil": civil, "police": police, "clerk": clerk}


def record_for_police(page, world, *, consent: bool):
    """The clerk opens the on-behalf form, picks the police, says how, who and when."""
    box = page.get_by_test_id("on-behalf")
    box.locator("summary").click()
    form = page.get_by_test_id("on-behalf-form")
    form.locator("select[name=unit]").select_option(str(world["police"].pk))
    if consent:
        form.locator("input[name=answer][value=consent]").check()
        form.locator("select[name=via]").select_option("phone")
    else:
        form.locator("select[name=via]").select_option("paper")
    form.locator("input[name=given_by]").fill(GIVEN_BY)
    form.locator("input[name=given_on]").fill(timezone.localdate().isoformat())
    follow(page, "[data-testid=on-behalf-submit]")
    expect(page.locator("main .alert-success")).to_have_count(1)
    expect(page.locator("main .alert-danger")).to_have_count(0)


def test_the_office_answers_for_a_unit_without_liaison_and_closes_with_a_reason(
    world, open_page, lang
):
    minutes, police = world["minutes"], world["police"]
    url = minutes.get_absolute_url()

    # The convener: the sign button is there but disabled, with the reason.
    convener = open_page()
    sign_in(convener, "convener", lang)
    convener.goto(url)
    expect(convener.get_by_test_id("sign")).to_be_disabled()
    blocked = convener.get_by_test_id("sign-blocked")
    expect(blocked).to_contain_text(police.name)
    expect(blocked).to_contain_text(minutes.consent_deadline.isoformat())

    # The clerk records the police's consent, given by phone.
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    clerk.goto(url)
    record_for_police(clerk, world, consent=True)
    row = clerk.get_by_test_id("response").filter(has_text=police.name)
    expect(row).to_contain_text(label(lang, "Consented"))
    expect(row.get_by_test_id("on-behalf-note")).to_contain_text(GIVEN_BY)
    response = minutes.responses.get(unit=police)
    assert (response.answer, response.via, response.given_by) == ("consented", "phone", GIVEN_BY)
    assert response.answered_by == world["clerk"]
    assert response.history.latest().via == "phone"

    # Now the convener's button is active, and signing goes through.
    convener.reload()
    expect(convener.get_by_test_id("sign-blocked")).to_have_count(0)
    expect(convener.get_by_test_id("sign")).to_be_enabled()
    follow(convener, "[data-testid=sign]")
    expect(convener.locator("main .alert-success")).to_have_count(1)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SIGNED

    # The clerk issues, then records the police's receipt, on paper.
    clerk.goto(url)
    follow(clerk, "[data-testid=issue-form] button[type=submit]")
    record_for_police(clerk, world, consent=False)
    receipt_row = clerk.get_by_test_id("receipt").filter(has_text=police.name)
    expect(receipt_row.get_by_test_id("on-behalf-note")).to_contain_text(GIVEN_BY)
    receipt = MinutesReceipt.objects.get(minutes=minutes, unit=police)
    assert receipt.acknowledged_at is not None and receipt.via == "paper"

    # The director closes the police-led decision, which nobody reported on.
    decision = minutes.decisions.get()
    director = open_page()
    sign_in(director, "director", lang)
    director.goto(decision.get_absolute_url())
    expect(director.get_by_test_id("close-needs-reason")).to_be_visible()
    follow(director, "[data-testid=close]")
    expect(director.get_by_test_id("field-error")).to_have_count(1)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.OPEN
    director.get_by_test_id("close-form").locator("textarea[name=reason]").fill(REASON)
    follow(director, "[data-testid=close]")
    expect(director.locator("main .alert-success")).to_have_count(1)
    expect(director.get_by_test_id("close-reason")).to_contain_text(REASON)
    decision.refresh_from_db()
    assert (decision.status, decision.close_reason) == (Decision.Status.CLOSED, REASON)
    assert decision.history.latest().close_reason == REASON
