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

The fixtures call the plain functions of ``tests/meetings/factories.py``.

``english`` activates English for messages returned by services outside a request.
Uploaded attachments are written to a temporary folder (``_media_in_tmp``, autouse, in
``tests/conftest.py``).
"""

import pytest
from django.utils import translation

from meetings.models import AgendaItem, Meeting
from tests.meetings import factories


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def host_unit(group):
    return factories.host_unit_for(group)


@pytest.fixture
def make_meeting(group, host_unit, unit, clerk, convener):
    def make(**overrides) -> Meeting:
        data = {"clerk": clerk, "group": group, "convener": convener}
        data["invited_units"] = [host_unit, unit]
        data.update(overrides)
        return factories.meeting_schedule(**data)

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
        return factories.item_make(
            meeting, item_unit, actor=actor, director=director, status=status, **data
        )

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
def approved_meeting(meeting, unit, liaison, host_unit, clerk, director, convener):
    return factories.agenda_approve(
        meeting,
        unit=unit,
        liaison=liaison,
        host_unit=host_unit,
        clerk=clerk,
        director=director,
        convener=convener,
    )


@pytest.fixture
def held_meeting(approved_meeting, clerk, host_unit, unit):
    return factories.attendance_record(
        approved_meeting, clerk=clerk, host_unit=host_unit, unit=unit
    )


@pytest.fixture
def case_meeting(make_meeting):
    return make_meeting(kind=Meeting.Kind.CASE, title="困难家庭个案会商")


@pytest.fixture
def case_household(clerk, group):
    from tests.verification.factories import register_family

    return register_family(actor=clerk, office=group)
