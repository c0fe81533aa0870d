"""Joint meetings driven through their services, as the office, the convener and the unit
liaisons use them: agenda items submitted, reviewed and approved; the agenda published;
attendance recorded; minutes drafted, reviewed, circulated, consented to, signed and
issued; decisions followed up until closed.

Every step is tried by the right role in the right state, and by the wrong ones: a refused
step raises and leaves the database (rows, history, notifications, mail) as it was.

The meeting invites three units of the test group: ``unit`` (``liaison``) and
``other_unit`` (``other_liaison``) attend, ``absent_unit`` (``absent_liaison``) does not.
``stranger`` is the liaison of a member unit the meeting does not invite.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from assistance.models import Notification
from assistance.roles import Role
from meetings import services
from meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionUpdate,
    Meeting,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from meetings.services import (
    AttendanceData,
    DecisionData,
    ItemData,
    MeetingError,
    NotAllowed,
    Review,
    WrongState,
)
from meetings.tasks import agenda_publish_task, decisions_remind_overdue_task
from tests.factories import LeadingGroupFactory, LiaisonFactory, MemberUnitFactory, UserFactory
from verification.models import AssistanceType, Household

pytestmark = pytest.mark.django_db

D = datetime.date
Present = Attendance.Presence


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English; the interface defaults to Simplified Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def today(monkeypatch):
    """Set the office's "today" (``timezone.localdate``) for the services and the
    working-day count: ``today(datetime.date(2026, 3, 18))``."""

    def set_today(day: datetime.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return set_today


# --- The cast -------------------------------------------------------------------------------


def _liaison_of(unit, username):
    return LiaisonFactory(unit=unit, user=UserFactory(username=username, roles=[Role.UNIT_LIAISON]))


@pytest.fixture
def absent_unit(group):
    return MemberUnitFactory(group=group, name="区财政局", code="test-finance")


@pytest.fixture
def absent_liaison(absent_unit):
    return _liaison_of(absent_unit, "absent-liaison").user


@pytest.fixture
def stranger_unit(group):
    return MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")


@pytest.fixture
def stranger(stranger_unit):
    return _liaison_of(stranger_unit, "stranger").user


@pytest.fixture
def meeting(
    clerk, convener, group, unit, other_unit, absent_unit, liaison, other_liaison, absent_liaison
):
    """Invites the three units, each with its liaison."""
    return services.meeting_schedule(
        actor=clerk,
        group=group,
        kind=Meeting.Kind.REGULAR,
        title="2026年第一季度协调会议",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 16, 9, 30)),
        place="区政府第一会议室",
        convener=convener,
        invited_units=[unit, other_unit, absent_unit],
    )


@pytest.fixture
def case_meeting(clerk, convener, group, unit, other_unit):
    return services.meeting_schedule(
        actor=clerk,
        group=group,
        kind=Meeting.Kind.CASE,
        title="王建国家庭个案协商",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 20, 14, 0)),
        convener=convener,
        invited_units=[unit, other_unit],
    )


def make_household(group, clerk):
    return Household.objects.create(
        office=group,
        address="幸福路1号院2号楼301",
        town="大峪街道",
        assistance_type=AssistanceType.DIBAO,
        created_by=clerk,
    )


def item_data(title="低保边缘家庭认定标准", **kwargs):
    return ItemData(
        title=title,
        background="部分家庭收入略高于低保标准，生活仍有困难。",
        proposal="将低保边缘家庭纳入专项救助范围。",
        decision_requested="请联席会议议定认定标准和牵头单位。",
        **kwargs,
    )


def draft(actor, meeting, unit, **kwargs):
    return services.agenda_item_create(
        actor=actor, meeting=meeting, unit=unit, data=item_data(**kwargs)
    )


def submitted(actor, meeting, unit, **kwargs):
    return services.agenda_item_submit(actor=actor, item=draft(actor, meeting, unit, **kwargs))


def accepted(actor, director, meeting, unit, **kwargs):
    item = submitted(actor, meeting, unit, **kwargs)
    return services.agenda_item_review(actor=director, item=item, verdict=Review.ACCEPT)


def reload(obj):
    obj.refresh_from_db()
    return obj


# --- The meeting's states, one fixture each -----------------------------------------------------


@pytest.fixture
def approved(meeting, unit, other_unit, liaison, other_liaison, director, convener):
    """The agenda approved, with an item of ``unit`` and one of ``other_unit``. Not
    committed, so not yet published."""
    accepted(liaison, director, meeting, unit, title="低保边缘家庭认定")
    accepted(other_liaison, director, meeting, other_unit, title="税务信息共享")
    services.agenda_approve(actor=convener, meeting=meeting)
    return reload(meeting)


def attendance_rows(unit, other_unit, absent_unit):
    return [
        AttendanceData(unit.pk, Present.PRESENT, "张伟", "副局长"),
        AttendanceData(other_unit.pk, Present.DELEGATED, "李娜", "科长"),
        AttendanceData(absent_unit.pk, Present.ABSENT),
    ]


@pytest.fixture
def held(approved, clerk, unit, other_unit, absent_unit):
    services.attendance_record(
        actor=clerk, meeting=approved, rows=attendance_rows(unit, other_unit, absent_unit)
    )
    return reload(approved)


def decisions_data(unit, other_unit):
    return [
        DecisionData("建立低保边缘家庭认定机制。", unit.pk, [other_unit.pk], 10),
        DecisionData("每月共享纳税信息。", other_unit.pk, [], 20),
    ]


@pytest.fixture
def drafted(held, clerk, unit, other_unit):
    return services.minutes_draft(
        actor=clerk,
        meeting=held,
        text="会议听取了各单位汇报，议定如下事项。",
        decisions=decisions_data(unit, other_unit),
        document_number="测联办〔2026〕1号",
    )


@pytest.fixture
def in_review(drafted, clerk):
    return services.minutes_submit_for_review(actor=clerk, minutes=drafted)


@pytest.fixture
def circulated(in_review, director, today):
    # Wednesday 18 March 2026: three working days to consent, to Monday the 23rd.
    today(D(2026, 3, 18))
    return services.minutes_review(actor=director, minutes=in_review, approve=True)


@pytest.fixture
def signed(circulated, liaison, other_liaison, unit, other_unit, convener):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(actor=other_liaison, minutes=circulated, unit=other_unit, consent=True)
    return services.minutes_sign(actor=convener, minutes=circulated)


@pytest.fixture
def issued(signed, clerk, today):
    # Wednesday 25 March 2026; the decisions' deadlines count from here.
    today(D(2026, 3, 25))
    return services.minutes_issue(actor=clerk, minutes=signed)


@pytest.fixture
def decision(issued, unit):
    """The decision ``unit`` leads (``other_unit`` cooperates), due 9 April 2026."""
    return issued.decisions.get(lead_unit=unit)


# --- Refusals leave everything as it was ------------------------------------------------------

TRACKED = [
    Meeting,
    AgendaItem,
    Attendance,
    Minutes,
    MinutesResponse,
    MinutesReceipt,
    Decision,
    DecisionUpdate,
    Notification,
]
M2M = [Meeting.invited_units.through, Decision.cooperating_units.through]


def snapshot():
    state = {}
    for model in TRACKED + M2M:
        state[model._meta.label] = list(model.objects.order_by("pk").values())
    for model in TRACKED:
        if hasattr(model, "history"):
            state[f"{model._meta.label} history"] = list(
                model.history.order_by("history_id").values_list("history_id", flat=True)
            )
    return state


@pytest.fixture
def refused(django_capture_on_commit_callbacks, mailoutbox):
    """``with refused(WrongState, match="..."):`` the step raises that error and changes
    nothing: no row, no history, no notification or mail after commit."""

    @contextmanager
    def check(error=MeetingError, match=None):
        before = snapshot()
        mails = len(mailoutbox)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(error, match=match) as info,
        ):
            yield info
        assert callbacks == []
        assert snapshot() == before
        assert len(mailoutbox) == mails

    return check


def notified(user):
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


# --- Agenda items -------------------------------------------------------------------------------


def test_a_liaison_drafts_an_item_for_their_invited_unit(liaison, meeting, unit):
    item = draft(liaison, meeting, unit)

    item = reload(item)
    assert item.status == AgendaItem.Status.DRAFT
    assert (item.meeting, item.unit, item.submitted_by) == (meeting, unit, liaison)
    assert item.title == "低保边缘家庭认定标准"
    assert item.history.get().history_user == liaison


@pytest.mark.parametrize("persona", ["clerk", "director"])
def test_the_office_drafts_an_item_for_any_invited_unit(persona, request, meeting, other_unit):
    actor = request.getfixturevalue(persona)

    item = draft(actor, meeting, other_unit)

    assert (item.unit, item.submitted_by) == (other_unit, actor)


@pytest.mark.parametrize(
    ("persona", "item_unit", "message"),
    [
        ("liaison", "other_unit", "Only a liaison of 区税务局 can do this."),
        ("stranger", "stranger_unit", "区住房城乡建设委 is not invited to this meeting."),
        ("clerk", "stranger_unit", "区住房城乡建设委 is not invited to this meeting."),
        ("convener", "unit", "Only a liaison of 区公安分局 can do this."),
        ("auditor", "unit", "Only a liaison of 区公安分局 can do this."),
        ("outsider", "unit", "Only a liaison of 区公安分局 can do this."),
    ],
)
def test_only_a_liaison_of_an_invited_unit_or_the_office_drafts_an_item(
    persona, item_unit, message, request, meeting, refused
):
    actor = request.getfixturevalue(persona)
    item_unit = request.getfixturevalue(item_unit)

    with refused(NotAllowed, match=message):
        draft(actor, meeting, item_unit)


def test_no_item_once_the_agenda_is_approved(approved, liaison, clerk, unit, refused):
    for actor in (liaison, clerk):
        with refused(WrongState, match="The agenda of this meeting is closed."):
            draft(actor, approved, unit)


def test_no_item_for_a_cancelled_meeting(meeting, clerk, liaison, unit, refused):
    services.meeting_cancel(actor=clerk, meeting=meeting)

    with refused(WrongState, match="The agenda of this meeting is closed."):
        draft(liaison, meeting, unit)


def test_a_case_consultation_item_names_its_household(case_meeting, liaison, unit, group, clerk):
    household = make_household(group, clerk)

    item = draft(liaison, case_meeting, unit, household_id=household.pk)

    assert reload(item).household == household


def test_only_a_case_consultation_concerns_a_household(
    meeting, liaison, unit, group, clerk, refused
):
    household = make_household(group, clerk)

    with refused(MeetingError, match="Only a case consultation concerns one household."):
        draft(liaison, meeting, unit, household_id=household.pk)


def test_editing_cannot_attach_a_household_to_a_regular_meeting(
    meeting, liaison, unit, group, clerk, refused
):
    item = draft(liaison, meeting, unit)
    household = make_household(group, clerk)

    with refused(MeetingError, match="Only a case consultation concerns one household."):
        services.agenda_item_update(
            actor=liaison, item=item, data=item_data(household_id=household.pk)
        )


def test_a_case_consultation_concerns_a_household_of_its_own_groups_office(
    case_meeting, liaison, unit, clerk, refused
):
    elsewhere = make_household(LeadingGroupFactory(code="elsewhere"), clerk)

    with refused(MeetingError, match="not registered with this group's office"):
        draft(liaison, case_meeting, unit, household_id=elsewhere.pk)
    item = draft(liaison, case_meeting, unit)
    with refused(MeetingError, match="not registered with this group's office"):
        services.agenda_item_update(
            actor=liaison, item=item, data=item_data(household_id=elsewhere.pk)
        )


def test_a_liaison_submits_and_the_office_director_is_told_after_commit(
    meeting, liaison, unit, director, clerk, django_capture_on_commit_callbacks
):
    item = draft(liaison, meeting, unit)

    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_submit(actor=liaison, item=item)
        assert notified(director) == []

    assert reload(item).status == AgendaItem.Status.SUBMITTED
    assert notified(director) == ["区公安分局 submitted an agenda item for 2026年第一季度协调会议."]
    assert Notification.objects.get(user=director).url == item.get_absolute_url()
    assert notified(clerk) == []
    assert item.history.latest().history_user == liaison


def test_submitting_is_for_the_units_liaison_and_only_from_draft_or_returned(
    meeting, liaison, other_liaison, unit, refused
):
    item = draft(liaison, meeting, unit)
    with refused(NotAllowed, match="Only a liaison of 区公安分局"):
        services.agenda_item_submit(actor=other_liaison, item=item)

    services.agenda_item_submit(actor=liaison, item=item)
    with refused(WrongState, match="cannot be changed that way"):
        services.agenda_item_submit(actor=liaison, item=item)


def test_a_draft_left_behind_cannot_be_submitted_once_the_agenda_is_approved(
    meeting, liaison, other_liaison, unit, other_unit, director, convener, refused
):
    late = draft(other_liaison, meeting, other_unit)
    accepted(liaison, director, meeting, unit)
    services.agenda_approve(actor=convener, meeting=meeting)

    with refused(WrongState, match="The agenda of this meeting is closed."):
        services.agenda_item_submit(actor=other_liaison, item=late)
    assert reload(late).status == AgendaItem.Status.DRAFT


def test_the_office_director_accepts_and_the_unit_is_told(
    meeting, liaison, unit, director, django_capture_on_commit_callbacks
):
    item = submitted(liaison, meeting, unit)

    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_review(actor=director, item=item, verdict=Review.ACCEPT)

    item = reload(item)
    assert item.status == AgendaItem.Status.ACCEPTED
    assert (item.reviewed_by, item.review_comment) == (director, "")
    assert item.history.latest().history_user == director
    assert notified(liaison) == [
        "Your agenda item “低保边缘家庭认定标准” was Accepted by the office director."
    ]


@pytest.mark.parametrize("persona", ["clerk", "convener", "liaison", "outsider"])
def test_only_the_office_director_reviews_items(persona, request, meeting, liaison, unit, refused):
    item = submitted(liaison, meeting, unit)
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="review agenda items"):
        services.agenda_item_review(actor=actor, item=item, verdict=Review.ACCEPT)


@pytest.mark.parametrize("verdict", [Review.RETURN, Review.REJECT])
@pytest.mark.parametrize("comment", ["", "   "])
def test_returning_or_rejecting_needs_a_comment(
    verdict, comment, meeting, liaison, unit, director, refused
):
    item = submitted(liaison, meeting, unit)

    with refused(MeetingError, match="Say why the item is returned or rejected."):
        services.agenda_item_review(actor=director, item=item, verdict=verdict, comment=comment)


def test_an_unknown_verdict_is_refused(meeting, liaison, unit, director, refused):
    item = submitted(liaison, meeting, unit)

    with refused(MeetingError, match="Choose accept, return or reject."):
        services.agenda_item_review(actor=director, item=item, verdict="approve", comment="好")


@pytest.mark.parametrize("verdict", [Review.ACCEPT, Review.RETURN, Review.REJECT])
def test_only_a_submitted_item_is_reviewed(verdict, meeting, liaison, unit, director, refused):
    item = draft(liaison, meeting, unit)

    with refused(WrongState, match="“Draft” and cannot be changed"):
        services.agenda_item_review(actor=director, item=item, verdict=verdict, comment="意见")


def test_a_returned_item_is_revised_and_submitted_again(
    meeting, liaison, unit, director, django_capture_on_commit_callbacks
):
    item = submitted(liaison, meeting, unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_item_review(
            actor=director, item=item, verdict=Review.RETURN, comment="请补充测算依据。"
        )
    item = reload(item)
    assert (item.status, item.review_comment) == (AgendaItem.Status.RETURNED, "请补充测算依据。")
    assert notified(liaison) == [
        "Your agenda item “低保边缘家庭认定标准” was Returned with comments."
    ]

    services.agenda_item_update(
        actor=liaison, item=item, data=item_data(title="低保边缘家庭认定标准（附测算）")
    )
    services.agenda_item_submit(actor=liaison, item=item)
    services.agenda_item_review(actor=director, item=item, verdict=Review.ACCEPT)

    item = reload(item)
    assert (item.status, item.title) == (
        AgendaItem.Status.ACCEPTED,
        "低保边缘家庭认定标准（附测算）",
    )
    assert [h.status for h in item.history.order_by("history_id")] == [
        "draft",
        "submitted",
        "returned",
        "returned",
        "submitted",
        "accepted",
    ]


def test_a_rejected_item_stays_rejected(meeting, liaison, unit, director, clerk, refused):
    item = submitted(liaison, meeting, unit)
    services.agenda_item_review(
        actor=director, item=item, verdict=Review.REJECT, comment="不属于联席会议议事范围。"
    )

    with refused(WrongState):
        services.agenda_item_submit(actor=liaison, item=item)
    with refused(WrongState):
        services.agenda_item_review(actor=director, item=item, verdict=Review.ACCEPT)
    with refused(WrongState, match="Only a draft or returned item can be edited."):
        services.agenda_item_update(actor=clerk, item=item, data=item_data(title="换个说法"))
    assert reload(item).status == AgendaItem.Status.REJECTED


def test_an_item_is_edited_only_by_its_units_liaison_or_the_office(
    meeting, liaison, other_liaison, unit, clerk, refused
):
    item = draft(liaison, meeting, unit)

    with refused(NotAllowed):
        services.agenda_item_update(actor=other_liaison, item=item, data=item_data(title="改"))
    services.agenda_item_update(actor=clerk, item=item, data=item_data(title="办公室修改"))

    item = reload(item)
    assert item.title == "办公室修改"
    assert item.history.latest().history_user == clerk


# --- The agenda ---------------------------------------------------------------------------------


def test_the_convener_approves_and_the_accepted_items_go_on_the_agenda_in_order(
    meeting, liaison, other_liaison, unit, other_unit, director, convener
):
    first = accepted(liaison, director, meeting, unit, title="第一项")
    left_in_draft = draft(liaison, meeting, unit, title="未提交")
    rejected = submitted(other_liaison, meeting, other_unit, title="被退回")
    services.agenda_item_review(actor=director, item=rejected, verdict=Review.REJECT, comment="否")
    second = accepted(other_liaison, director, meeting, other_unit, title="第二项")

    services.agenda_approve(actor=convener, meeting=meeting)

    meeting = reload(meeting)
    assert meeting.status == Meeting.Status.AGENDA_APPROVED
    assert meeting.agenda_approved_at is not None
    assert meeting.agenda_published_at is None  # not before the commit
    assert meeting.history.latest().history_user == convener
    assert [(i.title, i.status, i.order) for i in meeting.agenda_items.order_by("pk")] == [
        ("第一项", "approved", 1),
        ("未提交", "draft", 0),
        ("被退回", "rejected", 0),
        ("第二项", "approved", 2),
    ]
    assert reload(first).history.latest().history_user == convener
    assert reload(second).order == 2
    assert reload(left_in_draft).status == AgendaItem.Status.DRAFT


@pytest.mark.parametrize("persona", ["clerk", "director", "liaison", "outsider"])
def test_only_the_convener_approves_the_agenda(
    persona, request, meeting, liaison, unit, director, refused
):
    accepted(liaison, director, meeting, unit)
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="approve agendas"):
        services.agenda_approve(actor=actor, meeting=meeting)


def test_no_approval_while_an_item_awaits_review(
    meeting, liaison, other_liaison, unit, other_unit, director, convener, refused
):
    accepted(liaison, director, meeting, unit)
    submitted(other_liaison, meeting, other_unit, title="税务信息共享")

    with refused(WrongState, match="has not yet reviewed: 税务信息共享"):
        services.agenda_approve(actor=convener, meeting=meeting)


def test_no_approval_without_an_accepted_item(
    meeting, liaison, other_liaison, unit, other_unit, director, convener, refused
):
    draft(liaison, meeting, unit)
    item = submitted(other_liaison, meeting, other_unit)
    services.agenda_item_review(actor=director, item=item, verdict=Review.REJECT, comment="否")

    with refused(WrongState, match="No accepted item: there is no agenda to approve."):
        services.agenda_approve(actor=convener, meeting=meeting)


def test_an_approved_agenda_is_not_approved_again(approved, convener, refused):
    with refused(WrongState):
        services.agenda_approve(actor=convener, meeting=approved)


def test_a_cancelled_meeting_has_no_agenda_to_approve(
    meeting, liaison, unit, director, convener, clerk, refused
):
    accepted(liaison, director, meeting, unit)
    services.meeting_cancel(actor=clerk, meeting=meeting)

    with refused(WrongState, match="Cancelled"):
        services.agenda_approve(actor=convener, meeting=meeting)


def test_the_approved_agenda_is_published_after_commit_to_the_invited_liaisons_once(
    meeting,
    liaison,
    other_liaison,
    absent_liaison,
    stranger,
    unit,
    director,
    convener,
    clerk,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    accepted(liaison, director, meeting, unit)

    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_approve(actor=convener, meeting=meeting)
        # Nothing goes out before the approval is committed.
        assert mailoutbox == []
        assert not Notification.objects.exists()

    meeting = reload(meeting)
    assert meeting.agenda_published_at is not None
    invited = [liaison, other_liaison, absent_liaison]
    message = (
        "The agenda of 2026年第一季度协调会议 (2026-03-16 09:30, 区政府第一会议室) is published."
    )
    for user in invited:
        assert notified(user) == [message]
    assert notified(stranger) == notified(clerk) == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(u.email for u in invited)
    # The mails are in the liaisons' language (Chinese unless they chose otherwise).
    for mail in mailoutbox:
        assert mail.subject == "会议通知：2026年第一季度协调会议"
        assert "2026年第一季度协调会议" in mail.body and "published" not in mail.body
        [(filename, content, mimetype)] = mail.attachments
        assert (filename, mimetype) == ("meeting.ics", "text/calendar")
        content = content.decode() if isinstance(content, bytes) else content
        assert "BEGIN:VCALENDAR" in content
        assert "BEGIN:VEVENT" in content

    # A redelivered task (or a second worker) finds the agenda published: nothing more.
    published_at = meeting.agenda_published_at
    assert agenda_publish_task.delay(meeting.pk).get() == 0
    assert services.agenda_publish(meeting_id=meeting.pk) == 0
    assert len(mailoutbox) == 3
    assert Notification.objects.count() == 3
    assert reload(meeting).agenda_published_at == published_at


def test_a_liaison_without_an_address_is_told_in_the_app_only(
    meeting,
    liaison,
    other_liaison,
    absent_liaison,
    unit,
    director,
    convener,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    liaison.email = ""
    liaison.save()
    accepted(liaison, director, meeting, unit)

    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_approve(actor=convener, meeting=meeting)

    assert len(notified(liaison)) == 1
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        [other_liaison.email, absent_liaison.email]
    )


def test_a_planned_meeting_is_not_published(meeting, mailoutbox):
    assert services.agenda_publish(meeting_id=meeting.pk) == 0
    assert reload(meeting).agenda_published_at is None
    assert mailoutbox == []


# --- Attendance ---------------------------------------------------------------------------------


def test_the_office_records_attendance_and_the_meeting_is_held(
    approved, clerk, unit, other_unit, absent_unit
):
    saved = services.attendance_record(
        actor=clerk, meeting=approved, rows=attendance_rows(unit, other_unit, absent_unit)
    )

    assert len(saved) == 3
    assert reload(approved).status == Meeting.Status.HELD
    assert {
        a.unit: (a.presence, a.attendee_name, a.attendee_title)
        for a in Attendance.objects.filter(meeting=approved)
    } == {
        unit: ("present", "张伟", "副局长"),
        other_unit: ("delegated", "李娜", "科长"),
        absent_unit: ("absent", "", ""),
    }
    assert {h.history_user for h in Attendance.history.all()} == {clerk}
    assert approved.history.latest().history_user == clerk


def test_attendance_is_corrected_while_the_minutes_are_a_draft(
    drafted, clerk, unit, other_unit, absent_unit
):
    meeting = drafted.meeting
    rows = attendance_rows(unit, other_unit, absent_unit)
    rows[2] = AttendanceData(absent_unit.pk, Present.PRESENT, "王芳", "")

    services.attendance_record(actor=clerk, meeting=meeting, rows=rows)

    assert meeting.attendance.count() == 3
    assert meeting.attendance.get(unit=absent_unit).attendee_name == "王芳"
    assert reload(meeting).status == Meeting.Status.HELD


def test_attendance_no_longer_changes_once_the_minutes_left_the_draft(
    in_review, clerk, unit, other_unit, absent_unit, refused
):
    rows = attendance_rows(unit, other_unit, absent_unit)
    rows[2] = AttendanceData(absent_unit.pk, Present.PRESENT, "王芳", "")

    with refused(WrongState, match="attendance can no longer change"):
        services.attendance_record(actor=clerk, meeting=in_review.meeting, rows=rows)


@pytest.mark.parametrize("persona", ["convener", "liaison", "outsider"])
def test_only_the_office_records_attendance(
    persona, request, approved, unit, other_unit, absent_unit, refused
):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="record attendance"):
        services.attendance_record(
            actor=actor, meeting=approved, rows=attendance_rows(unit, other_unit, absent_unit)
        )


def test_no_attendance_before_the_agenda_is_approved(
    meeting, clerk, unit, other_unit, absent_unit, refused
):
    with refused(WrongState, match="once the agenda is approved"):
        services.attendance_record(
            actor=clerk, meeting=meeting, rows=attendance_rows(unit, other_unit, absent_unit)
        )


@pytest.mark.parametrize("case", ["missing", "twice", "not invited"])
def test_attendance_covers_every_invited_unit_once(
    case, approved, clerk, unit, other_unit, absent_unit, stranger_unit, refused
):
    rows = attendance_rows(unit, other_unit, absent_unit)
    if case == "missing":
        rows = rows[:2]
    elif case == "twice":
        rows.append(AttendanceData(unit.pk, Present.PRESENT, "张伟"))
    else:
        rows.append(AttendanceData(stranger_unit.pk, Present.PRESENT, "赵强"))

    with refused(MeetingError, match="every invited unit, once each"):
        services.attendance_record(actor=clerk, meeting=approved, rows=rows)


@pytest.mark.parametrize("presence", [Present.PRESENT, Present.DELEGATED])
@pytest.mark.parametrize("name", ["", "  "])
def test_who_attended_is_named_unless_the_unit_was_absent(
    presence, name, approved, clerk, unit, other_unit, absent_unit, refused
):
    rows = attendance_rows(unit, other_unit, absent_unit)
    rows[0] = AttendanceData(unit.pk, presence, name)

    with refused(ValidationError, match="Name who attended for the unit."):
        services.attendance_record(actor=clerk, meeting=approved, rows=rows)


# --- Minutes: drafting and review -------------------------------------------------------------


def test_the_office_drafts_the_minutes_of_a_held_meeting_with_its_decisions(
    drafted, held, clerk, unit, other_unit
):
    minutes = reload(drafted)
    assert minutes.meeting == held
    assert minutes.status == Minutes.Status.DRAFT
    assert (minutes.drafted_by, minutes.document_number) == (clerk, "测联办〔2026〕1号")
    first, second = minutes.decisions.order_by("order")
    assert (first.order, first.lead_unit, first.working_days) == (1, unit, 10)
    assert list(first.cooperating_units.all()) == [other_unit]
    assert (second.order, second.lead_unit, second.working_days) == (2, other_unit, 20)
    assert not second.cooperating_units.exists()
    assert {d.deadline for d in (first, second)} == {None}  # counted from the issue date
    assert minutes.history.get().history_user == clerk


def test_a_redraft_replaces_the_decisions_and_the_lead_is_not_its_own_cooperator(
    drafted, director, unit, other_unit, absent_unit
):
    old = list(drafted.decisions.values_list("pk", flat=True))

    services.minutes_draft(
        actor=director,
        meeting=drafted.meeting,
        text="修改后的纪要。",
        decisions=[DecisionData("统一救助标准。", absent_unit.pk, [absent_unit.pk, unit.pk], 15)],
    )

    minutes = reload(drafted)
    assert (minutes.text, minutes.drafted_by, minutes.document_number) == (
        "修改后的纪要。",
        director,
        "",
    )
    [decision] = minutes.decisions.all()
    assert decision.lead_unit == absent_unit
    assert list(decision.cooperating_units.all()) == [unit]
    assert not Decision.objects.filter(pk__in=old).exists()
    # The replaced decisions' removal is in their history, by whoever redrafted.
    removed = Decision.history.filter(id__in=old, history_type="-")
    assert removed.count() == 2
    assert {h.history_user for h in removed} == {director}


@pytest.mark.parametrize("persona", ["convener", "liaison", "outsider"])
def test_only_the_office_drafts_minutes(persona, request, held, unit, other_unit, refused):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="draft minutes"):
        services.minutes_draft(
            actor=actor, meeting=held, text="纪要", decisions=decisions_data(unit, other_unit)
        )


def test_no_minutes_before_the_meeting_is_held(approved, clerk, refused):
    with refused(WrongState, match="Minutes are drafted once the meeting is held."):
        services.minutes_draft(actor=clerk, meeting=approved, text="纪要", decisions=[])


@pytest.mark.parametrize(
    ("text", "decision", "message"),
    [
        ("   ", None, "The minutes have no text."),
        ("纪要", ("  ", "unit", 10), "Each decision needs its text and units of this group."),
        ("纪要", ("事项", "foreign", 10), "Each decision needs its text and units of this group."),
        ("纪要", ("事项", "unit", 0), "A decision's deadline is 1 to 250 working days."),
        ("纪要", ("事项", "unit", 251), "A decision's deadline is 1 to 250 working days."),
    ],
)
def test_minutes_need_text_and_well_formed_decisions(
    text, decision, message, held, clerk, unit, refused
):
    foreign = MemberUnitFactory(group=LeadingGroupFactory(code="elsewhere"), code="elsewhere-tax")
    decisions = []
    if decision:
        decision_text, lead, days = decision
        decisions = [
            DecisionData(decision_text, (unit if lead == "unit" else foreign).pk, [], days)
        ]

    with refused(MeetingError, match=message):
        services.minutes_draft(actor=clerk, meeting=held, text=text, decisions=decisions)


def test_minutes_go_to_the_office_director_for_review(
    drafted, clerk, director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_submit_for_review(actor=clerk, minutes=drafted)

    assert reload(drafted).status == Minutes.Status.IN_REVIEW
    assert notified(director) == ["Minutes of 2026年第一季度协调会议 await your review."]


def test_minutes_in_review_are_not_edited_nor_submitted_twice(
    in_review, clerk, liaison, unit, other_unit, refused
):
    with refused(WrongState, match="Only draft minutes can be edited."):
        services.minutes_draft(
            actor=clerk,
            meeting=in_review.meeting,
            text="改",
            decisions=decisions_data(unit, other_unit),
        )
    with refused(WrongState):
        services.minutes_submit_for_review(actor=clerk, minutes=in_review)
    with refused(NotAllowed):
        services.minutes_submit_for_review(actor=liaison, minutes=in_review)


@pytest.mark.parametrize("persona", ["clerk", "convener", "liaison"])
def test_only_the_office_director_reviews_minutes(persona, request, in_review, refused):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="review minutes"):
        services.minutes_review(actor=actor, minutes=in_review, approve=True)


@pytest.mark.parametrize("comment", ["", "  "])
def test_returning_minutes_needs_a_comment(comment, in_review, director, refused):
    with refused(MeetingError, match="Say what to change."):
        services.minutes_review(actor=director, minutes=in_review, approve=False, comment=comment)


def test_the_office_director_returns_the_minutes_to_the_draft(in_review, director, clerk):
    services.minutes_review(
        actor=director, minutes=in_review, approve=False, comment="第二项事项请写明牵头单位。"
    )

    minutes = reload(in_review)
    assert minutes.status == Minutes.Status.DRAFT
    assert minutes.review_comment == "第二项事项请写明牵头单位。"
    latest = minutes.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        director,
        "第二项事项请写明牵头单位。",
    )
    # Back in the draft, the office edits again.
    services.minutes_draft(actor=clerk, meeting=minutes.meeting, text="改后", decisions=[])
    assert reload(minutes).text == "改后"


def test_approved_minutes_circulate_to_the_attending_units_only(
    in_review,
    director,
    liaison,
    other_liaison,
    absent_liaison,
    unit,
    other_unit,
    today,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    today(D(2026, 3, 18))

    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_review(actor=director, minutes=in_review, approve=True)

    minutes = reload(in_review)
    assert minutes.status == Minutes.Status.CIRCULATED
    # Three working days after Wednesday 18 March: Thursday, Friday, Monday.
    assert (minutes.consent_deadline, minutes.consent_deadline_provisional) == (
        D(2026, 3, 23),
        False,
    )
    assert sorted((r.unit.pk, r.answer) for r in minutes.responses.all()) == sorted(
        [(unit.pk, "pending"), (other_unit.pk, "pending")]
    )
    message = "Minutes of 2026年第一季度协调会议 are circulated: consent or comment by 2026-03-23."
    assert notified(liaison) == notified(other_liaison) == [message]
    assert notified(absent_liaison) == []
    assert sorted(m.to[0] for m in mailoutbox) == sorted([liaison.email, other_liaison.email])
    assert {m.subject for m in mailoutbox} == {"会议纪要征求意见"}  # the readers' language


def test_the_consent_deadline_counts_working_days_across_holidays(
    in_review, director, settings, today
):
    # 30 September 2026: the National Day holiday runs 1–7 October (and the 8th); Saturday
    # 10 October is a make-up working day.
    today(D(2026, 9, 30))
    settings.MINUTES_CONSENT_WORKING_DAYS = 3

    services.minutes_review(actor=director, minutes=in_review, approve=True)

    assert reload(in_review).consent_deadline == D(2026, 10, 10)


def test_the_consent_period_is_configurable(in_review, director, settings, today):
    today(D(2026, 4, 30))  # the Labour Day holiday runs 1–5 May
    settings.MINUTES_CONSENT_WORKING_DAYS = 5

    services.minutes_review(actor=director, minutes=in_review, approve=True)

    assert reload(in_review).consent_deadline == D(2026, 5, 11)


def test_only_minutes_in_review_are_circulated(drafted, director, refused):
    with refused(WrongState, match="Only minutes in review can be circulated."):
        services.minutes_review(actor=director, minutes=drafted, approve=True)


# --- Consent ---------------------------------------------------------------------------------


def test_attending_units_consent_or_comment(circulated, liaison, other_liaison, unit, other_unit):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(
        actor=other_liaison,
        minutes=circulated,
        unit=other_unit,
        consent=False,
        comment="第二项请写明共享频次。",
    )

    mine = circulated.responses.get(unit=unit)
    theirs = circulated.responses.get(unit=other_unit)
    assert (mine.answer, mine.answered_by) == ("consented", liaison)
    assert mine.answered_at is not None
    assert (theirs.answer, theirs.comment) == ("commented", "第二项请写明共享频次。")
    assert theirs.history.latest().history_user == other_liaison


@pytest.mark.parametrize(
    ("persona", "for_unit", "message"),
    [
        ("absent_liaison", "absent_unit", "区财政局 did not attend this meeting."),
        ("stranger", "stranger_unit", "区住房城乡建设委 did not attend this meeting."),
        ("liaison", "other_unit", "Only a liaison of 区税务局 can do this."),
        ("clerk", "unit", "Only a liaison of 区公安分局 can do this."),
        ("convener", "unit", "Only a liaison of 区公安分局 can do this."),
    ],
)
def test_only_a_liaison_of_an_attending_unit_responds(
    persona, for_unit, message, request, circulated, refused
):
    actor = request.getfixturevalue(persona)
    for_unit = request.getfixturevalue(for_unit)

    with refused(NotAllowed, match=message):
        services.minutes_respond(actor=actor, minutes=circulated, unit=for_unit, consent=True)


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_comment_needs_its_text(comment, circulated, liaison, unit, refused):
    with refused(MeetingError, match="Write your comments, or consent."):
        services.minutes_respond(
            actor=liaison, minutes=circulated, unit=unit, consent=False, comment=comment
        )


def test_minutes_not_circulated_take_no_answer(in_review, liaison, unit, refused):
    with refused(WrongState, match="not open for consent"):
        services.minutes_respond(actor=liaison, minutes=in_review, unit=unit, consent=True)


def test_after_comments_the_office_revises_and_everyone_is_asked_again(
    circulated, clerk, director, liaison, other_liaison, unit, other_unit, today
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(
        actor=other_liaison, minutes=circulated, unit=other_unit, consent=False, comment="请修改"
    )

    services.minutes_return_to_draft(actor=clerk, minutes=circulated, comment="按税务局意见修改")
    minutes = reload(circulated)
    assert (minutes.status, minutes.review_comment) == ("draft", "按税务局意见修改")

    services.minutes_draft(
        actor=clerk,
        meeting=minutes.meeting,
        text="修改后的纪要。",
        decisions=decisions_data(unit, other_unit),
    )
    services.minutes_submit_for_review(actor=clerk, minutes=minutes)
    today(D(2026, 3, 24))
    services.minutes_review(actor=director, minutes=minutes, approve=True)

    minutes = reload(minutes)
    assert minutes.status == Minutes.Status.CIRCULATED
    assert minutes.consent_deadline == D(2026, 3, 27)
    assert {
        r.unit: (r.answer, r.comment, r.answered_by, r.answered_at) for r in minutes.responses.all()
    } == {unit: ("pending", "", None, None), other_unit: ("pending", "", None, None)}
    # What the units answered the first time is in the responses' history.
    assert MinutesResponse.history.filter(answer="commented", comment="请修改").exists()
    assert {h.history_user for h in MinutesResponse.history.filter(answer="pending")} == {director}


def test_a_unit_marked_absent_before_recirculation_is_no_longer_asked(
    circulated, clerk, director, unit, other_unit, absent_unit
):
    services.minutes_return_to_draft(actor=clerk, minutes=circulated, comment="更正出席情况")
    rows = attendance_rows(unit, other_unit, absent_unit)
    rows[1] = AttendanceData(other_unit.pk, Present.ABSENT)
    services.attendance_record(actor=clerk, meeting=circulated.meeting, rows=rows)
    services.minutes_submit_for_review(actor=clerk, minutes=circulated)

    services.minutes_review(actor=director, minutes=circulated, approve=True)

    assert [r.unit for r in reload(circulated).responses.all()] == [unit]


@pytest.mark.parametrize("persona", ["liaison", "convener"])
def test_only_the_office_revises(persona, request, circulated, refused):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="revise minutes"):
        services.minutes_return_to_draft(actor=actor, minutes=circulated, comment="改")


def test_only_circulated_minutes_are_taken_back(in_review, clerk, refused):
    with refused(WrongState, match="Only circulated minutes can be taken back for revision."):
        services.minutes_return_to_draft(actor=clerk, minutes=in_review, comment="改")


# --- Signing --------------------------------------------------------------------------------


def test_the_convener_signs_once_every_attending_unit_consented(
    circulated, liaison, other_liaison, unit, other_unit, convener
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(actor=other_liaison, minutes=circulated, unit=other_unit, consent=True)

    services.minutes_sign(actor=convener, minutes=circulated)

    minutes = reload(circulated)
    assert minutes.status == Minutes.Status.SIGNED
    assert (minutes.signed_by, minutes.locked) == (convener, True)
    assert minutes.signed_at is not None
    assert minutes.history.latest().history_user == convener


@pytest.mark.parametrize("persona", ["clerk", "director", "liaison"])
def test_only_the_convener_signs(
    persona, request, circulated, liaison, other_liaison, unit, other_unit, refused
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(actor=other_liaison, minutes=circulated, unit=other_unit, consent=True)
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="sign minutes"):
        services.minutes_sign(actor=actor, minutes=circulated)


def test_no_signature_while_a_unit_commented_even_after_the_deadline(
    circulated, liaison, other_liaison, unit, other_unit, convener, today, refused
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(
        actor=other_liaison, minutes=circulated, unit=other_unit, consent=False, comment="请修改"
    )

    for day in (D(2026, 3, 19), D(2026, 4, 1)):
        today(day)
        with refused(WrongState, match="Units commented .*: 区税务局"):
            services.minutes_sign(actor=convener, minutes=circulated)


@pytest.mark.parametrize("day", [D(2026, 3, 18), D(2026, 3, 20), D(2026, 3, 23)])
def test_no_signature_while_units_are_pending_until_the_deadline(
    day, circulated, liaison, unit, convener, today, refused
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    today(day)

    with refused(WrongState, match="Waiting for consent until 2026-03-23 from: 区税务局"):
        services.minutes_sign(actor=convener, minutes=circulated)


def test_after_the_deadline_the_convener_signs_with_units_still_silent(
    circulated, liaison, unit, convener, today
):
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    today(D(2026, 3, 24))

    services.minutes_sign(actor=convener, minutes=circulated)

    minutes = reload(circulated)
    assert minutes.status == Minutes.Status.SIGNED
    assert minutes.responses.get(answer="pending").unit.name == "区税务局"


def test_minutes_not_circulated_are_not_signed(in_review, convener, refused):
    with refused(WrongState, match="Only circulated minutes can be signed."):
        services.minutes_sign(actor=convener, minutes=in_review)


def test_signed_minutes_are_locked(signed, clerk, liaison, unit, other_unit, convener, refused):
    assert reload(signed).locked
    with refused(WrongState, match="Only draft minutes can be edited."):
        services.minutes_draft(
            actor=clerk,
            meeting=signed.meeting,
            text="改",
            decisions=decisions_data(unit, other_unit),
        )
    with refused(WrongState):
        services.minutes_return_to_draft(actor=clerk, minutes=signed, comment="改")
    with refused(WrongState):
        services.minutes_respond(
            actor=liaison, minutes=signed, unit=unit, consent=False, comment="x"
        )
    with refused(WrongState):
        services.minutes_sign(actor=convener, minutes=signed)


# --- Issue and receipt ------------------------------------------------------------------------


def test_the_office_issues_signed_minutes_to_every_active_member_unit(
    signed,
    clerk,
    group,
    unit,
    other_unit,
    absent_unit,
    stranger,
    stranger_unit,
    liaison,
    today,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    MemberUnitFactory(group=group, name="已撤销单位", code="test-gone", active=False)
    MemberUnitFactory(group=group, name="人民银行", code="test-bank", is_member=False)
    today(D(2026, 3, 25))

    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_issue(actor=clerk, minutes=signed)

    minutes = reload(signed)
    assert minutes.status == Minutes.Status.ISSUED
    assert minutes.issued_at is not None
    assert minutes.reported_to_government_at == minutes.issued_at
    assert {r.unit for r in minutes.receipts.all()} == {
        unit,
        other_unit,
        absent_unit,
        stranger_unit,
    }
    assert not minutes.receipts.exclude(acknowledged_at=None).exists()
    # Deadlines in working days from the issue date: ten working days from 25 March cross
    # the Qingming holiday (4–6 April) to 9 April; twenty reach 23 April.
    assert [
        (d.working_days, d.deadline, d.deadline_provisional)
        for d in minutes.decisions.order_by("order")
    ] == [(10, D(2026, 4, 9), False), (20, D(2026, 4, 23), False)]
    assert {h.history_user for h in Decision.history.filter(deadline__isnull=False)} == {clerk}
    message = "Minutes of 2026年第一季度协调会议 are issued: acknowledge receipt."
    assert notified(stranger) == notified(liaison) == [message]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        f"{name}@example.invalid"
        for name in ("liaison", "other-liaison", "absent-liaison", "stranger")
    )
    assert {m.subject for m in mailoutbox} == {"会议纪要已印发"}  # the readers' language


def test_minutes_issued_without_a_report_to_the_government(signed, clerk):
    services.minutes_issue(actor=clerk, minutes=signed, reported_to_government=False)

    minutes = reload(signed)
    assert minutes.status == Minutes.Status.ISSUED
    assert minutes.reported_to_government_at is None


@pytest.mark.parametrize("persona", ["convener", "liaison"])
def test_only_the_office_issues(persona, request, signed, refused):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="issue minutes"):
        services.minutes_issue(actor=actor, minutes=signed)


def test_issued_minutes_are_not_issued_again(issued, clerk, refused):
    with refused(WrongState):
        services.minutes_issue(actor=clerk, minutes=issued)


def test_unsigned_minutes_are_not_issued(circulated, clerk, refused):
    with refused(WrongState, match="Circulated"):
        services.minutes_issue(actor=clerk, minutes=circulated)


def test_each_unit_acknowledges_receipt_once(issued, liaison, absent_liaison, unit, absent_unit):
    receipt = services.minutes_acknowledge(actor=liaison, minutes=issued, unit=unit)
    first = receipt.acknowledged_at

    again = services.minutes_acknowledge(actor=liaison, minutes=issued, unit=unit)
    services.minutes_acknowledge(actor=absent_liaison, minutes=issued, unit=absent_unit)

    assert again.pk == receipt.pk
    receipt = reload(receipt)
    assert (receipt.acknowledged_by, receipt.acknowledged_at) == (liaison, first)
    assert issued.receipts.exclude(acknowledged_at=None).count() == 2
    assert MinutesReceipt.objects.filter(minutes=issued, unit=unit).count() == 1


def test_receipt_is_acknowledged_by_the_units_own_liaison_for_issued_minutes(
    issued, liaison, other_unit, group, clerk, refused
):
    with refused(NotAllowed, match="Only a liaison of 区税务局"):
        services.minutes_acknowledge(actor=liaison, minutes=issued, unit=other_unit)
    with refused(NotAllowed, match="Only a liaison of 区税务局"):
        services.minutes_acknowledge(actor=clerk, minutes=issued, unit=other_unit)
    late = MemberUnitFactory(group=group, name="新成员单位", code="test-new")
    late_liaison = _liaison_of(late, "late-liaison").user
    with refused(NotAllowed, match="not issued to 新成员单位"):
        services.minutes_acknowledge(actor=late_liaison, minutes=issued, unit=late)


def test_no_receipt_before_issue(signed, liaison, unit, refused):
    with refused(WrongState, match="These minutes are not issued."):
        services.minutes_acknowledge(actor=liaison, minutes=signed, unit=unit)


# --- Decisions --------------------------------------------------------------------------------


def test_lead_and_cooperating_units_report_progress(
    decision, liaison, other_liaison, unit, other_unit
):
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="已起草认定办法。"
    )
    services.decision_update_post(
        actor=other_liaison, decision=decision, unit=other_unit, text="已提供税务数据。"
    )

    assert [(u.unit, u.author, u.text, u.reports_done) for u in decision.updates.all()] == [
        (unit, liaison, "已起草认定办法。", False),
        (other_unit, other_liaison, "已提供税务数据。", False),
    ]
    assert reload(decision).status == Decision.Status.OPEN


@pytest.mark.parametrize(
    ("persona", "for_unit", "message"),
    [
        ("absent_liaison", "absent_unit", "not assigned to 区财政局"),
        ("liaison", "other_unit", "Only a liaison of 区税务局"),
        ("clerk", "unit", "Only a liaison of 区公安分局"),
    ],
)
def test_progress_only_from_the_lead_or_cooperating_units(
    persona, for_unit, message, request, decision, refused
):
    actor = request.getfixturevalue(persona)
    for_unit = request.getfixturevalue(for_unit)

    with refused(NotAllowed, match=message):
        services.decision_update_post(actor=actor, decision=decision, unit=for_unit, text="进展")


def test_no_progress_before_the_minutes_are_issued(signed, liaison, unit, refused):
    decision = signed.decisions.get(lead_unit=unit)

    with refused(WrongState, match="not issued yet"):
        services.decision_update_post(actor=liaison, decision=decision, unit=unit, text="进展")


def test_progress_needs_its_text(decision, liaison, unit, refused):
    with refused(MeetingError, match="Describe the progress."):
        services.decision_update_post(actor=liaison, decision=decision, unit=unit, text="  ")


def test_only_the_lead_unit_reports_the_decision_done(decision, other_liaison, other_unit, refused):
    with refused(NotAllowed, match="Only the lead unit reports a decision done."):
        services.decision_update_post(
            actor=other_liaison, decision=decision, unit=other_unit, text="完成", reports_done=True
        )


def test_the_lead_reports_done_and_the_office_closes(
    decision, liaison, unit, clerk, director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_update_post(
            actor=liaison, decision=decision, unit=unit, text="认定办法已印发。", reports_done=True
        )
    decision = reload(decision)
    assert decision.status == Decision.Status.REPORTED_DONE
    assert decision.history.latest().history_user == liaison
    message = "区公安分局 reports a decision done: 建立低保边缘家庭认定机制。"
    assert notified(clerk) == notified(director) == [message]

    services.decision_close(actor=director, decision=decision)

    decision = reload(decision)
    assert (decision.status, decision.closed_by) == (Decision.Status.CLOSED, director)
    assert decision.closed_at is not None
    assert decision.history.latest().history_user == director


def test_a_closed_decision_takes_no_more_progress_nor_closing(
    decision, liaison, unit, clerk, refused
):
    services.decision_close(actor=clerk, decision=decision, reason="已在会上落实。")

    with refused(WrongState, match="This decision is closed."):
        services.decision_update_post(actor=liaison, decision=decision, unit=unit, text="补充")
    with refused(WrongState):
        services.decision_close(actor=clerk, decision=decision, reason="再次销号")
    with refused(WrongState):
        services.decision_send_back(actor=clerk, decision=decision, comment="重开")


@pytest.mark.parametrize("persona", ["liaison", "convener"])
def test_only_the_office_closes_or_sends_back(persona, request, decision, refused):
    actor = request.getfixturevalue(persona)

    with refused(NotAllowed, match="close decisions"):
        services.decision_close(actor=actor, decision=decision)
    with refused(NotAllowed, match="send decisions back"):
        services.decision_send_back(actor=actor, decision=decision, comment="未完成")


def test_a_decision_is_not_closed_before_its_minutes_are_issued(signed, clerk, unit, refused):
    decision = signed.decisions.get(lead_unit=unit)

    with refused(WrongState, match="not issued yet"):
        services.decision_close(actor=clerk, decision=decision)


def test_the_office_sends_a_reported_decision_back_with_a_note(
    decision, liaison, other_liaison, unit, clerk, django_capture_on_commit_callbacks, refused
):
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="已完成。", reports_done=True
    )
    with refused(MeetingError, match="Say what is still to be done."):
        services.decision_send_back(actor=clerk, decision=decision, comment=" ")

    with django_capture_on_commit_callbacks(execute=True):
        services.decision_send_back(actor=clerk, decision=decision, comment="缺少配套文件。")

    decision = reload(decision)
    assert decision.status == Decision.Status.OPEN
    latest = decision.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (clerk, "缺少配套文件。")
    note = decision.updates.latest("pk")
    assert (note.unit, note.author, note.text, note.reports_done) == (
        None,
        clerk,
        "缺少配套文件。",
        False,
    )
    assert notified(liaison) == ["The office sent a decision back: 缺少配套文件。"]
    assert notified(other_liaison) == []


def test_an_open_decision_is_not_sent_back(decision, clerk, refused):
    with refused(WrongState):
        services.decision_send_back(actor=clerk, decision=decision, comment="未完成")


# --- Overdue reminders ------------------------------------------------------------------------


def test_overdue_decisions_remind_their_lead_liaisons_once_a_day(
    issued,
    liaison,
    other_liaison,
    unit,
    other_unit,
    clerk,
    today,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    first = issued.decisions.get(lead_unit=unit)  # due 9 April
    second = issued.decisions.get(lead_unit=other_unit)  # due 23 April

    today(D(2026, 4, 9))  # due today is not overdue
    assert services.decisions_remind_overdue() == 0

    today(D(2026, 4, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decisions_remind_overdue() == 1
    message = (
        "A decision your unit leads is overdue (deadline 2026-04-09): 建立低保边缘家庭认定机制。"
    )
    assert notified(liaison) == [message]
    assert notified(other_liaison) == []  # it only cooperates on the first
    assert [(m.to, m.subject) for m in mailoutbox] == [([liaison.email], "议定事项逾期提醒")]
    assert reload(first).reminded_on == D(2026, 4, 10)

    # The beat runs again the same day: no second reminder.
    with django_capture_on_commit_callbacks(execute=True):
        assert decisions_remind_overdue_task.delay().get() == 0
    assert len(notified(liaison)) == 1
    assert len(mailoutbox) == 1

    # The next working day it reminds again; a closed decision is left alone.
    today(D(2026, 4, 13))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decisions_remind_overdue() == 1
    assert len(notified(liaison)) == 2

    services.decision_close(actor=clerk, decision=first, reason="已在会上落实。")
    today(D(2026, 4, 24))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decisions_remind_overdue() == 1
    assert len(notified(liaison)) == 2
    assert notified(other_liaison) == [
        "A decision your unit leads is overdue (deadline 2026-04-23): 每月共享纳税信息。"
    ]
    assert reload(second).reminded_on == D(2026, 4, 24)
    assert reload(first).reminded_on == D(2026, 4, 13)


def test_no_reminder_for_decisions_of_minutes_not_issued(signed, today):
    # Deadlines exist only from the issue; even a stray one on unissued minutes is ignored.
    Decision.objects.filter(minutes=signed).update(deadline=D(2026, 1, 5))
    today(D(2026, 4, 1))

    assert services.decisions_remind_overdue() == 0


# --- History ------------------------------------------------------------------------------------


def test_every_version_of_the_minutes_is_kept_with_who_made_it(
    held, clerk, director, convener, liaison, other_liaison, unit, other_unit, today
):
    today(D(2026, 3, 18))
    minutes = services.minutes_draft(actor=clerk, meeting=held, text="第一稿", decisions=[])
    services.minutes_draft(actor=clerk, meeting=held, text="第二稿", decisions=[])
    services.minutes_submit_for_review(actor=clerk, minutes=minutes)
    services.minutes_review(actor=director, minutes=minutes, approve=False, comment="再改")
    services.minutes_draft(actor=director, meeting=held, text="第三稿", decisions=[])
    services.minutes_submit_for_review(actor=director, minutes=minutes)
    services.minutes_review(actor=director, minutes=minutes, approve=True)
    services.minutes_respond(actor=liaison, minutes=minutes, unit=unit, consent=True)
    services.minutes_respond(actor=other_liaison, minutes=minutes, unit=other_unit, consent=True)
    services.minutes_sign(actor=convener, minutes=minutes)
    services.minutes_issue(actor=clerk, minutes=minutes)

    versions = [
        (h.text, h.status, h.history_user) for h in reload(minutes).history.order_by("history_id")
    ]
    assert versions == [
        ("第一稿", "draft", clerk),
        ("第二稿", "draft", clerk),
        ("第二稿", "in_review", clerk),
        ("第二稿", "draft", director),
        ("第三稿", "draft", director),
        ("第三稿", "in_review", director),
        ("第三稿", "circulated", director),
        ("第三稿", "signed", convener),
        ("第三稿", "issued", clerk),
    ]


def test_every_change_of_the_whole_workflow_names_its_actor(
    decision, liaison, unit, clerk, director, convener, other_liaison, absent_liaison
):
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="完成。", reports_done=True
    )
    services.decision_send_back(actor=clerk, decision=decision, comment="补材料")
    services.decision_update_post(
        actor=liaison, decision=decision, unit=unit, text="已补。", reports_done=True
    )
    services.decision_close(actor=director, decision=decision)

    for model in (Meeting, AgendaItem, Attendance, Minutes, MinutesResponse, Decision):
        rows = model.history.all()
        assert rows.exists(), model
        assert not rows.filter(history_user=None).exists(), model
    actors = {(h.status, h.history_user.username) for h in Meeting.history.all()}
    assert actors == {("planned", "clerk"), ("agenda_approved", "convener"), ("held", "clerk")}
    assert {h.history_user for h in MinutesResponse.history.filter(answer="consented")} == {
        liaison,
        other_liaison,
    }
    assert [(h.status, h.history_user) for h in decision.history.order_by("history_id")][-5:] == [
        ("open", clerk),  # its deadline, set when the minutes were issued
        ("reported_done", liaison),
        ("open", clerk),
        ("reported_done", liaison),
        ("closed", director),
    ]


# --- History of the work recorded --------------------------------------------------------------


def test_receipts_progress_and_files_have_history_naming_who(
    decision, issued, clerk, liaison, unit, director
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # Issuing created the receipts: the clerk who issued them is named.
    receipt = issued.receipts.get(unit=unit)
    assert [h.history_user for h in receipt.history.all()] == [clerk]
    services.minutes_acknowledge(actor=liaison, minutes=issued, unit=unit)
    latest = receipt.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user) == ("~", liaison)
    assert latest.acknowledged_at is not None

    update = services.decision_update_post(
        actor=liaison,
        decision=decision,
        unit=unit,
        text="已起草认定办法。",
        reports_done=True,
        attachments=[SimpleUploadedFile("办法.pdf", b"%PDF-1.4 test")],
    )
    [record] = update.history.all()
    assert (record.history_type, record.history_user, record.text) == (
        "+",
        liaison,
        "已起草认定办法。",
    )
    [attachment] = update.attachments.all()
    assert [h.history_user for h in attachment.history.all()] == [liaison]

    services.decision_send_back(actor=director, decision=decision, comment="请补充数据。")
    sent_back = decision.updates.get(unit=None)
    assert [h.history_user for h in sent_back.history.all()] == [director]


# --- 催办 of a decision ------------------------------------------------------------------------


def test_the_office_chases_an_open_decision_once_a_day(
    clerk, director, liaison, decision, django_capture_on_commit_callbacks
):
    from assistance.models import Chase

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        chase = services.decision_chase(actor=clerk, decision=decision)
    assert (chase.actor, chase.notified) == (clerk, 1)
    told = Notification.objects.get(user=liaison)
    with translation.override("zh-hans"):
        assert told.text.startswith("办公室催办本单位牵头的议定事项")
    assert decision.history.first().history_change_reason == "chased"
    with translation.override("en"), pytest.raises(MeetingError) as refused:
        services.decision_chase(actor=director, decision=decision)
    assert "already chased today" in refused.value.message
    assert Chase.objects.count() == 1


def test_a_closed_decision_or_a_liaison_cannot_chase(clerk, liaison, decision):
    from assistance.models import Chase

    with pytest.raises(MeetingError):
        services.decision_chase(actor=liaison, decision=decision)
    Decision.objects.filter(pk=decision.pk).update(status=Decision.Status.CLOSED)
    with translation.override("en"), pytest.raises(MeetingError) as refused:
        services.decision_chase(actor=clerk, decision=decision)
    assert "Only a decision in progress" in refused.value.message
    assert not Chase.objects.exists()


def test_the_decision_page_offers_the_chase_to_the_office_only(
    client, clerk, liaison, decision, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    url = reverse("meetings:decision_chase", kwargs={"pk": decision.pk})
    client.force_login(liaison)
    assert url not in client.get(decision.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 404
    client.force_login(clerk)
    assert url in client.get(decision.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, headers={"accept-language": "zh-hans"}, follow=True)
    page = response.content.decode()
    assert "通知了 1 名联络员" in page and 'data-testid="chased-today"' in page
    assert 'data-testid="chase-record"' in page
