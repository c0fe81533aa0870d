"""A meeting is held only on or after its day (issue 12, item 1): attendance recorded
before the meeting's date was taken as the meeting held, a year ahead, and let minutes be
drafted. The meeting list calls only meetings of the next 30 days "upcoming"; the calendar
shows the year's meetings in month grids with the year's .ics file."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import Attendance, Meeting, Minutes
from meetings.services import AttendanceData, WrongState
from tests.meetings import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def rows(host_unit, unit):
    return [
        AttendanceData(host_unit.pk, Attendance.Presence.PRESENT, "刘建国", "局长"),
        AttendanceData(unit.pk, Attendance.Presence.DELEGATED, "王晓梅", "科员"),
    ]


def test_attendance_before_the_meeting_day_is_refused_and_changes_nothing(
    approved_meeting, clerk, host_unit, unit, english
):
    day = timezone.localdate(approved_meeting.starts_at).isoformat()

    with pytest.raises(WrongState, match=f"takes place on {day}"):
        services.attendance_record(
            actor=clerk, meeting=approved_meeting, rows=rows(host_unit, unit)
        )

    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.AGENDA_APPROVED
    assert not Attendance.objects.exists()


def test_a_meeting_a_year_away_is_not_held_by_its_attendance(
    make_meeting, make_item, clerk, convener, host_unit, unit, english
):
    far = make_meeting(starts_at=factories.starts_at(days=365))
    make_item(far, unit, status="accepted")
    services.agenda_approve(actor=convener, meeting=far)

    with pytest.raises(WrongState, match="on or after that day"):
        services.attendance_record(actor=clerk, meeting=far, rows=rows(host_unit, unit))
    far.refresh_from_db()
    assert far.status == Meeting.Status.AGENDA_APPROVED


def test_on_the_meeting_day_attendance_makes_it_held(approved_meeting, clerk, host_unit, unit):
    factories.meeting_day_arrives(approved_meeting)

    services.attendance_record(actor=clerk, meeting=approved_meeting, rows=rows(host_unit, unit))

    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.HELD


def test_minutes_of_a_held_meeting_dated_in_the_future_are_refused(
    held_meeting, clerk, unit, host_unit, other_unit, english
):
    # A meeting marked held before this rule (or moved later by hand) keeps its date ahead.
    Meeting.objects.filter(pk=held_meeting.pk).update(starts_at=factories.starts_at(days=30))
    held_meeting.refresh_from_db()

    with pytest.raises(WrongState, match="on or after that day"):
        factories.minutes_drafted(
            held_meeting, clerk=clerk, unit=unit, host_unit=host_unit, other_unit=other_unit
        )
    assert not Minutes.objects.exists()


def test_the_meeting_page_shows_the_attendance_button_disabled_with_the_reason(
    client, clerk, approved_meeting
):
    client.force_login(clerk)

    page = client.get(approved_meeting.get_absolute_url())

    html = page.content.decode()
    day = timezone.localdate(approved_meeting.starts_at).isoformat()
    assert 'data-testid="attendance-disabled"' in html
    assert f"The meeting takes place on {day}" in page.context["attendance_refusal"]
    assert reverse("meetings:attendance", args=[approved_meeting.pk]) not in html

    factories.meeting_day_arrives(approved_meeting)
    html = client.get(approved_meeting.get_absolute_url()).content.decode()
    assert 'data-testid="attendance-disabled"' not in html
    assert reverse("meetings:attendance", args=[approved_meeting.pk]) in html


def test_posting_attendance_before_the_day_says_why_and_saves_nothing(
    client, clerk, approved_meeting, host_unit, unit
):
    client.force_login(clerk)
    url = reverse("meetings:attendance", args=[approved_meeting.pk])
    page = client.get(url)
    assert "on or after that day" in page.context["refusal"]

    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}
    response = client.post(url, data)

    assert response.status_code in (200, 400)
    assert not Attendance.objects.exists()
    approved_meeting.refresh_from_db()
    assert approved_meeting.status == Meeting.Status.AGENDA_APPROVED


# --- "Upcoming" only within 30 days -----------------------------------------------------------


def test_only_meetings_of_the_next_30_days_are_upcoming(client, clerk, make_meeting):
    soon = make_meeting(title="近期会议", starts_at=factories.starts_at(days=10))
    far = make_meeting(title="明年会议", starts_at=factories.starts_at(days=300))
    past = make_meeting(title="已过会议", starts_at=factories.starts_at(days=-3))
    client.force_login(clerk)

    page = client.get(reverse("meetings:meeting_list"))

    tags = {m.pk: m.date_tag for m in page.context["page"].object_list}
    assert tags == {soon.pk: "upcoming", far.pk: "planned", past.pk: ""}


def test_a_far_meeting_reads_planned_not_upcoming_in_chinese(client, clerk, make_meeting):
    make_meeting(title="明年会议", starts_at=factories.starts_at(days=300))
    client.force_login(clerk)

    html = client.get(reverse("meetings:meeting_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    text = html.content.decode()
    assert "已计划" in text
    assert "即将召开" not in text


# --- The calendar -----------------------------------------------------------------------------


def test_the_calendar_shows_the_years_meetings_on_their_days(
    client, clerk, make_meeting, django_assert_max_num_queries
):
    year = timezone.localdate().year + 1
    first = make_meeting(
        title="一月协调会",
        starts_at=timezone.make_aware(datetime.datetime(year, 1, 12, 9, 30)),
    )
    make_meeting(
        title="六月协调会",
        starts_at=timezone.make_aware(datetime.datetime(year, 6, 15, 14, 0)),
    )
    make_meeting(
        title="前一年的会",
        starts_at=timezone.make_aware(datetime.datetime(year - 1, 12, 30, 9, 0)),
    )
    client.force_login(clerk)

    page = client.get(reverse("meetings:meeting_calendar"), {"year": year})

    assert page.status_code == 200
    months = page.context["months"]
    assert len(months) == 12 and page.context["count"] == 2
    days = {
        day: [m.title for m in meetings]
        for month in months
        for week in month.weeks
        for day, inside, meetings in week
        if inside and meetings
    }
    assert days == {
        datetime.date(year, 1, 12): ["一月协调会"],
        datetime.date(year, 6, 15): ["六月协调会"],
    }
    html = page.content.decode()
    assert first.get_absolute_url() in html
    assert f"{reverse('meetings:meeting_calendar_ics')}?year={year}" in html


def test_the_calendar_query_count_does_not_grow_with_meetings(
    client, clerk, make_meeting, make_item, unit, convener, django_assert_max_num_queries
):
    year = timezone.localdate().year + 1

    def add(n):
        for i in range(n):
            meeting = make_meeting(
                title=f"会议{i}",
                starts_at=timezone.make_aware(datetime.datetime(year, 1 + i % 12, 10, 9, 0)),
            )
            make_item(meeting, unit, status="accepted", title=f"议题{i}")
            services.agenda_approve(actor=convener, meeting=meeting)

    client.force_login(clerk)
    add(3)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("meetings:meeting_calendar"), {"year": year})
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("meetings:meeting_calendar"), {"year": year})


def test_the_years_ics_holds_each_meeting_as_its_own_file_does(
    client, clerk, approved_meeting, make_meeting
):
    year = timezone.localdate(approved_meeting.starts_at).year
    client.force_login(clerk)

    response = client.get(reverse("meetings:meeting_calendar_ics"), {"year": year})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    own = Calendar.from_ical(
        client.get(reverse("meetings:meeting_ics", args=[approved_meeting.pk])).content
    ).walk("VEVENT")[0]
    event = next(e for e in events if e["uid"] == own["uid"])
    for key in ("summary", "location", "description", "sequence"):
        assert event[key] == own[key]
    assert event.decoded("dtstart") == own.decoded("dtstart")


@pytest.mark.parametrize("year", ["abc", "1800"])
def test_a_year_that_is_not_one_is_refused_with_a_message(client, clerk, year):
    client.force_login(clerk)

    page = client.get(reverse("meetings:meeting_calendar"), {"year": year})
    ics = client.get(reverse("meetings:meeting_calendar_ics"), {"year": year})

    assert page.status_code == ics.status_code == 400
    assert 'data-testid="form-errors"' in page.content.decode()


def test_a_liaison_sees_only_the_meetings_of_their_unit_in_the_calendar(
    client, liaison, other_liaison, make_meeting, host_unit, unit, other_unit
):
    ours = make_meeting(title="我单位参加的会")
    theirs = make_meeting(title="他单位的会", invited_units=[host_unit, other_unit])
    year = timezone.localdate(ours.starts_at).year
    client.force_login(liaison)

    page = client.get(reverse("meetings:meeting_calendar"), {"year": year})

    html = page.content.decode()
    assert ours.get_absolute_url() in html and theirs.get_absolute_url() not in html
