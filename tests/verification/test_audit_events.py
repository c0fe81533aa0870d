"""Bulk and set-based writes leave one audit event each (a sweep, a recount, a batch's
chunk), naming the user who started the work or the system job; work done in Celery
tasks is attributed to the user who started it, never to whoever's request the thread
happens to serve."""

import datetime

import pytest
from celery import shared_task
from django.urls import reverse
from django.utils import translation

from assistance.audit import ACTOR_HEADER, acting_as
from assistance.models import AuditEvent, CalendarYear
from assistance.services import audit_event_record
from assistance.taskrun import _name_the_starter
from tests.verification.factories import authorize_all
from tests.verification.helpers import submit as submit_request
from tests.verification.test_batches import make_households, prepared, upload_snapshot
from verification import batches, services, tasks
from verification.batches import preparation
from verification.models import DepartmentCheck, VerificationRequest

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture(autouse=True)
def _english():
    # Summaries are written in the site's language at the time; these tests read English.
    with translation.override("en"):
        yield


@pytest.fixture
def held(monkeypatch):
    """Prepare batches without sending the departments their tasks (as in test_batches)."""
    monkeypatch.setattr(preparation, "_send_process_unit", lambda *args: True)


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --- Sweeps and recounts ---------------------------------------------------------------------


def test_the_overdue_sweep_run_by_beat_is_the_systems(
    clerk, liaison, unit, items, household, today, django_capture_on_commit_callbacks
):
    today(datetime.date(2026, 3, 2))
    authorize_all(actor=clerk, household=household)
    submit_request(django_capture_on_commit_callbacks, actor=clerk, household=household)
    today(datetime.date(2026, 3, 20))
    # As beat sends it: no user started it.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.checks_mark_overdue_task.apply().get() == {"marked": 2, "reminded": 2}
    [marked] = _events(Action.OVERDUE_SWEEP)
    assert marked.actor is None
    assert marked.actor_name == "system: overdue sweep"
    assert marked.object_type == "verification.DepartmentCheck"
    assert marked.count == 2
    assert "2 open checks" in marked.summary
    [reminded] = _events(Action.OVERDUE_REMINDERS)
    ids = sorted(DepartmentCheck.objects.values_list("pk", flat=True))
    assert (reminded.count, reminded.first_id, reminded.last_id) == (2, ids[0], ids[-1])
    # A second sweep the same day changes nothing and records nothing.
    tasks.checks_mark_overdue_task.apply()
    assert AuditEvent.objects.filter(action__startswith="overdue").count() == 2


def test_a_recount_started_by_an_administrator_is_theirs(
    today,
    clerk,
    authorized_household,
    items,
    admin_client,
    admin_user,
    django_capture_on_commit_callbacks,
):
    today(datetime.date(2026, 12, 28))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(actor=clerk, household=authorized_household)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:assistance_calendaryear_add"),
            {"year": "2027", "complete": "on", "note": "国务院办公厅通知"},
        )
    [event] = _events(Action.DEADLINE_RECOUNT)
    assert event.actor == admin_user
    assert event.count == 2


def test_a_recount_nobody_started_is_the_systems(
    today, clerk, authorized_household, items, django_capture_on_commit_callbacks
):
    today(datetime.date(2026, 12, 28))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(actor=clerk, household=authorized_household)
    CalendarYear.objects.create(year=2027, complete=True)
    assert tasks.deadlines_recount_task.apply().get() == 2
    [event] = _events(Action.DEADLINE_RECOUNT)
    assert (event.actor, event.actor_name) == (None, "system: deadline recount")


# --- Snapshot answers and batches -----------------------------------------------------------


def test_a_check_answered_from_a_snapshot_is_the_requesting_clerks(
    clerk, liaison, unit, items, authorized_household, django_capture_on_commit_callbacks
):
    snapshot = upload_snapshot(unit, liaison, [])
    request = submit_request(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    check = request.checks.get(unit=unit)
    assert check.status == DepartmentCheck.Status.ANSWERED
    [event] = _events(Action.SNAPSHOT_ANSWER)
    assert (event.actor, event.actor_name) == (clerk, clerk.username)
    assert (event.count, event.first_id, event.last_id) == (1, check.pk, check.pk)
    assert f"registry snapshot {snapshot.pk}" in event.summary


def test_a_batch_leaves_one_event_per_step_not_per_row(
    clerk, group, unit, other_unit, items, liaison, settings, held
):
    settings.VERIFICATION_BATCH_CHUNK = 3
    make_households(7, office=group, clerk=clerk)
    upload_snapshot(unit, liaison, [])
    batch = prepared(office=group, clerk=clerk, held=held)
    batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk)
    batches.batch_process_unit(batch_id=batch.pk, unit_id=other_unit.pk)
    steps = _events(Action.BATCH_STEP)
    answers = _events(Action.SNAPSHOT_ANSWER)
    # 7 households in chunks of 3: 3 preparation steps, 3 answered, 3 delivered.
    assert len(steps) == 6 and len(answers) == 3
    assert {event.actor for event in steps + answers} == {clerk}
    created = [e for e in steps if e.object_type == "verification.VerificationRequest"]
    assert sum(e.count for e in created) == VerificationRequest.objects.count() == 7
    delivered = [e for e in steps if "delivered" in e.summary]
    assert sum(e.count for e in delivered) == 7
    assert sum(e.count for e in answers) == 7


def test_a_batch_processed_by_the_resend_sweep_is_still_the_submitting_clerks(
    clerk, group, unit, other_unit, items, held
):
    make_households(2, office=group, clerk=clerk)
    batch = prepared(office=group, clerk=clerk, held=held)
    # A worker running for nobody (the sweep resent it) still names the batch's clerk.
    with acting_as(None):
        batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk)
    assert {e.actor for e in _events(Action.BATCH_STEP)} == {clerk}


def test_cancelling_a_batch_is_recorded(clerk, group, unit, other_unit, items, held):
    make_households(3, office=group, clerk=clerk)
    batch = prepared(office=group, clerk=clerk, held=held)
    batches.batch_cancel(actor=clerk, batch=batch)
    [event] = _events(Action.BATCH_CANCEL)
    assert event.actor == clerk
    assert event.count == 6
    assert "3 requests" in event.summary


# --- Tasks act for the user who started them ------------------------------------------------


@shared_task
def _rename_year(year_id: int, note: str) -> None:
    year = CalendarYear.objects.get(pk=year_id)
    year.note = note
    year.save()  # no explicit actor: what the task runs for decides


def _last_change_by(year):
    return year.history.order_by("-history_id").first().history_user


def test_a_sent_task_carries_its_starter(clerk):
    headers = {}
    with acting_as(clerk.pk):
        _name_the_starter(headers=headers)
    assert headers == {ACTOR_HEADER: clerk.pk}
    beat = {}
    with acting_as(None):
        _name_the_starter(headers=beat)
    assert beat == {}


def test_a_task_acts_for_its_starter_not_for_the_request_around_it(clerk, liaison):
    year = CalendarYear.objects.create(year=2030)
    # The thread serves the liaison; the task was started by the clerk (its header says so).
    with acting_as(liaison.pk):
        _rename_year.apply(args=[year.pk, "a"], headers={ACTOR_HEADER: clerk.pk})
        assert _last_change_by(year) == clerk
        # Started in process by the liaison: the liaison's.
        _rename_year.apply(args=[year.pk, "b"])
        assert _last_change_by(year) == liaison
    # Started by nobody: nobody's, not a user left over from before.
    with acting_as(None):
        _rename_year.apply(args=[year.pk, "c"])
    assert _last_change_by(year) is None


def test_a_worker_does_not_reuse_the_previous_tasks_user(clerk):
    """In a worker, a task without a header runs for the system even if the thread ran a
    task for a user just before."""
    from assistance.taskrun import _act_for_the_starter, _stop_acting

    year = CalendarYear.objects.create(year=2031)

    class Request:
        is_eager = False

    class Task:
        request = Request()

    with acting_as(clerk.pk):
        task = Task()
        _act_for_the_starter(task=task)
        _rename_year(year.pk, "x")
        _stop_acting(task=task)
        assert _last_change_by(year) is None
        _rename_year(year.pk, "y")
        assert _last_change_by(year) == clerk  # restored afterwards


# --- The auditors' page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["clerk", "director", "convener", "liaison", "administrator", "outsider"]
)
def test_the_bulk_changes_page_is_not_found_for_other_roles(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("audit_events")).status_code == 404


def test_auditors_read_and_filter_bulk_changes(
    client, auditor, clerk, group, unit, other_unit, items, held, django_assert_max_num_queries
):
    make_households(3, office=group, clerk=clerk)
    batch = prepared(office=group, clerk=clerk, held=held)
    batches.batch_cancel(actor=clerk, batch=batch)
    client.force_login(auditor)
    url = reverse("audit_events")
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    body = response.content.decode()
    assert f"Batch {batch.pk} cancelled" in body and "clerk" in body
    only = client.get(url, {"action": Action.BATCH_CANCEL}).context["page"]
    assert [e.action for e in only] == [Action.BATCH_CANCEL]
    for n in range(60):
        AuditEvent.objects.create(
            actor_name="system: test", action=Action.OVERDUE_SWEEP, object_type="x", summary=str(n)
        )
    with django_assert_max_num_queries(8):
        assert len(client.get(url, {"page": 2}).context["page"]) == 12


def test_an_event_by_a_users_key_and_name_reads_no_user(
    clerk, django_assert_num_queries, django_user_model
):
    """A task that read the starter's name with its own row (a check's with its request)
    passes it on: the event costs its INSERT alone. Given the key alone, the name is read;
    a user deleted since leaves the event to the job that did the work."""
    with django_assert_num_queries(1):
        event = audit_event_record(
            actor_id=clerk.pk,
            actor_name=clerk.username,
            job="snapshot connector",
            action=Action.SNAPSHOT_ANSWER,
            model=DepartmentCheck,
            ids=[3, 1, 2],
            summary="answered",
        )
    assert (event.actor, event.actor_name, event.first_id, event.last_id) == (
        clerk,
        clerk.username,
        1,
        3,
    )
    gone = django_user_model.objects.create_user(username="gone")
    gone_pk = gone.pk
    gone.delete()
    with django_assert_num_queries(2):
        event = audit_event_record(
            actor_id=gone_pk,
            job="snapshot connector",
            action=Action.SNAPSHOT_ANSWER,
            model=DepartmentCheck,
            ids=[1],
            summary="answered",
        )
    assert (event.actor, event.actor_name) == (None, "system: snapshot connector")
