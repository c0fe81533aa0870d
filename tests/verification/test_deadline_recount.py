"""A deadline counted into a year whose holidays are unknown is provisional, flagged to the
administrator, and counted again once the year's holidays are entered in the admin."""

import datetime
import re

import pytest
from django.urls import reverse

from assistance.models import CalendarDay
from verification import services, sweeps
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def late_request(today, clerk, authorized_household, items, django_capture_on_commit_callbacks):
    # Monday 28 December 2026 + 5 working days runs into 2027, not yet in chinesecalendar.
    today(datetime.date(2026, 12, 28))
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_submit(actor=clerk, household=authorized_household)


def test_deadline_into_an_unknown_year_is_provisional(late_request):
    deadlines = set(late_request.checks.values_list("deadline", "deadline_provisional"))
    # Counted Monday to Friday for now: Tue 29, Wed 30, Thu 31, Fri 1, Mon 4.
    assert deadlines == {(datetime.date(2027, 1, 4), True)}
    assert sweeps.provisional_deadline_years() == {2027: 2}


def test_admin_is_warned_and_entering_the_year_recounts(
    late_request, admin_client, django_capture_on_commit_callbacks
):
    changelist = reverse("admin:assistance_calendaryear_changelist")
    warnings = [str(m) for m in admin_client.get(changelist).context["messages"]]
    # One warning: two open checks with provisional deadlines in 2027.
    assert len(warnings) == 1
    assert "2027" in warnings[0]
    assert re.search(r"(^|\D)2(\D|$)", warnings[0].replace("2027", ""))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:assistance_calendarday_add"),
            {"date": "2027-01-01", "is_workday": "", "name": "元旦"},
        )
        response = admin_client.post(
            reverse("admin:assistance_calendaryear_add"),
            {"year": "2027", "complete": "on", "note": "国务院办公厅通知"},
        )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=datetime.date(2027, 1, 1)).exists()
    deadlines = set(
        DepartmentCheck.objects.filter(request=late_request).values_list(
            "deadline", "deadline_provisional"
        )
    )
    # New Year's Day is now a holiday: Tue 29, Wed 30, Thu 31, Mon 4, Tue 5.
    assert deadlines == {(datetime.date(2027, 1, 5), False)}
    assert sweeps.provisional_deadline_years() == {}
    assert sweeps.deadlines_recount() == 0  # nothing left to move


def test_calendar_recount_survives_the_broker_down_and_acts_for_the_administrator(
    late_request, admin_client, admin_user, caplog, django_capture_on_commit_callbacks
):
    from assistance.models import AuditEvent, OutboxMessage
    from assistance.outbox import outbox_resend
    from tests.test_outbox import NOW, broker_unreachable, eager

    with broker_unreachable(caplog), django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:assistance_calendaryear_add"),
            {"year": "2027", "complete": "on", "note": "国务院办公厅通知"},
        )
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert (message.task, message.sent_at) == ("verification.tasks.deadlines_recount_task", None)
    assert message.kwargs == {"actor_id": admin_user.pk} and message.actor_id == admin_user.pk
    # Not counted again yet: the message never left.
    assert sweeps.provisional_deadline_years() == {2027: 2}
    with eager(True):
        assert outbox_resend(older_than=NOW) == 1
    assert sweeps.provisional_deadline_years() == {}
    event = AuditEvent.objects.get(action=AuditEvent.Action.DEADLINE_RECOUNT)
    assert event.actor == admin_user
