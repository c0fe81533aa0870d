"""The meetings' permission gateways: who sees which meetings, agenda items, minutes and
decisions, and that everyone else gets 404 with no hint that the object exists.

The states are built directly in the database (the services have their own tests): a
regular meeting inviting ``unit`` (whose liaison is ``liaison``) and a partner unit;
``other_unit`` is not invited, so ``other_liaison`` stands for the liaison of a unit
outside the meeting.
"""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from meetings.models import (
    AgendaItem,
    Decision,
    Meeting,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)
from meetings.permissions import (
    decisions_for_user,
    get_decision_for_user,
    get_item_for_user,
    get_meeting_for_user,
    get_minutes_for_user,
    is_staff,
    items_for_user,
    meetings_for_user,
    minutes_for_user,
    require_staff,
)
from tests.factories import MemberUnitFactory

pytestmark = pytest.mark.django_db

STAFF = ["clerk", "director", "convener"]
NOBODY = ["other_liaison", "outsider", "auditor", "administrator"]


@pytest.fixture
def partner_unit(group):
    """Invited with ``unit``; it has no liaison of its own here."""
    return MemberUnitFactory(group=group, name="区卫生健康委", code="test-health")


@pytest.fixture
def meeting(group, unit, partner_unit, clerk):
    return make_meeting(group, [unit, partner_unit])


def make_meeting(group, units, *, status=Meeting.Status.PLANNED, title="第一季度协调会议"):
    meeting = Meeting.objects.create(
        group=group,
        kind=Meeting.Kind.REGULAR,
        title=title,
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 16, 9, 30)),
        status=status,
    )
    meeting.invited_units.set(units)
    return meeting


def make_item(meeting, unit, status, author):
    return AgendaItem.objects.create(
        meeting=meeting,
        unit=unit,
        submitted_by=author,
        title=f"{unit.name}的议题（{status}）",
        background="背景",
        proposal="建议",
        decision_requested="请求议定的事项",
        status=status,
    )


def make_minutes(meeting, status, author, *, responses=(), receipts=()):
    signed = status in (Minutes.Status.SIGNED, Minutes.Status.ISSUED)
    minutes = Minutes.objects.create(
        meeting=meeting,
        text="会议纪要正文",
        status=status,
        drafted_by=author,
        signed_at=timezone.now() if signed else None,
    )
    for unit in responses:
        MinutesResponse.objects.create(minutes=minutes, unit=unit)
    for unit in receipts:
        MinutesReceipt.objects.create(minutes=minutes, unit=unit)
    return minutes


def make_decision(minutes, lead, cooperating=()):
    decision = Decision.objects.create(minutes=minutes, text=f"{lead.name}牵头落实", lead_unit=lead)
    decision.cooperating_units.set(cooperating)
    return decision


def held_meeting(group, units, title):
    return make_meeting(group, units, status=Meeting.Status.HELD, title=title)


# --- Staff see everything ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF)
def test_staff_see_every_meeting_item_minutes_and_decision(
    persona, request, group, meeting, unit, other_unit, partner_unit, clerk
):
    user = request.getfixturevalue(persona)
    other_meeting = make_meeting(group, [other_unit], title="个案协商会")
    item = make_item(other_meeting, other_unit, AgendaItem.Status.DRAFT, clerk)
    minutes = make_minutes(held_meeting(group, [partner_unit], "会商"), Minutes.Status.DRAFT, clerk)
    decision = make_decision(minutes, partner_unit)

    assert is_staff(user)
    require_staff(user)
    assert set(meetings_for_user(user)) == {meeting, other_meeting, minutes.meeting}
    assert set(items_for_user(user)) == {item}
    assert set(minutes_for_user(user)) == {minutes}
    assert set(decisions_for_user(user)) == {decision}
    assert get_meeting_for_user(user, other_meeting.pk) == other_meeting
    assert get_item_for_user(user, item.pk) == item
    assert get_minutes_for_user(user, minutes.pk) == minutes
    assert get_decision_for_user(user, decision.pk) == decision


@pytest.mark.parametrize("persona", ["liaison", *NOBODY])
def test_nobody_else_is_staff(persona, request):
    user = request.getfixturevalue(persona)

    assert not is_staff(user)
    with pytest.raises(Http404):
        require_staff(user)


# --- Meetings ---------------------------------------------------------------------------------


def test_a_liaison_sees_the_meetings_their_unit_is_invited_to(liaison, group, meeting, other_unit):
    elsewhere = make_meeting(group, [other_unit], title="别的会议")

    assert list(meetings_for_user(liaison)) == [meeting]
    assert get_meeting_for_user(liaison, meeting.pk) == meeting
    with pytest.raises(Http404):
        get_meeting_for_user(liaison, elsewhere.pk)


@pytest.mark.parametrize("persona", NOBODY)
def test_a_liaison_of_a_unit_not_invited_and_the_outsider_see_no_meeting(persona, request, meeting):
    user = request.getfixturevalue(persona)

    assert not meetings_for_user(user).exists()
    with pytest.raises(Http404):
        get_meeting_for_user(user, meeting.pk)


def test_a_missing_meeting_is_404_for_staff_too(clerk, meeting):
    with pytest.raises(Http404):
        get_meeting_for_user(clerk, meeting.pk + 1000)


def test_a_deactivated_liaison_sees_nothing(liaison, meeting):
    liaison.liaison.active = False
    liaison.liaison.save()

    assert not meetings_for_user(liaison).exists()
    with pytest.raises(Http404):
        get_meeting_for_user(liaison, meeting.pk)


# --- Agenda items -----------------------------------------------------------------------------


@pytest.fixture
def items(meeting, unit, partner_unit, clerk, liaison):
    """Every status of an item, for the liaison's own unit and for the partner unit."""
    return {
        (owner, status): make_item(meeting, unit_, status, liaison if owner == "own" else clerk)
        for owner, unit_ in (("own", unit), ("partner", partner_unit))
        for status in AgendaItem.Status
    }


def test_a_liaison_sees_all_of_their_units_items_and_others_only_once_approved(liaison, items):
    visible = {
        key for key, item in items.items() if items_for_user(liaison).filter(pk=item.pk).exists()
    }

    assert visible == {("own", s) for s in AgendaItem.Status} | {
        ("partner", AgendaItem.Status.APPROVED)
    }
    # One row per item, however many units the meeting invites.
    assert items_for_user(liaison).count() == len(AgendaItem.Status) + 1
    for (owner, status), item in items.items():
        if (owner, status) in visible:
            assert get_item_for_user(liaison, item.pk) == item
        else:
            with pytest.raises(Http404):
                get_item_for_user(liaison, item.pk)


def test_approved_items_of_a_meeting_the_unit_is_not_invited_to_stay_hidden(
    liaison, group, other_unit, clerk
):
    elsewhere = make_meeting(group, [other_unit], title="别的会议")
    item = make_item(elsewhere, other_unit, AgendaItem.Status.APPROVED, clerk)

    assert not items_for_user(liaison).exists()
    with pytest.raises(Http404):
        get_item_for_user(liaison, item.pk)


@pytest.mark.parametrize("persona", NOBODY)
def test_outsiders_see_no_item(persona, request, items):
    user = request.getfixturevalue(persona)

    assert not items_for_user(user).exists()
    for item in items.values():
        with pytest.raises(Http404):
            get_item_for_user(user, item.pk)


# --- Minutes ----------------------------------------------------------------------------------


@pytest.fixture
def minutes_by_state(group, unit, partner_unit, clerk):
    """Minutes of separate meetings in each state; where circulated, ``unit`` attended
    (it has a response) in ``attended_*`` and was absent (no response) in ``absent_*``;
    issued minutes have a receipt for every member unit."""
    S = Minutes.Status
    result = {}
    for status in S:
        for attended in (True, False):
            meeting = held_meeting(group, [unit, partner_unit], f"{status}-{attended}")
            responses = (
                ([unit, partner_unit] if attended else [partner_unit])
                if status in (S.CIRCULATED, S.SIGNED, S.ISSUED)
                else ()
            )
            receipts = [unit, partner_unit] if status == S.ISSUED else ()
            key = f"{'attended' if attended else 'absent'}_{status}"
            result[key] = make_minutes(
                meeting, status, clerk, responses=responses, receipts=receipts
            )
    return result


def test_a_liaison_sees_minutes_once_circulated_to_their_attending_unit_or_issued_to_it(
    liaison, minutes_by_state
):
    visible = {
        key
        for key, minutes in minutes_by_state.items()
        if minutes_for_user(liaison).filter(pk=minutes.pk).exists()
    }

    assert visible == {
        "attended_circulated",
        "attended_signed",
        "attended_issued",
        # Absent from the meeting, but the issued minutes go to every member unit.
        "absent_issued",
    }
    assert minutes_for_user(liaison).count() == 4
    for key, minutes in minutes_by_state.items():
        if key in visible:
            assert get_minutes_for_user(liaison, minutes.pk) == minutes
        else:
            with pytest.raises(Http404):
                get_minutes_for_user(liaison, minutes.pk)


def test_minutes_taken_back_to_draft_disappear_from_the_units_view(liaison, minutes_by_state):
    minutes = minutes_by_state["attended_circulated"]
    minutes.status = Minutes.Status.DRAFT
    minutes.save()

    with pytest.raises(Http404):
        get_minutes_for_user(liaison, minutes.pk)


@pytest.mark.parametrize("persona", NOBODY)
def test_outsiders_see_no_minutes(persona, request, minutes_by_state):
    user = request.getfixturevalue(persona)

    assert not minutes_for_user(user).exists()
    for minutes in minutes_by_state.values():
        with pytest.raises(Http404):
            get_minutes_for_user(user, minutes.pk)


# --- Decisions --------------------------------------------------------------------------------


@pytest.fixture
def decisions(group, unit, partner_unit, other_unit, clerk):
    """For signed and for issued minutes: one decision ``unit`` leads, one it cooperates
    on, one it has no part in."""
    result = {}
    for status in (Minutes.Status.SIGNED, Minutes.Status.ISSUED):
        meeting = held_meeting(group, [unit, partner_unit, other_unit], str(status))
        minutes = make_minutes(
            meeting,
            status,
            clerk,
            responses=[unit, partner_unit, other_unit],
            receipts=[unit, partner_unit, other_unit] if status == Minutes.Status.ISSUED else (),
        )
        result[(status, "lead")] = make_decision(minutes, unit, [partner_unit])
        result[(status, "cooperating")] = make_decision(minutes, partner_unit, [unit, other_unit])
        result[(status, "none")] = make_decision(minutes, partner_unit, [other_unit])
    return result


def test_a_liaison_sees_decisions_their_unit_leads_or_cooperates_on_once_issued(liaison, decisions):
    issued = Minutes.Status.ISSUED
    expected = {decisions[(issued, "lead")], decisions[(issued, "cooperating")]}

    assert set(decisions_for_user(liaison)) == expected
    assert decisions_for_user(liaison).count() == 2
    for decision in decisions.values():
        if decision in expected:
            assert get_decision_for_user(liaison, decision.pk) == decision
        else:
            with pytest.raises(Http404):
                get_decision_for_user(liaison, decision.pk)


def test_a_cooperating_units_liaison_sees_only_its_own_decisions(other_liaison, decisions):
    issued = Minutes.Status.ISSUED

    assert set(decisions_for_user(other_liaison)) == {
        decisions[(issued, "cooperating")],
        decisions[(issued, "none")],
    }
    with pytest.raises(Http404):
        get_decision_for_user(other_liaison, decisions[(issued, "lead")].pk)


@pytest.mark.parametrize("persona", ["outsider", "auditor", "administrator"])
def test_outsiders_see_no_decision(persona, request, decisions):
    user = request.getfixturevalue(persona)

    assert not decisions_for_user(user).exists()
    for decision in decisions.values():
        with pytest.raises(Http404):
            get_decision_for_user(user, decision.pk)
