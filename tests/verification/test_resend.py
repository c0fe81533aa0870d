"""Checks whose message was lost are sent again by the resend sweep, and a broker that
is down when a request is filed does not stop the filing."""

import datetime

import pytest
from django.utils import timezone

from office.celery import app
from tests.verification.helpers import broker_down
from verification import services, sweeps
from verification.models import DepartmentCheck, VerificationRequest

pytestmark = pytest.mark.django_db

Status = DepartmentCheck.Status


@pytest.fixture
def unsent(clerk, authorized_household, items, django_capture_on_commit_callbacks, caplog):
    """A request filed while the broker was unreachable: its checks stay queued."""
    with broker_down():
        # The eager mode of tests without a broker would not publish at all.
        previous, app.conf.task_always_eager = app.conf.task_always_eager, False
        try:
            with django_capture_on_commit_callbacks(execute=True):
                request = services.request_submit(actor=clerk, household=authorized_household)
        finally:
            app.conf.task_always_eager = previous
    # Publishing really failed (it was not merely left for a worker that is not there).
    assert "Broker unreachable" in caplog.text
    return request


def test_filing_succeeds_with_the_broker_down_and_checks_stay_queued(unsent):
    assert VerificationRequest.objects.filter(pk=unsent.pk).exists()
    assert set(unsent.checks.values_list("status", flat=True)) == {Status.QUEUED}


def test_sweep_resends_only_checks_queued_long_enough(unsent, mailoutbox):
    assert sweeps.checks_resend_undelivered(older_than=datetime.timedelta(minutes=5)) == 0
    assert set(unsent.checks.values_list("status", flat=True)) == {Status.QUEUED}
    VerificationRequest.objects.filter(pk=unsent.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    sent = sweeps.checks_resend_undelivered(older_than=datetime.timedelta(minutes=5))
    assert sent == 2
    assert set(unsent.checks.values_list("status", flat=True)) == {Status.DELIVERED}
    notified = len(mailoutbox)
    # Nothing is left to send, and a second sweep changes nothing.
    assert sweeps.checks_resend_undelivered(older_than=datetime.timedelta(minutes=5)) == 0
    assert len(mailoutbox) == notified
