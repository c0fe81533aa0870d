"""The yearly plan of meetings, generated from each seed group's meeting rule.

The rules, as the seed notices give them (and the fixtures store them):
huangchuan (004) an annual kick-off, one coordination meeting a quarter and a year-end
review; dehong (003) twice a year; zhangbei (001) twelve a year; xicheng (002) quarterly;
mentougou (000) the annual kick-off only. Every planned date is a working day on the
Chinese calendar of 2026: a date that falls on a weekend or a holiday moves to the next
working day (the Spring Festival holiday of 15–23 February 2026 moves the first quarter's
meeting from the 15th to the 24th).
"""

import datetime
from pathlib import Path

import chinese_calendar
import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from assistance.models import CalendarDay
from meetings import services
from meetings.models import Meeting
from meetings.services import MeetingError, NotAllowed, WrongState
from members.models import LeadingGroup, MemberUnit

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
D = datetime.date
KICKOFF, REGULAR, YEAR_END = Meeting.Kind.KICKOFF, Meeting.Kind.REGULAR, Meeting.Kind.YEAR_END

# The 2026 plan of each seed group: (kind, date). Mid-month dates move forward to the first
# working day: 10 Jan is a Saturday, 15 Feb falls in the Spring Festival holiday (to 23
# Feb), 15 Mar, 15 Aug and 15 Nov are Sundays or Saturdays.
PLANS_2026 = {
    "huangchuan": [
        (KICKOFF, D(2026, 1, 12)),
        (REGULAR, D(2026, 2, 24)),
        (REGULAR, D(2026, 5, 15)),
        (REGULAR, D(2026, 8, 17)),
        (REGULAR, D(2026, 11, 16)),
        (YEAR_END, D(2026, 12, 15)),
    ],
    "dehong": [(REGULAR, D(2026, 4, 15)), (REGULAR, D(2026, 10, 15))],
    "zhangbei": [
        (REGULAR, day)
        for day in [
            D(2026, 1, 15),
            D(2026, 2, 24),
            D(2026, 3, 16),
            D(2026, 4, 15),
            D(2026, 5, 15),
            D(2026, 6, 15),
            D(2026, 7, 15),
            D(2026, 8, 17),
            D(2026, 9, 15),
            D(2026, 10, 15),
            D(2026, 11, 16),
            D(2026, 12, 15),
        ]
    ],
    "xicheng": [
        (REGULAR, D(2026, 2, 24)),
        (REGULAR, D(2026, 5, 15)),
        (REGULAR, D(2026, 8, 17)),
        (REGULAR, D(2026, 11, 16)),
    ],
    "mentougou": [(KICKOFF, D(2026, 1, 12))],
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def load(code: str) -> LeadingGroup:
    call_command("loaddata", str(FIXTURES / f"{code}.json"), verbosity=0)
    return LeadingGroup.objects.get(code=code)


def local_day(meeting: Meeting) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date()


@pytest.mark.parametrize("code", sorted(PLANS_2026))
def test_plan_dates_follow_each_seed_groups_rule(code):
    group = load(code)

    plan = services.plan_dates(group, 2026)

    assert [(str(kind), day) for kind, day in plan] == [
        (str(kind), day) for kind, day in PLANS_2026[code]
    ]
    for _kind, day in plan:
        assert chinese_calendar.is_workday(day), day
        assert not chinese_calendar.is_holiday(day), day


@pytest.mark.parametrize("code", sorted(PLANS_2026))
def test_plan_generate_creates_the_years_meetings_inviting_every_active_member_unit(
    code, clerk, convener
):
    group = load(code)
    members = set(group.units.filter(active=True, is_member=True).values_list("pk", flat=True))

    meetings = services.plan_generate(
        actor=clerk, group=group, year=2026, place="区政府第一会议室", convener=convener
    )

    assert [(m.kind, local_day(m)) for m in meetings] == PLANS_2026[code]
    assert Meeting.objects.filter(group=group).count() == len(PLANS_2026[code])
    for meeting in Meeting.objects.filter(group=group).prefetch_related("invited_units"):
        assert meeting.status == Meeting.Status.PLANNED
        assert meeting.place == "区政府第一会议室"
        assert meeting.convener == convener
        assert timezone.localtime(meeting.starts_at).time() == datetime.time(9, 30)
        assert {u.pk for u in meeting.invited_units.all()} == members
        # Planned by the clerk: the history says so, for the meeting and its invitations.
        assert {h.history_user for h in meeting.history.all()} == {clerk}


def test_huangchuan_plan_has_a_kickoff_one_meeting_a_quarter_and_a_year_end_review(clerk):
    group = load("huangchuan")

    meetings = services.plan_generate(actor=clerk, group=group, year=2026)

    kickoff, *regular, year_end = meetings
    assert kickoff.kind == KICKOFF and local_day(kickoff).month == 1
    assert year_end.kind == YEAR_END and local_day(year_end).month == 12
    assert [m.kind for m in regular] == [REGULAR] * 4
    assert [(local_day(m).month - 1) // 3 + 1 for m in regular] == [1, 2, 3, 4]
    assert [m.title for m in regular] == [
        f"2026 regular coordination meeting no. {n}" for n in (1, 2, 3, 4)
    ]
    assert kickoff.title == "2026 Annual kick-off meeting"
    assert year_end.title == "2026 Year-end review meeting"


def test_huangchuan_invites_its_fifteen_members_not_the_central_bank_branch(clerk):
    # 人民银行 carries a duty in the notice but is not a member unit.
    group = load("huangchuan")
    bank = MemberUnit.objects.get(group=group, name="人民银行")
    assert not bank.is_member

    meetings = services.plan_generate(actor=clerk, group=group, year=2026)

    for meeting in meetings:
        invited = set(meeting.invited_units.all())
        assert len(invited) == 15
        assert bank not in invited


def test_zhangbei_meets_once_a_month(clerk):
    group = load("zhangbei")

    meetings = services.plan_generate(actor=clerk, group=group, year=2026)

    assert [local_day(m).month for m in meetings] == list(range(1, 13))
    assert {m.kind for m in meetings} == {REGULAR}


def test_a_date_on_a_holiday_moves_to_the_next_working_day(db):
    group = load("xicheng")
    # 15 Feb 2026 is in the Spring Festival holiday; the 24th is the first working day after.
    assert chinese_calendar.is_holiday(D(2026, 2, 15))
    assert all(chinese_calendar.is_holiday(D(2026, 2, d)) for d in range(15, 24))

    first = services.plan_dates(group, 2026)[0]

    assert first == (REGULAR, D(2026, 2, 24))


def test_a_holiday_entered_by_the_administrator_moves_the_date_too(db):
    group = load("dehong")
    CalendarDay.objects.create(date=D(2026, 4, 15), is_workday=False, name="地方假日")

    assert services.plan_dates(group, 2026)[0] == (REGULAR, D(2026, 4, 16))


def test_inactive_units_are_not_invited(clerk):
    group = load("dehong")
    retired = group.units.order_by("order").first()
    retired.active = False
    retired.save()

    meetings = services.plan_generate(actor=clerk, group=group, year=2026)

    for meeting in meetings:
        assert retired not in meeting.invited_units.all()
        assert meeting.invited_units.count() == 8


def test_a_second_plan_for_the_same_year_is_refused_and_creates_nothing(clerk, director):
    group = load("huangchuan")
    services.plan_generate(actor=clerk, group=group, year=2026)
    before = list(Meeting.objects.order_by("pk").values())
    history = Meeting.history.count()

    with pytest.raises(WrongState, match="2026 already has a plan: edit its meetings."):
        services.plan_generate(actor=director, group=group, year=2026)

    assert list(Meeting.objects.order_by("pk").values()) == before
    assert Meeting.history.count() == history


def test_another_year_or_another_group_can_still_be_planned(clerk):
    huangchuan, dehong = load("huangchuan"), load("dehong")
    services.plan_generate(actor=clerk, group=huangchuan, year=2026)

    services.plan_generate(actor=clerk, group=dehong, year=2026)
    services.plan_generate(actor=clerk, group=huangchuan, year=2027)

    assert Meeting.objects.filter(group=huangchuan, starts_at__year=2027).count() == 6
    assert Meeting.objects.filter(group=dehong).count() == 2


def test_an_ad_hoc_meeting_does_not_count_as_a_plan(clerk, group, unit):
    group.meetings_per_year = 4
    group.save()
    services.meeting_schedule(
        actor=clerk,
        group=group,
        kind=Meeting.Kind.CASE,
        title="个案协商",
        starts_at=timezone.make_aware(datetime.datetime(2026, 3, 3, 14, 0)),
        invited_units=[unit],
    )

    meetings = services.plan_generate(actor=clerk, group=group, year=2026)

    assert len(meetings) == 4


def test_a_group_without_a_rule_has_nothing_to_plan(clerk, group):
    assert not group.meetings_per_year and not group.holds_kickoff and not group.holds_year_end

    with pytest.raises(MeetingError, match="sets no regular meetings"):
        services.plan_generate(actor=clerk, group=group, year=2026)

    assert not Meeting.objects.exists()


@pytest.mark.parametrize("persona", ["liaison", "convener", "auditor", "administrator", "outsider"])
def test_only_the_office_generates_a_plan(persona, request, unit):
    group = load("xicheng")
    actor = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed, match="Your role does not allow you to plan meetings."):
        services.plan_generate(actor=actor, group=group, year=2026)

    assert not Meeting.objects.exists()
    assert not Meeting.history.exists()
