"""Work sent through the outbox survives a broker that is down at commit: the user's action
succeeds, the message stays unsent, and the sweep sends it later, once. Here a new
liaison's notice; agenda publication in tests/meetings/test_agenda_outbox.py, the deadline
recount after a calendar change in tests/verification/test_deadline_recount.py. (Checks,
batches and registry uploads are resent from their own rows: test_resend.py,
test_batch_reliability.py.)"""

import contextlib
import datetime

import pytest

from assistance.models import OutboxMessage
from assistance.outbox import outbox_resend, send_after_commit
from members.services import liaison_appoint
from office.celery import app
from tests.factories import UserFactory
from tests.verification.helpers import broker_down

pytestmark = pytest.mark.django_db
NOW = datetime.timedelta(0)


@contextlib.contextmanager
def eager(value: bool):
    """Tasks published (False: to the broker, as in production) or run in process (True)."""
    previous, app.conf.task_always_eager = app.conf.task_always_eager, value
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@contextlib.contextmanager
def broker_unreachable(caplog):
    with broker_down(), eager(False):
        yield
    # Publishing really failed (it was not merely left for a worker that is not there).
    assert "Broker unreachable" in caplog.text


def test_a_message_is_sent_when_its_transaction_commits(
    administrator, unit, django_capture_on_commit_callbacks, mailoutbox
):
    person = UserFactory(username="newliaison", email="new@example.org")
    with eager(True), django_capture_on_commit_callbacks(execute=True):
        liaison_appoint(actor=administrator, unit=unit, user=person)
        # Nothing leaves before the commit.
        assert OutboxMessage.objects.get().sent_at is None and not mailoutbox
    message = OutboxMessage.objects.get()
    assert message.task == "members.tasks.liaison_notify_appointed"
    assert message.sent_at is not None and message.actor_id is None
    assert [mail.to for mail in mailoutbox] == [["new@example.org"]]


def test_liaison_notice_survives_the_broker_down(
    administrator, unit, django_capture_on_commit_callbacks, mailoutbox, caplog
):
    person = UserFactory(username="newliaison", email="new@example.org")
    with broker_unreachable(caplog), django_capture_on_commit_callbacks(execute=True):
        liaison = liaison_appoint(actor=administrator, unit=unit, user=person)
    assert liaison.pk and not mailoutbox
    assert OutboxMessage.objects.get().sent_at is None
    with eager(True):
        assert outbox_resend(older_than=NOW) == 1
    assert [mail.to for mail in mailoutbox] == [["new@example.org"]]
    # Sent once: a second sweep finds nothing.
    with eager(True):
        assert outbox_resend(older_than=NOW) == 0
    assert len(mailoutbox) == 1


def test_the_sweep_stops_at_the_first_failure_and_keeps_the_rest(
    caplog, django_capture_on_commit_callbacks
):
    with broker_unreachable(caplog), django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            send_after_commit("assistance.tasks.outbox_resend_task", what=f"sweep {number}")
    with broker_unreachable(caplog):
        assert outbox_resend(older_than=NOW) == 0
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3
