"""Plain functions that build joint meetings through ``meetings.services``, as the pages
would, so each object carries its history and its real state. The fixtures of
``tests/meetings/conftest.py`` call them for one test; a module that builds its objects
once (``tests/meetings/test_agenda_access.py``) calls them directly."""

import datetime

from django.test import TestCase
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Attendance, Meeting
from tests.factories import MemberUnitFactory


def host_unit_for(group):
    """区民政局, the unit hosting ``group``'s office; the group then holds an annual
    kick-off, 4 regular meetings and a year-end review."""
    unit = MemberUnitFactory(group=group, name="区民政局", code="test-civil-affairs", order=0)
    group.office_host_unit = unit
    group.meetings_per_year = 4
    group.holds_kickoff = True
    group.holds_year_end = True
    group.save()
    return unit


def starts_at(days=14, hour=9, minute=30) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def meeting_schedule(*, clerk, group, convener, invited_units, **overrides) -> Meeting:
    """A planned regular meeting of ``group`` in 14 days at 09:30, scheduled by ``clerk``;
    ``overrides`` are keywords of ``services.meeting_schedule``."""
    data = {
        "actor": clerk,
        "group": group,
        "kind": Meeting.Kind.REGULAR,
        "title": "2026年第二季度协调会议",
        "starts_at": starts_at(),
        "place": "区政府第一会议室",
        "convener": convener,
        "invited_units": invited_units,
    }
    data.update(overrides)
    return services.meeting_schedule(**data)


_VERDICTS = {
    AgendaItem.Status.ACCEPTED: services.Review.ACCEPT,
    AgendaItem.Status.RETURNED: services.Review.RETURN,
    AgendaItem.Status.REJECTED: services.Review.REJECT,
}


def item_make(meeting, unit, *, actor, director, status=AgendaItem.Status.DRAFT, **data):
    """An agenda item of ``unit`` drafted by ``actor`` and moved to ``status`` (draft,
    submitted, accepted, returned, rejected; ``director`` reviews)."""
    fields = {
        "title": f"关于{unit.name}提报事项的议题",
        "background": "近期工作中发现的跨部门问题。",
        "proposal": "建议由相关单位共同研究解决。",
        "decision_requested": "请会议研究确定牵头单位和完成时限。",
    }
    fields.update(data)
    item = services.agenda_item_create(
        actor=actor, meeting=meeting, unit=unit, data=services.ItemData(**fields)
    )
    if status == AgendaItem.Status.DRAFT:
        return item
    item = services.agenda_item_submit(actor=actor, item=item)
    verdict = _VERDICTS.get(status)
    if verdict is not None:
        comment = "" if verdict == services.Review.ACCEPT else "请补充数据来源。"
        item = services.agenda_item_review(
            actor=director, item=item, verdict=verdict, comment=comment
        )
    item.refresh_from_db()
    assert item.status == status, f"cannot make an item {status!r} here"
    return item


def agenda_approve(meeting, *, unit, liaison, host_unit, clerk, director, convener) -> Meeting:
    """``meeting`` with two accepted items (``unit``'s by ``liaison`` first, then
    ``host_unit``'s by ``clerk``), its agenda approved by ``convener`` and published (the
    after-commit task has run: notifications and mail sent)."""
    accepted = AgendaItem.Status.ACCEPTED
    item_make(
        meeting, unit, actor=liaison, director=director, status=accepted, title="车辆信息核对口径"
    )
    item_make(
        meeting,
        host_unit,
        actor=clerk,
        director=director,
        status=accepted,
        title="年度救助资金安排",
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.agenda_approve(actor=convener, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


def meeting_day_arrives(meeting) -> Meeting:
    """The meeting's day has come: the meeting now starts today, at its planned time (a
    meeting is held, and its attendance recorded, only on or after its day). The clock of
    the test world moves, not the meeting's record: no history row, no service call."""
    local = timezone.localtime(meeting.starts_at)
    today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), local.time()))
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=today)
    meeting.refresh_from_db()
    return meeting


def attendance_record(meeting, *, clerk, host_unit, unit) -> Meeting:
    """On the meeting's day, ``host_unit`` present and ``unit`` delegated: the meeting is
    held."""
    meeting_day_arrives(meeting)
    services.attendance_record(
        actor=clerk,
        meeting=meeting,
        rows=[
            services.AttendanceData(host_unit.pk, Attendance.Presence.PRESENT, "刘建国", "局长"),
            services.AttendanceData(unit.pk, Attendance.Presence.DELEGATED, "王晓梅", "科员"),
        ],
    )
    meeting.refresh_from_db()
    return meeting


MINUTES_TEXT = (
    "会议听取了区民政局关于第一季度困难群众基本生活保障工作情况的汇报，"
    "研究了车辆信息核对口径等问题。"
)


def decisions_for(unit, host_unit, other_unit):
    """Decision 1 led by ``unit`` with the host; decision 2 led by the host with
    ``other_unit`` cooperating (a member unit that did not attend)."""
    return [
        services.DecisionData(
            text="由区公安分局牵头，统一车辆信息核对口径。",
            lead_unit_id=unit.pk,
            cooperating_unit_ids=[host_unit.pk],
            working_days=10,
        ),
        services.DecisionData(
            text="由区民政局牵头，会同区税务局安排年度救助资金。",
            lead_unit_id=host_unit.pk,
            cooperating_unit_ids=[other_unit.pk],
            working_days=20,
        ),
    ]


def minutes_drafted(held_meeting, *, clerk, unit, host_unit, other_unit):
    """Minutes of ``held_meeting`` drafted by ``clerk``, with the two decisions above."""
    return services.minutes_draft(
        actor=clerk,
        meeting=held_meeting,
        text=MINUTES_TEXT,
        document_number="第3期",
        decisions=decisions_for(unit, host_unit, other_unit),
    )


def minutes_circulated(drafted, *, clerk, director):
    """``drafted`` submitted by ``clerk`` and approved by ``director``: out for consent."""
    services.minutes_submit_for_review(actor=clerk, minutes=drafted)
    return services.minutes_review(actor=director, minutes=drafted, approve=True)


def minutes_signed(circulated, *, liaison, host_liaison, unit, host_unit, convener):
    """Both attending units consent; ``convener`` signs."""
    services.minutes_respond(actor=liaison, minutes=circulated, unit=unit, consent=True)
    services.minutes_respond(actor=host_liaison, minutes=circulated, unit=host_unit, consent=True)
    return services.minutes_sign(actor=convener, minutes=circulated)


def minutes_issued(signed, *, clerk):
    return services.minutes_issue(actor=clerk, minutes=signed)
