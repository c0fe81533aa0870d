"""A joint meeting from agenda to follow-up in a real browser.

A unit's liaison proposes an agenda item (with a PDF attached through the file input) and
submits it; the office director accepts it; the convener approves the agenda, which is
published to the invited units after commit (the task runs in process here) with a
calendar file. A week ahead the clerk cannot record the attendance yet (the button is
disabled and says from which day); on the meeting's day the clerk records it (two units
present, one absent), which marks the meeting held, drafts the minutes (started from the
approved agenda, a row added without saving) with one decision and submits them; the
director circulates them, both attending units consent, the convener signs and the clerk
issues them, reported to the government. The first liaison acknowledges receipt while the
clerk sees who has not; the lead unit reports the decision done, the clerk closes it and
the follow-up page shows it closed. The liaison of the absent unit gets 404 on the minutes
until they are issued. The minutes are downloaded as Word and opened with python-docx.

Each person signs in through the real form, in a browser context of their own. Every step
is checked on the page and in the database. Wording is never spelled out: labels are read
from the catalogue in force (``label``), so the test holds in both languages.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from assistance.models import Notification
from assistance.roles import Role
from meetings import services
from meetings.models import (
    AgendaItem,
    Attachment,
    Attendance,
    Decision,
    DecisionUpdate,
    Meeting,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from tests.factories import LeadingGroupFactory, LiaisonFactory, MemberUnitFactory, UserFactory
from tests.meetings.factories import meeting_day_arrives

from .helpers import document_text, expect_not_found, follow, label, minimal_pdf, sign_in

pytestmark = pytest.mark.browser

MEETING_TITLE = "2026年第二季度困难群众基本生活保障联席会议"
PLACE = "区政府第一会议室"
# The member units in their order; the first liaison's unit leads the decision, the second
# cooperates; the third is invited but does not come.
UNITS = {
    "civil": {"name": "区民政局", "liaison": "民政联络员", "attendee": ("刘建国", "局长")},
    "police": {"name": "区公安分局", "liaison": "公安联络员", "attendee": ("王晓梅", "副局长")},
    "tax": {"name": "区税务局", "liaison": "税务联络员", "attendee": None},
}
ITEM = {
    "title": "低保边缘家庭认定标准修订",
    "background": "部分申请家庭收入略高于低保标准，现行认定标准未能覆盖。",
    "proposal": "建议参照市级标准，将低保边缘家庭认定标准调整为低保标准的1.5倍。",
    "decision_requested": "请会议研究确定修订牵头单位和完成时限。",
}
MINUTES_TEXT = (
    "会议听取了区民政局关于低保边缘家庭认定标准修订的汇报。\n"
    "与会单位一致同意修订方案，并就信息核对口径进行了讨论。"
)
DOCUMENT_NUMBER = "〔2026〕2号"
DECISION_TEXT = "由区民政局牵头、区公安分局配合，修订低保边缘家庭认定标准并报区政府审定。"
WORKING_DAYS = 15
PROGRESS_TEXT = "认定标准修订稿已经区政府常务会议审定，并印发各街道执行。"


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def journey(transactional_db):
    """A leading group of three member units, a liaison for each, the office's clerk and
    director, the convener, and a planned meeting inviting the three units."""
    group = LeadingGroupFactory(
        code="meeting-journey", name="测试区困难群众基本生活保障工作领导小组", region="测试区"
    )
    units, liaisons = {}, {}
    for order, (key, spec) in enumerate(UNITS.items(), start=1):
        unit = MemberUnitFactory(group=group, name=spec["name"], code=f"mj-{key}", order=order)
        user = UserFactory(
            username=f"liaison-{key}", first_name=spec["liaison"], roles=[Role.UNIT_LIAISON]
        )
        LiaisonFactory(user=user, unit=unit, title="科员")
        units[key], liaisons[key] = unit, user
    clerk = UserFactory(username="clerk", first_name="王小明", roles=[Role.OFFICE_CLERK])
    director = UserFactory(username="director", first_name="赵主任", roles=[Role.OFFICE_DIRECTOR])
    convener = UserFactory(username="convener", first_name="孙副区长", roles=[Role.CONVENER])
    day = timezone.localdate() + datetime.timedelta(days=7)
    meeting = services.meeting_schedule(
        actor=clerk,
        group=group,
        kind=Meeting.Kind.REGULAR,
        title=MEETING_TITLE,
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30))),
        place=PLACE,
        convener=convener,
        invited_units=list(units.values()),
    )
    # The liaisons' appointment mails are not what this journey checks.
    mail.outbox.clear()
    return {
        "group": group,
        "units": units,
        "liaisons": liaisons,
        "clerk": clerk,
        "director": director,
        "convener": convener,
        "meeting": meeting,
    }


# --- Helpers ----------------------------------------------------------------------------------


def submit(page, selector):
    """Click a submit button and wait for the page that answers."""
    follow(page, selector)


def expect_done(page, url_pattern):
    """The action went through: no error on the page, a success message, the right page."""
    expect(page.locator("main .alert-danger")).to_have_count(0)
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    expect(page.get_by_test_id("field-error")).to_have_count(0)
    expect(page.locator("main .alert-success")).to_have_count(1)
    expect(page).to_have_url(re.compile(url_pattern))


def open_meeting(page, meeting):
    """From the navigation to the meeting list, then to the meeting."""
    follow(page, "[data-testid=nav] a[href='/meetings/']")
    follow(page, f"[data-testid=meeting-table] a[href='/meetings/{meeting.pk}/']")
    expect(page.locator("main h1")).to_contain_text(MEETING_TITLE)


def expect_badge(page, testid, text, lang):
    expect(page.get_by_test_id(testid).first).to_have_text(label(lang, text))


# --- The steps --------------------------------------------------------------------------------


def propose_item(page, journey, lang, pdf_path):
    """Step 1: the first liaison proposes an item with a PDF attached and submits it."""
    meeting, civil = journey["meeting"], journey["units"]["civil"]
    open_meeting(page, meeting)
    expect_badge(page, "meeting-status", Meeting.Status.PLANNED.label, lang)
    follow(page, f"[data-testid=meeting-actions] a[href='/meetings/{meeting.pk}/items/new/']")
    # A liaison proposes for their own unit: no unit to pick, no household.
    expect(page.locator("[name=unit]")).to_have_count(0)
    expect(page.locator("[name=household]")).to_have_count(0)
    page.locator("input[name=title]").fill(ITEM["title"])
    page.locator("textarea[name=background]").fill(ITEM["background"])
    page.locator("textarea[name=proposal]").fill(ITEM["proposal"])
    page.locator("textarea[name=decision_requested]").fill(ITEM["decision_requested"])
    page.locator("input[name=attachments]").set_input_files(str(pdf_path))
    submit(page, "main form button[type=submit]")
    expect_done(page, r"/meetings/items/\d+/$")
    item = AgendaItem.objects.get(meeting=meeting)
    assert (item.unit, item.submitted_by) == (civil, journey["liaisons"]["civil"])
    assert item.status == AgendaItem.Status.DRAFT
    assert {k: getattr(item, k) for k in ITEM} == ITEM
    expect_badge(page, "item-status", AgendaItem.Status.DRAFT.label, lang)
    attachment = Attachment.objects.get(agenda_item=item)
    assert attachment.name == pdf_path.name
    attachments = page.get_by_test_id("attachments").locator("a")
    expect(attachments).to_have_text([pdf_path.name])
    expect(attachments).to_have_attribute("href", f"/meetings/attachments/{attachment.pk}/")

    submit(page, f"main form[action='/meetings/items/{item.pk}/submit/'] button")
    expect_done(page, rf"/meetings/items/{item.pk}/$")
    expect_badge(page, "item-status", AgendaItem.Status.SUBMITTED.label, lang)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.SUBMITTED
    # Submitted: no more editing or submitting from the item page.
    expect(page.locator(f"main form[action='/meetings/items/{item.pk}/submit/']")).to_have_count(0)
    return item


def accept_item(page, journey, item, lang, pdf_path):
    """Step 2: the office director accepts the item from the meeting page."""
    meeting = journey["meeting"]
    follow(page, "[data-testid=nav] a[href='/meetings/']")
    expect(page.get_by_test_id("awaiting-review")).to_contain_text("1")
    follow(page, f"[data-testid=meeting-table] a[href='/meetings/{meeting.pk}/']")
    row = page.get_by_test_id(f"item-row-{item.pk}")
    expect(row).to_contain_text(ITEM["title"])
    expect(row.get_by_test_id("item-status")).to_have_text(
        label(lang, AgendaItem.Status.SUBMITTED.label)
    )
    # The director can open the liaison's attachment: the very bytes uploaded.
    attachment = Attachment.objects.get(agenda_item=item)
    response = page.request.get(f"/meetings/attachments/{attachment.pk}/")
    assert response.status == 200, response.status
    assert response.body() == pdf_path.read_bytes()

    form = page.get_by_test_id(f"review-form-{item.pk}")
    form.locator(f"input[name='review-{item.pk}-verdict'][value={services.Review.ACCEPT}]").check()
    submit(page, f"[data-testid=review-form-{item.pk}] button[type=submit]")
    expect_done(page, rf"/meetings/{meeting.pk}/$")
    expect(page.get_by_test_id(f"item-row-{item.pk}").get_by_test_id("item-status")).to_have_text(
        label(lang, AgendaItem.Status.ACCEPTED.label)
    )
    expect(page.get_by_test_id(f"review-form-{item.pk}")).to_have_count(0)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED
    assert item.reviewed_by == journey["director"]


def approve_agenda(page, journey, item, lang):
    """Step 3: the convener approves the agenda; it is published with a calendar file."""
    meeting = journey["meeting"]
    open_meeting(page, meeting)
    submit(page, "[data-testid=approve-form] button[type=submit]")
    expect_done(page, rf"/meetings/{meeting.pk}/$")
    expect_badge(page, "meeting-status", Meeting.Status.AGENDA_APPROVED.label, lang)
    expect(page.get_by_test_id("approve-form")).to_have_count(0)
    expect(page.get_by_test_id(f"item-row-{item.pk}").get_by_test_id("item-status")).to_have_text(
        label(lang, AgendaItem.Status.APPROVED.label)
    )
    expect(page.get_by_test_id("meeting-facts")).to_contain_text(
        label(lang, "published to the invited units")
    )
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_APPROVED
    assert (item.status, item.order) == (AgendaItem.Status.APPROVED, 1)
    # The publication task ran after commit, before the page came back.
    assert meeting.agenda_published_at is not None
    liaisons = journey["liaisons"].values()
    for liaison in liaisons:
        assert Notification.objects.filter(user=liaison, url=meeting.get_absolute_url()).exists()
    invitations = [m for m in mail.outbox if any(a[0] == "meeting.ics" for a in m.attachments)]
    assert sorted(r for m in invitations for r in m.to) == sorted(u.email for u in liaisons)

    # The calendar file, as the button serves it.
    link = page.get_by_test_id("ics-link")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200, response.status
    assert response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in response.text()
    (event,) = Calendar.from_ical(response.body()).walk("VEVENT")
    assert str(event["summary"]) == MEETING_TITLE
    assert str(event["location"]) == PLACE
    assert ITEM["title"] in str(event["description"])
    assert event.decoded("dtstart") == timezone.localtime(meeting.starts_at)


def attendance_waits_for_the_day(page, journey, lang):
    """Step 4a: a week ahead the meeting is "upcoming"; attendance cannot be recorded yet
    (the button is disabled, the page says from which day), and the attendance page
    itself says so rather than offering the form."""
    meeting = journey["meeting"]
    follow(page, "[data-testid=nav] a[href='/meetings/']")
    row = page.get_by_test_id("meeting-table").locator("tr", has_text=MEETING_TITLE)
    expect(row.get_by_test_id("date-tag")).to_have_text(label(lang, "upcoming"))
    follow(page, f"[data-testid=meeting-table] a[href='/meetings/{meeting.pk}/']")
    expect(page.get_by_test_id("attendance-disabled")).to_be_disabled()
    day = timezone.localdate(meeting.starts_at).isoformat()
    expect(page.get_by_test_id("attendance-refusal")).to_contain_text(day)
    expect(
        page.locator(f"[data-testid=meeting-actions] a[href='/meetings/{meeting.pk}/attendance/']")
    ).to_have_count(0)
    page.goto(f"/meetings/{meeting.pk}/attendance/")
    expect(page.get_by_test_id("closed")).to_contain_text(day)
    expect(page.get_by_test_id("attendance-rows")).to_have_count(0)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_APPROVED


def record_attendance(page, journey, lang):
    """Step 4b: on the meeting's day, the clerk records two units present with names, one
    absent."""
    meeting, units = journey["meeting"], journey["units"]
    open_meeting(page, meeting)
    expect(page.get_by_test_id("draft-minutes-link")).to_have_count(0)
    expect(page.get_by_test_id("attendance-disabled")).to_have_count(0)
    follow(page, f"[data-testid=meeting-actions] a[href='/meetings/{meeting.pk}/attendance/']")
    rows = page.get_by_test_id("attendance-rows").locator("tbody tr")
    expect(rows).to_have_count(len(UNITS))
    for spec in UNITS.values():
        row = rows.filter(has_text=spec["name"])
        expect(row).to_have_count(1)
        if spec["attendee"]:
            name, title = spec["attendee"]
            row.locator("input[type=radio][value=present]").check()
            row.locator("input[name$='-attendee_name']").fill(name)
            row.locator("input[name$='-attendee_title']").fill(title)
        else:
            row.locator("input[type=radio][value=absent]").check()
    submit(page, "main form button[type=submit]")
    expect_done(page, rf"/meetings/{meeting.pk}/$")
    expect_badge(page, "meeting-status", Meeting.Status.HELD.label, lang)
    expect(page.get_by_test_id("attendance-summary")).to_have_text(
        label(lang, "%(present)s present · %(delegated)s delegated · %(absent)s absent")
        % {"present": 2, "delegated": 0, "absent": 1}
    )
    for spec in UNITS.values():
        if spec["attendee"]:
            expect(page.locator("main")).to_contain_text(spec["attendee"][0])
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    recorded = {
        a.unit_id: (a.presence, a.attendee_name, a.attendee_title) for a in meeting.attendance.all()
    }
    assert recorded == {
        units["civil"].pk: (Attendance.Presence.PRESENT, *UNITS["civil"]["attendee"]),
        units["police"].pk: (Attendance.Presence.PRESENT, *UNITS["police"]["attendee"]),
        units["tax"].pk: (Attendance.Presence.ABSENT, "", ""),
    }


def draft_minutes(page, journey, lang):
    """Step 4b: the clerk drafts the minutes with one decision and submits them."""
    meeting, units = journey["meeting"], journey["units"]
    follow(page, f"[data-testid=draft-minutes-link][href='/meetings/{meeting.pk}/minutes/draft/']")
    form = page.get_by_test_id("minutes-form")
    expect(page.get_by_test_id("not-held")).to_have_count(0)
    # The first draft starts from the approved agenda: its topic and presenting unit, and
    # a decision row for it led by that unit.
    expect(form.locator("textarea[name=text]")).to_have_value(re.compile(ITEM["title"]))
    expect(form.locator("textarea[name=text]")).to_have_value(re.compile(units["civil"].name))
    expect(form.get_by_test_id("decision-topic").first).to_contain_text(ITEM["title"])
    expect(form.locator("select[name='decisions-0-lead_unit']")).to_have_value(
        str(units["civil"].pk)
    )
    form.locator("input[name=document_number]").fill(DOCUMENT_NUMBER)
    form.locator("textarea[name=text]").fill(MINUTES_TEXT)
    form.locator("textarea[name='decisions-0-text']").fill(DECISION_TEXT)
    form.locator(
        f"input[name='decisions-0-cooperating_units'][value='{units['police'].pk}']"
    ).check()
    form.locator("input[name='decisions-0-working_days']").fill(str(WORKING_DAYS))
    # Another row, without saving and without an error: what was typed stays.
    rows = form.get_by_test_id("decision-row").count()
    submit(page, "[data-testid=add-row]")
    form = page.get_by_test_id("minutes-form")
    expect(form.get_by_test_id("decision-row")).to_have_count(rows + 1)
    expect(page.get_by_test_id("field-error")).to_have_count(0)
    expect(form.locator("textarea[name='decisions-0-text']")).to_have_value(DECISION_TEXT)
    expect(form.locator("input[name=document_number]")).to_have_value(DOCUMENT_NUMBER)
    assert not Minutes.objects.filter(meeting=meeting).exists()
    submit(page, "[data-testid=save-draft]")
    expect_done(page, r"/meetings/minutes/\d+/$")
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == Minutes.Status.DRAFT
    # A browser sends a textarea's line breaks as CRLF (HTML's form encoding).
    assert minutes.text.replace("\r\n", "\n") == MINUTES_TEXT
    assert minutes.document_number == DOCUMENT_NUMBER
    assert minutes.drafted_by == journey["clerk"]
    decision = minutes.decisions.get()
    assert decision.text == DECISION_TEXT
    assert decision.lead_unit == units["civil"]
    assert list(decision.cooperating_units.all()) == [units["police"]]
    assert (decision.working_days, decision.deadline) == (WORKING_DAYS, None)
    expect_badge(page, "minutes-status", Minutes.Status.DRAFT.label, lang)
    expect(page.get_by_test_id("document-number")).to_have_text(DOCUMENT_NUMBER)
    expect(page.get_by_test_id("decisions").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("decisions")).to_contain_text(DECISION_TEXT)

    submit(page, "[data-testid=submit]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect_badge(page, "minutes-status", Minutes.Status.IN_REVIEW.label, lang)
    expect(page.get_by_test_id("edit")).to_have_count(0)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.IN_REVIEW
    return minutes, decision


def circulate(page, journey, minutes, lang):
    """Step 5a: the office director approves the minutes, which circulates them."""
    page.goto(journey["meeting"].get_absolute_url())
    follow(page, f"[data-testid=minutes-link][href='/meetings/minutes/{minutes.pk}/']")
    form = page.get_by_test_id("review-form")
    expect(form.locator("input[name=verdict][value=approve]")).to_be_checked()
    submit(page, "[data-testid=review-form] button[type=submit]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect_badge(page, "minutes-status", Minutes.Status.CIRCULATED.label, lang)
    expect(page.get_by_test_id("consent").get_by_test_id("response")).to_have_count(2)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.CIRCULATED
    assert minutes.consent_deadline >= timezone.localdate()
    units = journey["units"]
    answers = dict(minutes.responses.values_list("unit_id", "answer"))
    assert answers == {
        units["civil"].pk: MinutesResponse.Answer.PENDING,
        units["police"].pk: MinutesResponse.Answer.PENDING,
    }


def consent(page, journey, key, minutes, lang):
    """Step 5b: an attending unit's liaison opens the minutes from the meeting and consents."""
    unit = journey["units"][key]
    page.goto(journey["meeting"].get_absolute_url())
    follow(page, f"[data-testid=minutes-link][href='/meetings/minutes/{minutes.pk}/']")
    # A liaison sees their own unit's answer only, and never the office's versions.
    expect(page.get_by_test_id("response")).to_have_count(1)
    expect(page.get_by_test_id("response")).to_contain_text(unit.name)
    expect(page.get_by_test_id("versions")).to_have_count(0)
    form = page.get_by_test_id("respond-form")
    expect(form.locator("input[name=answer][value=consent]")).to_be_checked()
    submit(page, "[data-testid=respond-form] button[type=submit]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect(page.get_by_test_id("response")).to_contain_text(
        label(lang, MinutesResponse.Answer.CONSENTED.label)
    )
    response = minutes.responses.get(unit=unit)
    assert response.answer == MinutesResponse.Answer.CONSENTED
    assert response.answered_by == journey["liaisons"][key]


def sign(page, journey, minutes, lang):
    """Step 5c: the convener signs once both attending units have consented."""
    page.goto(journey["meeting"].get_absolute_url())
    follow(page, f"[data-testid=minutes-link][href='/meetings/minutes/{minutes.pk}/']")
    expect(page.get_by_test_id("sign-blocked")).to_have_count(0)
    submit(page, "[data-testid=sign]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect_badge(page, "minutes-status", Minutes.Status.SIGNED.label, lang)
    expect(page.get_by_test_id("locked")).to_contain_text(journey["convener"].first_name)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SIGNED
    assert minutes.signed_by == journey["convener"]


def issue(page, journey, minutes, decision, lang):
    """Step 5d: the clerk issues the minutes, reported to the government."""
    page.goto(minutes.get_absolute_url())
    box = page.get_by_test_id("issue-form").locator("input[name=reported_to_government]")
    expect(box).to_be_checked()  # ticked by default, as the notices require
    box.check()
    submit(page, "[data-testid=issue-form] button[type=submit]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect_badge(page, "minutes-status", Minutes.Status.ISSUED.label, lang)
    minutes.refresh_from_db()
    decision.refresh_from_db()
    assert minutes.status == Minutes.Status.ISSUED
    assert minutes.issued_at is not None
    assert minutes.reported_to_government_at is not None
    # Every member unit gets the minutes, the absent one too; the deadline now runs.
    assert set(minutes.receipts.values_list("unit_id", flat=True)) == {
        u.pk for u in journey["units"].values()
    }
    assert decision.deadline is not None and decision.deadline > timezone.localdate()
    expect(page.get_by_test_id("receipts")).to_be_visible()
    expect(page.get_by_test_id("not-acknowledged")).to_be_visible()
    # Issued decisions link to their follow-up page.
    expect(
        page.get_by_test_id("decisions").locator(f"a[href='/meetings/decisions/{decision.pk}/']")
    ).to_have_text(DECISION_TEXT)


def acknowledge(page, journey, minutes):
    """Step 6a: the first liaison acknowledges receipt."""
    civil = journey["units"]["civil"]
    page.goto(minutes.get_absolute_url())
    button = page.get_by_test_id("acknowledge")
    expect(button).to_contain_text(civil.name)
    submit(page, "[data-testid=acknowledge]")
    expect_done(page, rf"/meetings/minutes/{minutes.pk}/$")
    expect(page.get_by_test_id("acknowledge")).to_have_count(0)
    expect(page.get_by_test_id("acknowledged")).to_be_visible()
    receipt = MinutesReceipt.objects.get(minutes=minutes, unit=civil)
    assert receipt.acknowledged_by == journey["liaisons"]["civil"]
    assert receipt.acknowledged_at is not None


def report_done(page, journey, decision, lang, pdf_path):
    """Step 7a: the lead unit opens the decision from the follow-up page, reports it done."""
    follow(page, "[data-testid=nav] a[href='/meetings/decisions/']")
    rows = page.get_by_test_id("decision-row")
    expect(rows).to_have_count(1)
    expect(rows.get_by_test_id("decision-status")).to_have_text(
        label(lang, Decision.Status.OPEN.label)
    )
    follow(page, f"[data-testid=decision-row] a[href='/meetings/decisions/{decision.pk}/']")
    expect(page.get_by_test_id("decision-text")).to_have_text(DECISION_TEXT)
    expect(page.get_by_test_id("lead-unit")).to_have_text(journey["units"]["civil"].name)
    expect(page.get_by_test_id("no-updates")).to_be_visible()
    form = page.get_by_test_id("update-form")
    form.locator("textarea[name=text]").fill(PROGRESS_TEXT)
    form.locator("input[name=attachments]").set_input_files(str(pdf_path))
    form.locator("input[name=reports_done]").check()
    submit(page, "[data-testid=update-form] button[type=submit]")
    expect_done(page, rf"/meetings/decisions/{decision.pk}/$")
    expect_badge(page, "decision-status", Decision.Status.REPORTED_DONE.label, lang)
    update = page.get_by_test_id("update")
    expect(update).to_have_count(1)
    expect(update).to_contain_text(PROGRESS_TEXT)
    expect(update.get_by_test_id("attachments")).to_contain_text(pdf_path.name)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.REPORTED_DONE
    stored = DecisionUpdate.objects.get(decision=decision)
    assert (stored.unit, stored.author) == (
        journey["units"]["civil"],
        journey["liaisons"]["civil"],
    )
    assert (stored.text, stored.reports_done) == (PROGRESS_TEXT, True)
    assert stored.attachments.count() == 1


def close_decision(page, journey, decision, lang):
    """Step 7b: the clerk opens the decision from the follow-up page and closes it."""
    follow(page, "[data-testid=nav] a[href='/meetings/decisions/']")
    expect(page.get_by_test_id("decision-row").get_by_test_id("decision-status")).to_have_text(
        label(lang, Decision.Status.REPORTED_DONE.label)
    )
    follow(page, f"[data-testid=decision-row] a[href='/meetings/decisions/{decision.pk}/']")
    submit(page, "[data-testid=close]")
    expect_done(page, rf"/meetings/decisions/{decision.pk}/$")
    expect_badge(page, "decision-status", Decision.Status.CLOSED.label, lang)
    expect(page.get_by_test_id("office-actions")).to_have_count(0)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.CLOSED
    assert decision.closed_by == journey["clerk"]


def expect_full_rate(locator):
    expect(locator).to_have_text(re.compile(r"^\s*100([.,]0)?\s*%\s*$"))


# --- The journey ------------------------------------------------------------------------------


def test_meeting_from_agenda_to_closed_decision(journey, open_page, lang, tmp_path, screenshot):
    pdf_path = tmp_path / "低保边缘家庭测算.pdf"
    pdf_path.write_bytes(minimal_pdf())
    meeting, units = journey["meeting"], journey["units"]

    # 1. The first liaison proposes an item, with a PDF, and submits it.
    civil = open_page()
    sign_in(civil, "liaison-civil", lang)
    item = propose_item(civil, journey, lang, pdf_path)

    # 2. The office director accepts it.
    director = open_page()
    sign_in(director, "director", lang)
    accept_item(director, journey, item, lang, pdf_path)

    # 3. The convener approves the agenda: published, with a calendar file. The liaison
    # now sees the approved agenda.
    convener = open_page()
    sign_in(convener, "convener", lang)
    approve_agenda(convener, journey, item, lang)
    civil.goto(meeting.get_absolute_url())
    expect(civil.get_by_test_id("approved-agenda")).to_contain_text(ITEM["title"])
    expect(civil.get_by_test_id("approved-agenda")).to_contain_text(ITEM["decision_requested"])

    # 4. The clerk records the attendance (the meeting is held), drafts the minutes and
    # submits them for review.
    clerk = open_page()
    sign_in(clerk, "clerk", lang)
    attendance_waits_for_the_day(clerk, journey, lang)
    # The meeting's day comes.
    meeting_day_arrives(meeting)
    record_attendance(clerk, journey, lang)
    minutes, decision = draft_minutes(clerk, journey, lang)
    minutes_url = minutes.get_absolute_url()

    # 5. The director circulates them; both attending units consent in their browsers.
    circulate(director, journey, minutes, lang)
    consent(civil, journey, "civil", minutes, lang)
    police = open_page()
    sign_in(police, "liaison-police", lang)
    consent(police, journey, "police", minutes, lang)

    # The absent unit was not asked to consent: the minutes do not exist for it yet, and
    # its meeting page does not link to them.
    tax = open_page()
    sign_in(tax, "liaison-tax", lang)
    tax.goto(meeting.get_absolute_url())
    expect(tax.locator("main h1")).to_contain_text(MEETING_TITLE)
    expect(tax.get_by_test_id("minutes-link")).to_have_count(0)
    expect_not_found(tax, minutes_url, MINUTES_TEXT.splitlines()[0])

    # The convener signs; the clerk issues, reported to the government.
    sign(convener, journey, minutes, lang)
    issue(clerk, journey, minutes, decision, lang)

    # Issued to every member unit: now the absent unit may read them too.
    response = tax.goto(minutes_url)
    assert response.status == 200, response.status
    expect(tax.get_by_test_id("acknowledge")).to_contain_text(units["tax"].name)

    # 6. The first liaison acknowledges; the clerk sees who has not.
    acknowledge(civil, journey, minutes)
    clerk.reload()
    pending = clerk.get_by_test_id("not-acknowledged")
    expect(pending).to_contain_text(units["police"].name)
    expect(pending).to_contain_text(units["tax"].name)
    expect(pending).not_to_contain_text(units["civil"].name)
    expect(clerk.get_by_test_id("receipts")).to_contain_text(
        label(lang, "%(acknowledged)s of %(total)s member units acknowledged receipt.")
        % {"acknowledged": 1, "total": 3}
    )
    receipts = clerk.get_by_test_id("receipt")
    expect(receipts).to_have_count(3)
    expect(receipts.filter(has_text=units["civil"].name)).to_contain_text(
        journey["liaisons"]["civil"].first_name
    )
    assert set(
        MinutesReceipt.objects.filter(minutes=minutes, acknowledged_at=None).values_list(
            "unit_id", flat=True
        )
    ) == {units["police"].pk, units["tax"].pk}
    # The issued minutes as the office sees them: header, text, decision, attendance.
    document = clerk.get_by_test_id("minutes-document")
    expect(document).to_contain_text(journey["group"].name)
    expect(clerk.get_by_test_id("minutes-text")).to_have_text(MINUTES_TEXT)
    expect(document).to_contain_text(UNITS["civil"]["attendee"][0])
    expect(clerk.get_by_test_id("recipients")).to_contain_text("测试区")
    print(screenshot(clerk, f"meeting-minutes-{lang}"))

    # The Word export downloads and opens, with the meeting, text and decision.
    with clerk.expect_download() as download_info:
        clerk.locator(f"[data-testid=docx][href='{minutes_url}minutes.docx']").click()
    download = download_info.value
    assert download.suggested_filename == f"minutes-{minutes.pk}.docx"
    text = document_text(download.path())
    for expected in (
        journey["group"].name,
        MEETING_TITLE,
        DOCUMENT_NUMBER,
        MINUTES_TEXT.splitlines()[0],
        DECISION_TEXT,
        units["civil"].name,
        units["police"].name,
    ):
        assert expected in text, expected

    # 7. The lead unit reports the decision done; the clerk closes it.
    report_done(civil, journey, decision, lang, pdf_path)
    close_decision(clerk, journey, decision, lang)

    # The follow-up page shows it closed: 100 % overall and for the lead unit.
    follow(clerk, "main ol.breadcrumb a[href='/meetings/decisions/']")
    expect(clerk.get_by_test_id("decision-row").get_by_test_id("decision-status")).to_have_text(
        label(lang, Decision.Status.CLOSED.label)
    )
    expect_full_rate(clerk.get_by_test_id("rate"))
    lead_row = clerk.locator(f"[data-testid=unit-row][data-unit='{units['civil'].pk}']")
    expect_full_rate(lead_row.get_by_test_id("unit-rate"))
    expect(clerk.get_by_test_id("overdue-count")).to_have_text("0")
    civil.goto("/meetings/decisions/")
    expect_full_rate(civil.get_by_test_id("rate"))
