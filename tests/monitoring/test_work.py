"""Work on warnings: assignment by the office, the visit's outcome (an application with the
channel 主动发现 and the warning linked, or no help with a reason), overdue escalation, and
an evaluation sent after an extract is imported."""

import datetime

import pytest
from django.utils import timezone

from assistance.models import Notification
from intake.models import Application, ApplicationEvent
from monitoring import services, sweeps
from monitoring.models import EarlyWarning, EvaluationRun, Grade, RuleKind
from monitoring.services import MonitoringError, VisitFindings
from tests.factories import AssistanceProgramFactory, MemberUnitFactory

from .conftest import extract, rule, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def warning(group, liaison, unit, items, members):
    rule(group, RuleKind.HOSPITAL_COSTS, grade=Grade.RED, min_amount=10000)
    extract(liaison, unit, [(members[1].id_number, "mon-hospital", "肺炎住院", "26000")])
    run()
    return EarlyWarning.objects.get()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what a service leaves for after the commit (its notifications)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_office_assigns_and_the_unit_is_told(warning, director, town, town_liaison, commit):
    with commit():
        services.warning_assign(actor=director, warning=warning, unit=town)
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.ASSIGNED
    assert (warning.assigned_unit, warning.assigned_by) == (town, director)
    assert warning.history.latest().history_user == director
    (told,) = Notification.objects.filter(user=town_liaison)
    assert told.url == f"/monitoring/{warning.pk}/" and "大峪街道" in told.text


def test_only_the_office_assigns_and_only_to_its_group(
    warning, liaison, director, town, town_liaison
):
    with pytest.raises(MonitoringError):
        services.warning_assign(actor=liaison, warning=warning, unit=town)
    elsewhere = MemberUnitFactory(name="别区街道", code="elsewhere")
    with pytest.raises(MonitoringError) as refused:
        services.warning_assign(actor=director, warning=warning, unit=elsewhere)
    assert refused.value.field == "unit"
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.RAISED and warning.assigned_unit is None


def test_a_visit_that_finds_need_becomes_an_application(
    group, warning, director, town, town_liaison, unit, members, commit
):
    medical = AssistanceProgramFactory(group=group, name="医疗救助", lead_unit=unit)
    services.warning_assign(actor=director, warning=warning, unit=town)
    with commit():
        application = services.warning_needed(
            actor=town_liaison,
            warning=warning,
            found=VisitFindings(
                hardship="住院自付2.6万元，家庭无力承担。", programs=[medical], phone="13800000000"
            ),
        )
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.NEEDED and warning.application == application
    assert warning.visited_by == town_liaison and warning.closed_at is not None
    assert application.channel == Application.Channel.PROACTIVE
    assert application.status == Application.Status.RECEIVED
    assert (application.household, application.applicant_name) == (
        members[1].household,
        members[1].name,
    )
    assert application.applicant_id_number == members[1].id_number
    assert list(application.programs.all()) == [medical]
    (received,) = application.events.filter(kind=ApplicationEvent.Kind.RECEIVED)
    assert received.actor == town_liaison and "肺炎住院" in received.text
    assert Notification.objects.filter(user=director, url=f"/intake/{application.pk}/").exists()


def test_no_help_needed_needs_a_reason_and_changes_nothing_without(
    warning, director, town, town_liaison
):
    services.warning_assign(actor=director, warning=warning, unit=town)
    with pytest.raises(MonitoringError) as refused:
        services.warning_not_needed(actor=town_liaison, warning=warning, reason="  ")
    assert refused.value.field == "reason"
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.ASSIGNED
    services.warning_not_needed(actor=town_liaison, warning=warning, reason="已由商业保险报销")
    warning.refresh_from_db()
    assert warning.status == EarlyWarning.Status.NOT_NEEDED
    assert warning.visit_note == "已由商业保险报销" and not Application.objects.exists()


def test_only_the_assigned_unit_records_the_visit(
    warning, director, town, town_liaison, liaison, group
):
    with pytest.raises(MonitoringError):  # not assigned yet
        services.warning_not_needed(actor=town_liaison, warning=warning, reason="无需")
    services.warning_assign(actor=director, warning=warning, unit=town)
    for someone in (liaison, director):
        with pytest.raises(MonitoringError):
            services.warning_needed(actor=someone, warning=warning, found=VisitFindings("困难"))
    other_town = MemberUnitFactory(group=group, name="城子街道办事处", code="test-chengzi")
    services.warning_assign(actor=director, warning=warning, unit=other_town)
    with pytest.raises(MonitoringError):  # given to another town since
        services.warning_not_needed(actor=town_liaison, warning=warning, reason="无需")


def test_a_closed_warning_cannot_be_assigned(warning, director, town, town_liaison):
    services.warning_assign(actor=director, warning=warning, unit=town)
    services.warning_not_needed(actor=town_liaison, warning=warning, reason="无需")
    with pytest.raises(MonitoringError):
        services.warning_assign(actor=director, warning=warning, unit=town)


def test_overdue_warnings_escalate_as_checks_do(warning, director, town, town_liaison, commit):
    services.warning_assign(actor=director, warning=warning, unit=town)
    late = warning.deadline + datetime.timedelta(days=1)
    with commit():
        first = sweeps.warnings_mark_overdue(today=late)
    warning.refresh_from_db()
    assert (first.marked, first.reminded) == (1, 1) and warning.overdue
    assert warning.history.latest().overdue
    assert Notification.objects.filter(user=town_liaison).count() == 1
    assert Notification.objects.filter(user=director).count() == 1
    with commit():
        again = sweeps.warnings_mark_overdue(today=late)  # the same day: nothing twice
    assert (again.marked, again.reminded) == (0, 0)
    assert Notification.objects.count() == 2
    with commit():
        next_day = sweeps.warnings_mark_overdue(today=late + datetime.timedelta(days=1))
    assert (next_day.marked, next_day.reminded) == (0, 1)


def test_an_unassigned_overdue_warning_is_the_office_s(warning, director, commit):
    with commit():
        sweeps.warnings_mark_overdue(today=warning.deadline + datetime.timedelta(days=1))
    (told,) = Notification.objects.filter(user=director)
    assert "1" in told.text and told.url == "/monitoring/?overdue=1"


def test_an_extract_imported_sends_an_evaluation(
    group, liaison, unit, items, members, django_capture_on_commit_callbacks
):
    rule(group, RuleKind.UNEMPLOYED)
    with django_capture_on_commit_callbacks(execute=True):
        extract(liaison, unit, [(members[0].id_number, "mon-unemployed")])
    (evaluation,) = EvaluationRun.objects.all()
    assert evaluation.trigger == EvaluationRun.Trigger.EXTRACT and evaluation.raised == 1
    assert evaluation.started_by == liaison and evaluation.finished_at is not None
    assert EarlyWarning.objects.get().history.get().history_user == liaison


def test_the_office_asks_for_an_evaluation(group, clerk, liaison):
    rule(group, RuleKind.ELDERLY_ALONE)
    assert services.evaluation_request(actor=clerk)
    assert EvaluationRun.objects.get().trigger == EvaluationRun.Trigger.OFFICE
    with pytest.raises(MonitoringError):
        services.evaluation_request(actor=liaison)


def test_a_rule_evaluated_on_two_days_keeps_the_first_deadline(warning):
    deadline = warning.deadline
    run(today=timezone.localdate() + datetime.timedelta(days=3))
    warning.refresh_from_db()
    assert warning.deadline == deadline and EarlyWarning.objects.count() == 1


def test_a_batch_completed_sends_an_evaluation(
    group, clerk, unit, items, family, django_capture_on_commit_callbacks
):
    from tests.verification.factories import authorize_all
    from verification.batches import batch_submit

    rule(group, RuleKind.ELDERLY_ALONE)
    authorize_all(actor=clerk, household=family)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_submit(actor=clerk, office=group, due_only=False)
    batch.refresh_from_db()
    assert batch.status == "completed"
    (evaluation,) = EvaluationRun.objects.all()
    assert evaluation.trigger == EvaluationRun.Trigger.BATCH and evaluation.started_by == clerk
