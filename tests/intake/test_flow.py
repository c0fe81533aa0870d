"""Following a case from the window to the decision: saving needs the duplicate check
done for these very applicant details (a signed token made by the check step), and the
application page shows the meeting, the item's status and, once the minutes are issued,
the meeting's decisions. Fixtures: ``tests/intake/conftest.py``."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from intake.models import Application
from meetings.models import Decision, Meeting, Minutes
from tests.intake.conftest import ID_NUMBER, OTHER_ID_NUMBER, receive
from tests.intake.test_views import form_data, post
from tests.meetings.factories import meeting_schedule

pytestmark = pytest.mark.django_db

NOT_CHECKED = "Check for duplicates of these applicant details before saving."


def _check(client, clerk, data):
    response = post(client, clerk, "intake:application_create", {**data, "step": "check"})
    assert response.status_code == 200
    return response.context["check_token"]


def test_save_without_the_check_is_refused_and_saves_nothing(client, clerk, group, program):
    existing = receive(clerk, group, [program])
    data = form_data(group, program, applicant_id_number=ID_NUMBER, step="save")
    response = post(client, clerk, "intake:application_create", data)
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    with override("zh-hans"):
        assert list(errors) == [gettext(NOT_CHECKED)]
    assert response.context["duplicates"].applications == [existing]
    assert Application.objects.count() == 1


def test_a_forged_token_is_refused(client, clerk, group, program):
    data = form_data(group, program, step="save", check_token="forged:token")
    assert post(client, clerk, "intake:application_create", data).status_code == 400
    assert not Application.objects.exists()


def test_check_then_save_receives(client, clerk, group, program):
    data = form_data(group, program)
    token = _check(client, clerk, data)
    response = post(
        client, clerk, "intake:application_create", {**data, "step": "save", "check_token": token}
    )
    assert response.status_code == 302
    assert Application.objects.get().applicant_id_number == OTHER_ID_NUMBER


def test_changing_the_id_number_after_the_check_needs_a_new_check(client, clerk, group, program):
    token = _check(client, clerk, form_data(group, program))
    changed = form_data(group, program, applicant_id_number=ID_NUMBER)
    response = post(
        client,
        clerk,
        "intake:application_create",
        {**changed, "step": "save", "check_token": token},
    )
    assert response.status_code == 400 and not Application.objects.exists()
    token = response.context["check_token"]
    response = post(
        client,
        clerk,
        "intake:application_create",
        {**changed, "step": "save", "check_token": token},
    )
    assert response.status_code == 302 and Application.objects.count() == 1


# --- From the agenda to the decision -----------------------------------------------------------


@pytest.fixture
def on_agenda(client, clerk, convener, group, referred, unit, other_unit):
    application, _, _ = referred
    meeting = meeting_schedule(
        clerk=clerk, group=group, convener=convener, invited_units=[unit, other_unit]
    )
    data = {"meeting": meeting.pk}
    assert post(client, clerk, "intake:to_agenda", data, pk=application.pk).status_code == 302
    application.refresh_from_db()
    return application, meeting


def _page(client, clerk, application):
    client.force_login(clerk)
    return client.get(reverse("intake:application_detail", args=[application.pk]))


def test_the_page_shows_the_meeting_and_the_item_status(client, clerk, on_agenda):
    application, meeting = on_agenda
    response = _page(client, clerk, application)
    page = response.content.decode()
    assert response.context["agenda"].item == application.agenda_item
    assert meeting.title in page
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") in page
    assert str(application.agenda_item.get_status_display()) in page
    assert 'data-testid="agenda-no-minutes"' in page


def test_the_page_shows_the_decisions_once_the_minutes_are_issued(client, clerk, on_agenda, unit):
    application, meeting = on_agenda
    minutes = Minutes.objects.create(
        meeting=meeting,
        text="纪要",
        drafted_by=clerk,
        status=Minutes.Status.SIGNED,
        signed_at=timezone.now(),
    )
    Decision.objects.create(minutes=minutes, text="由区公安分局牵头办理此案。", lead_unit=unit)
    assert "由区公安分局牵头办理此案。" not in _page(client, clerk, application).content.decode()
    minutes.status = Minutes.Status.ISSUED
    minutes.issued_at = timezone.now()
    minutes.save()
    page = _page(client, clerk, application).content.decode()
    assert "由区公安分局牵头办理此案。" in page
    assert 'data-testid="agenda-decision"' in page


def test_the_decision_on_this_case_is_shown_alone_and_links_back(client, clerk, on_agenda, unit):
    """Minutes that name the decision settling the case's item: the application shows that
    decision only, and the decision's page links back to the application."""
    application, meeting = on_agenda
    minutes = Minutes.objects.create(
        meeting=meeting,
        text="纪要",
        drafted_by=clerk,
        status=Minutes.Status.ISSUED,
        signed_at=timezone.now(),
        issued_at=timezone.now(),
    )
    settles = Decision.objects.create(
        minutes=minutes, text="给予临时救助。", lead_unit=unit, agenda_item=application.agenda_item
    )
    Decision.objects.create(minutes=minutes, text="另一议题的事项。", lead_unit=unit, order=2)
    response = _page(client, clerk, application)
    assert response.context["agenda"].settled
    assert response.context["agenda"].decisions == [settles]
    assert "另一议题的事项。" not in response.content.decode()
    client.force_login(clerk)
    decision_page = client.get(reverse("meetings:decision_detail", args=[settles.pk]))
    link = reverse("intake:application_detail", args=[application.pk])
    assert f'href="{link}" data-testid="item-origin"' in decision_page.content.decode()


def test_a_decision_settles_only_an_item_of_its_meeting(clerk, convener, group, on_agenda, unit):
    from meetings.services import MeetingError
    from meetings.services.minutes import DecisionData, _check_decisions

    application, meeting = on_agenda
    other = meeting_schedule(clerk=clerk, group=group, convener=convener, invited_units=[unit])
    data = DecisionData(
        text="事项", lead_unit_id=unit.pk, agenda_item_id=application.agenda_item_id
    )
    _check_decisions(meeting, [data])  # the item is on this meeting's agenda
    with pytest.raises(MeetingError):
        _check_decisions(other, [data])


def test_an_application_on_no_agenda_shows_none(client, clerk, group, program):
    application = receive(clerk, group, [program])
    response = _page(client, clerk, application)
    assert response.context["agenda"] is None
    assert 'data-testid="agenda"' not in response.content.decode()


def test_the_demo_puts_one_case_on_a_meeting_agenda(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    (application,) = Application.objects.filter(agenda_item__isnull=False)
    assert application.agenda_item.meeting.kind == Meeting.Kind.CASE
    call_command("load_demo")
    assert Application.objects.filter(agenda_item__isnull=False).count() == 1
    assert Meeting.objects.filter(kind=Meeting.Kind.CASE).count() == 1
