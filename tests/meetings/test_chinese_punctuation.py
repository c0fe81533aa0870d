"""Meeting texts joined from pieces use Chinese punctuation in Chinese: the calendar
file's agenda lines, the attendance on the meeting page."""

import pytest
from django.urls import reverse
from icalendar import Calendar

pytestmark = pytest.mark.django_db


def test_calendar_agenda_lines_in_chinese(client, liaison, approved_meeting):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(liaison)
    response = client.get(reverse("meetings:meeting_ics", args=[approved_meeting.pk]))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    assert "1. 车辆信息核对口径（区公安分局）" in description
    assert " (" not in description


def test_calendar_agenda_lines_in_english(client, liaison, approved_meeting):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(liaison)
    response = client.get(reverse("meetings:meeting_ics", args=[approved_meeting.pk]))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert "1. 车辆信息核对口径 (区公安分局)" in str(event["DESCRIPTION"])
