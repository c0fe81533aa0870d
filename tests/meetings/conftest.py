"""Shared fixtures of the joint-meeting tests. Everything is made through the services, as
the pages would, so each object carries its history and its real state.

The register (from ``tests/conftest.py``): ``group`` with ``unit`` (区公安分局, its liaison
``liaison``) and ``other_unit`` (区税务局, its liaison ``other_liaison``). Added here:

``host_unit``       区民政局, the unit hosting the group's office (``group.office_host_unit``);
                    the group holds an annual kick-off, 4 regular meetings and a year-end
                    review. No liaison persona.
``meeting``         a planned regular meeting of ``group`` in 14 days at 09:30 local time,
                    convened by ``convener``, inviting ``host_unit`` and ``unit`` only:
                    ``other_unit`` is NOT invited, so ``other_liaison`` is the liaison of a
                    unit outside the meeting.
``items``           agenda items of ``meeting`` in each state, a dict keyed by status:
                    ``draft``, ``submitted``, ``returned`` (of ``unit``, by ``liaison``),
                    ``accepted``, ``rejected`` (of ``host_unit``, by ``clerk``). A submitted
                    item is pending, so this meeting's agenda cannot be approved as it is.
``approved_meeting`` ``meeting`` with two accepted items (``unit``'s first, then
                    ``host_unit``'s), its agenda approved by ``convener`` and published (the
                    after-commit task has run: notifications and mail sent).
``held_meeting``    ``approved_meeting`` with attendance recorded (``host_unit`` present,
                    ``unit`` delegated): the meeting is held and its minutes can be drafted.
``case_meeting``    a planned case consultation of ``group`` inviting ``host_unit`` and
                    ``unit``; ``case_household`` a family registered with ``group``'s office.

Factories (fixtures returning functions), for tests needing more:
``make_meeting(**overrides)`` schedules a meeting (keywords of
``services.meeting_schedule``; ``invited_units`` defaults to ``[host_unit, unit]``);
``make_item(meeting, unit, *, status="draft", actor=None, **data)`` drafts an item and moves
it to ``status`` (draft, submitted, accepted, returned, rejected); ``actor`` defaults to the
unit's liaison persona where there is one, else ``clerk``.

``english`` activates English for messages returned by services outside a request.
Uploaded attachments are written to a temporary folder (autouse ``_meeting_media``).
"""

import datetime

import pytest
from django.utils import timezone, translation

from meetings import services
from meetings.models import AgendaItem, Attendance, Meeting
from tests.factories import MemberUnitFactory


@pytest.fixture(autouse=True)
def _meeting_media(settings, tmp_path):
    # Attachments are files: keep them out of the project's media folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def host_unit(group):
    unit = MemberUnitFactory(group=group, name="区民政局", code="test-civil-affairs", order=0)
    group.office_host_unit = unit
    group.meetings_per_year = 4
    group.holds_kickoff = True
    group.holds_year_end = True
    group.save()
    return unit


def _starts_at(days=14, hour=9, minute=30) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def make_meeting(group, host_unit, unit, clerk, convener):
    def make(**overrides) -> Meeting:
        data = {
            "actor": clerk,
            "group": group,
            "kind": Meeting.Kind.REGULAR,
            "title": "2026年第二季度协调会议",
            "starts_at": _starts_at(),
            "place": "区政府第一会议室",
            "convener": convener,
            "invited_units": [host_unit, unit],
        }
        data.update(overrides)
        return services.meeting_schedule(**data)

    return make


@pytest.fixture
def meeting(make_meeting):
    return make_meeting()


@pytest.fixture
def make_item(unit, liaison, clerk, director):
    """Draft an agenda item and move it to ``status`` through the services."""
    authors = {unit.pk: liaison}

    def make(meeting, item_unit, *, status=AgendaItem.Status.DRAFT, actor=None, **data):
        actor = actor or authors.get(item_unit.pk, clerk)
        fields = {
            "title": f"关于{item_unit.name}提报事项的议题",
            "background": "近期工作中发现的跨部门问题。",
            "proposal": "建议由相关单位共同研究解决。",
            "decision_requested": "请会议研究确定牵头单位和完成时限。",
        }
        fields.update(data)
        item = services.agenda_item_create(
            actor=actor, meeting=meeting, unit=item_unit, data=services.ItemData(**fields)
        )
        if status == AgendaItem.Status.DRAFT:
            return item
        item = services.agenda_item_submit(actor=actor, item=item)
        verdict = {
            AgendaItem.Status.ACCEPTED: services.Review.ACCEPT,
            AgendaItem.Status.RETURNED: services.Review.RETURN,
            AgendaItem.Status.REJECTED: services.Review.REJECT,
        }.get(status)
        if verdict is not None:
            comment = "" if verdict == services.Review.ACCEPT else "请补充数据来源。"
            item = services.agenda_item_review(
                actor=director, item=item, verdict=verdict, comment=comment
            )
        item.refresh_from_db()
        assert item.status == status, f"cannot make an item {status!r} here"
        return item

    return make


@pytest.fixture
def items(meeting, make_item, unit, host_unit, clerk):
    status = AgendaItem.Status
    return {
        "draft": make_item(meeting, unit, title="低保边缘家庭认定标准"),
        "submitted": make_item(meeting, unit, status=status.SUBMITTED, title="车辆信息核对口径"),
        "returned": make_item(meeting, unit, status=status.RETURNED, title="户籍注销滞后问题"),
        "accepted": make_item(
            meeting, host_unit, status=status.ACCEPTED, actor=clerk, title="年度救助资金安排"
        ),
        "rejected": make_item(
            meeting, host_unit, status=status.REJECTED, actor=clerk, title="与本会无关的事项"
        ),
    }


@pytest.fixture
def approved_meeting(
    meeting, make_item, unit, host_unit, clerk, convener, django_capture_on_commit_callbacks
):
    make_item(meeting, unit, status=AgendaItem.Status.ACCEPTED, title="车辆信息核对口径")
    make_item(
        meeting, host_unit, status=AgendaItem.Status.ACCEPTED, actor=clerk, title="年度救助资金安排"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.agenda_approve(actor=convener, meeting=meeting)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture
def held_meeting(approved_meeting, clerk, host_unit, unit):
    services.attendance_record(
        actor=clerk,
        meeting=approved_meeting,
        rows=[
            services.AttendanceData(host_unit.pk, Attendance.Presence.PRESENT, "刘建国", "局长"),
            services.AttendanceData(unit.pk, Attendance.Presence.DELEGATED, "王晓梅", "科员"),
        ],
    )
    approved_meeting.refresh_from_db()
    return approved_meeting


@pytest.fixture
def case_meeting(make_meeting):
    return make_meeting(kind=Meeting.Kind.CASE, title="困难家庭个案会商")


@pytest.fixture
def case_household(clerk, group):
    from tests.verification.factories import register_family

    return register_family(actor=clerk, office=group)
