"""What the office is told about a batch and a request, and how soon stopped work goes on
(issue 12, items 3, 7 and 8):

- a batch whose departments all have their checks is "sent to every department", not
  complete, while liaisons still answer; complete once every household's is;
- with the broker down, filing a request or a batch says it is saved and will be sent,
  and the request's page shows its checks waiting to be sent until they are;
- a department's work whose worker stopped (killed mid-batch) or whose message never
  left is found by the stall sweep within VERIFICATION_BATCH_STALL_SECONDS, whatever the
  resend interval, re-sent, and said on the batch's page meanwhile."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from office.celery import app
from tests.verification.helpers import broker_down
from tests.verification.test_batches import make_households
from verification import batches, services, sweeps
from verification.batches import preparation
from verification.models import (
    BatchTask,
    DepartmentCheck,
    Household,
    VerificationBatch,
    VerificationRequest,
)
from verification.services import FindingData

Status = DepartmentCheck.Status


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def held(monkeypatch):
    """The batch is prepared, but its departments' tasks are recorded, not sent."""
    monkeypatch.setattr(preparation, "_send_process_unit", lambda *args: True)


@pytest.fixture
def published():
    """Messages really go to the (unreachable, under ``broker_down``) broker instead of
    running in process, as they do in tests without one."""
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False
    yield
    app.conf.task_always_eager = previous


def _messages(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _answer(check, liaison):
    findings = [
        FindingData(member.pk, item.pk, "no_record")
        for member in check.request.members.all()
        for item in check.items.all()
    ]
    services.check_answer(actor=liaison, check=check, findings=findings)


def _prepared(group, clerk, count=3):
    make_households(count, office=group, clerk=clerk)
    batch = VerificationBatch.objects.create(office=group, created_by=clerk)
    batches.batch_prepare(batch_id=batch.pk)
    return batch


# --- Item 3: sent to every department is not complete ----------------------------------------


@pytest.mark.django_db
def test_a_batch_sent_to_every_department_is_not_complete_until_every_household_is(
    client, clerk, group, items, liaison, other_liaison, held
):
    batch = _prepared(group, clerk)
    for unit_id in {c.unit_id for c in DepartmentCheck.objects.all()}:
        batches.batch_process_unit(batch_id=batch.pk, unit_id=unit_id)
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED  # every department has its share
    client.force_login(clerk)
    listing = client.get(reverse("verification:batch_list")).content.decode()
    page = client.get(batch.get_absolute_url()).content.decode()
    for content in (listing, page):
        assert 'data-phase="sent"' in content
        assert "Sent to every department" in content
        assert ">Verification complete</span>" not in content
    assert 'data-testid="completed">0/3' in listing
    assert "the verification of 3 households is not complete yet" in page

    # The liaisons answer all but one household's checks: still not complete.
    checks = list(DepartmentCheck.objects.select_related("request").order_by("request", "pk"))
    by_unit = {checks[0].unit_id: liaison, checks[1].unit_id: other_liaison}
    for check in checks[:-1]:
        _answer(check, by_unit[check.unit_id])
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'data-phase="sent"' in page
    assert "the verification of 1 household is not complete yet" in page

    _answer(checks[-1], by_unit[checks[-1].unit_id])
    listing = client.get(reverse("verification:batch_list")).content.decode()
    page = client.get(batch.get_absolute_url()).content.decode()
    for content in (listing, page):
        assert 'data-phase="complete"' in content
        assert ">Verification complete</span>" in content
    assert 'data-testid="completed">3/3' in listing
    assert 'data-testid="complete-note"' in page


@pytest.mark.django_db
def test_the_phases_read_in_chinese(client, clerk, group, items, held):
    batch = _prepared(group, clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(clerk)
    assert "正在发送至各部门" in client.get(batch.get_absolute_url()).content.decode()
    for unit_id in {c.unit_id for c in DepartmentCheck.objects.all()}:
        batches.batch_process_unit(batch_id=batch.pk, unit_id=unit_id)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert "已发送至各部门" in page
    assert "已完成" not in page.split('data-testid="batch-status"')[1][:80]


# --- Item 7: the broker down -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_filing_with_the_broker_down_says_saved_and_the_page_waits_to_send(
    client, clerk, authorized_household, items, published, caplog
):
    client.force_login(clerk)
    url = reverse("verification:request_create", kwargs={"pk": authorized_household.pk})
    units = sorted({item.unit_id for item in items.values()})
    with broker_down():
        response = client.post(url, {"units": units, "assistance_type": "dibao"})
    assert "Broker unreachable" in caplog.text
    told = _messages(response)
    assert "Verification request saved. The queue cannot be reached right now" in told
    assert "checks for 2 departments will be sent as soon as it can be" in told
    assert "were asked" not in told
    request = VerificationRequest.objects.get()
    page = client.get(request.get_absolute_url()).content.decode()
    assert page.count('data-testid="waiting-to-be-sent"') == 2
    assert 'data-testid="unsent-note"' in page

    # The queue is back: the sweep sends them, and the page says what became of them.
    app.conf.task_always_eager = True
    assert sweeps.checks_resend_undelivered(older_than=datetime.timedelta(0)) == 2
    assert not request.checks.filter(sent_at__isnull=True).exists()
    page = client.get(request.get_absolute_url()).content.decode()
    assert 'data-testid="waiting-to-be-sent"' not in page
    assert 'data-testid="unsent-note"' not in page


@pytest.mark.django_db(transaction=True)
def test_filing_with_the_broker_up_says_the_departments_were_asked(
    client, clerk, authorized_household, items
):
    client.force_login(clerk)
    url = reverse("verification:request_create", kwargs={"pk": authorized_household.pk})
    units = sorted({item.unit_id for item in items.values()})
    response = client.post(url, {"units": units, "assistance_type": "dibao"})
    assert "Verification request filed: 2 departments were asked." in _messages(response)
    assert not DepartmentCheck.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_submitted_with_the_broker_down_says_saved_and_goes_out_later(
    client, clerk, group, items, published, caplog
):
    make_households(2, office=group, clerk=clerk)
    client.force_login(clerk)
    data = {"office": group.pk, "assistance_type": "", "town": "", "due_only": "on"}
    with broker_down():
        response = client.post(reverse("verification:batch_create"), data)
    assert "Broker unreachable" in caplog.text
    assert "Batch saved. The queue cannot be reached right now" in _messages(response)
    batch = VerificationBatch.objects.get()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'data-testid="waiting-to-be-sent"' in page
    assert "are being asked" not in page

    # The queue is back: the next stall sweep sends the batch on, whatever the resend
    # interval (the preparation never left, so it is not waiting for a worker).
    app.conf.task_always_eager = True
    BatchTask.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    assert batches.batch_resend_stalled(cutoff=timezone.now() - datetime.timedelta(hours=1)) == 1
    batch.refresh_from_db()
    assert batch.household_count == 2
    assert not DepartmentCheck.objects.filter(status=Status.QUEUED).exists()
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'data-testid="waiting-to-be-sent"' not in page
    assert 'data-phase="sent"' in page


# --- Item 8: stalled work found sooner -------------------------------------------------------


def _killed_mid_batch(batch, unit_id, *, seconds_ago):
    """The state a worker killed after its first chunks leaves: its task started, its
    last beat ``seconds_ago``, not finished, checks still queued."""
    beat = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    BatchTask.objects.filter(batch=batch, unit_id=unit_id).update(
        sent_at=beat - datetime.timedelta(seconds=5), started_at=beat, beat_at=beat
    )


@pytest.mark.django_db
def test_a_department_whose_worker_stopped_is_resent_within_the_stall_time(
    client, clerk, group, unit, other_unit, items, held, settings
):
    settings.VERIFICATION_BATCH_STALL_SECONDS = 45
    batch = _prepared(group, clerk)
    # Resend interval five minutes: the stall is found in under a minute all the same.
    cutoff = timezone.now() - datetime.timedelta(minutes=5)
    _killed_mid_batch(batch, unit.pk, seconds_ago=10)
    _killed_mid_batch(batch, other_unit.pk, seconds_ago=10)
    # Still beating 10 s ago: a worker at work is left alone.
    assert batches.batch_resend_stalled(cutoff=cutoff) == 0

    _killed_mid_batch(batch, unit.pk, seconds_ago=50)
    client.force_login(clerk)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert page.count('data-testid="unit-stalled"') == 1
    assert "has shown no progress for over 45 s" in page

    # The sweep re-sends that department alone (run in process here): its checks go on.
    assert batches.batch_resend_stalled(cutoff=cutoff) == 1
    assert not DepartmentCheck.objects.filter(unit=unit, status=Status.QUEUED).exists()
    assert DepartmentCheck.objects.filter(unit=other_unit, status=Status.QUEUED).count() == 3
    task = BatchTask.objects.get(batch=batch, unit=unit)
    assert (task.resent, task.finished_at is not None) == (1, True)
    page = client.get(batch.get_absolute_url()).content.decode()
    assert 'data-testid="unit-stalled"' not in page
    assert "re-sent 1 time" not in page  # the department has no check queued any more
    # Nothing more to re-send for it: a second sweep changes nothing.
    assert batches.batch_resend_stalled(cutoff=cutoff) == 0


@pytest.mark.django_db
def test_a_message_sent_but_never_taken_waits_for_the_resend_interval(
    clerk, group, unit, items, held
):
    batch = _prepared(group, clerk)
    sent = timezone.now() - datetime.timedelta(minutes=2)
    BatchTask.objects.filter(batch=batch).update(sent_at=sent, created_at=sent)
    # Sent two minutes ago and queued behind other work: not stalled yet…
    assert batches.batch_resend_stalled(cutoff=timezone.now() - datetime.timedelta(minutes=5)) == 0
    # …but lost once the resend interval has passed.
    assert batches.batch_resend_stalled(cutoff=timezone.now() - datetime.timedelta(minutes=1)) == 2


@pytest.mark.django_db
def test_the_sweep_is_scheduled_well_within_the_stall_time(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["verification-batch-stalls"]
    assert schedule["task"] == "verification.tasks.batch_resend_stalled_task"
    assert schedule["schedule"] <= settings.VERIFICATION_BATCH_STALL_SECONDS / 2
    assert (
        settings.VERIFICATION_BATCH_STALL_SECONDS < 60 * settings.VERIFICATION_RESEND_AFTER_MINUTES
    )


@pytest.mark.django_db
def test_progress_beats_after_every_chunk(clerk, group, unit, items, held, settings):
    settings.VERIFICATION_BATCH_CHUNK = 2
    batch = _prepared(group, clerk, count=5)
    beats = []
    real_beat = batches.processing.task_beat

    def counting(batch_id, unit_id):
        beats.append(BatchTask.objects.get(batch_id=batch_id, unit_id=unit_id).beat_at)
        real_beat(batch_id, unit_id)

    batches.processing.task_beat = counting
    try:
        batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk)
    finally:
        batches.processing.task_beat = real_beat
    assert len(beats) == 1 + 3  # when it starts, then after each of the three chunks
    task = BatchTask.objects.get(batch=batch, unit=unit)
    assert task.started_at and task.finished_at and task.beat_at >= task.started_at
    assert Household.objects.count() == 5
