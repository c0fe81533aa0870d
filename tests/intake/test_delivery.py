"""A referral reaches its unit by the unit's queue after the commit, once, even when the
broker is down when it is made (the outbox sweep sends it later); the overdue sweep flags,
reminds the unit once and tells the office directors."""

import datetime

import pytest
from django.utils import timezone

from assistance.models import Notification, OutboxMessage
from assistance.outbox import outbox_resend
from intake import services, sweeps
from intake.models import Referral
from intake.tasks import referral_deliver_task, referrals_mark_overdue_task
from tests.intake.conftest import refer
from tests.test_outbox import broker_unreachable, eager

pytestmark = pytest.mark.django_db
NOW = datetime.timedelta(0)


@pytest.fixture(autouse=True)
def _no_earlier_messages(liaison):
    """The liaison's appointment notice (made by the fixtures) is not this module's."""
    OutboxMessage.objects.all().delete()


def test_delivered_by_name_to_the_units_queue_after_commit(
    clerk, application, unit, liaison, django_capture_on_commit_callbacks
):
    with eager(True), django_capture_on_commit_callbacks(execute=True):
        (referral,) = refer(clerk, application, unit)
        message = OutboxMessage.objects.get()
        # Nothing leaves, and nobody is told, before the commit.
        assert message.sent_at is None and not Notification.objects.exists()
    message.refresh_from_db()
    assert message.task == "intake.tasks.referral_deliver_task"
    assert message.args == [referral.pk] and message.queue == "verify.test-police"
    assert message.sent_at is not None
    referral.refresh_from_db()
    assert referral.delivered_at is not None
    assert Notification.objects.filter(user=liaison).count() == 1
    assert referral.events.filter(kind="delivered", actor__isnull=True).count() == 1


def test_delivery_is_idempotent(clerk, application, unit, liaison):
    (referral,) = refer(clerk, application, unit)
    assert referral_deliver_task(referral.pk) is True
    first = Referral.objects.get(pk=referral.pk).delivered_at
    assert referral_deliver_task(referral.pk) is False
    assert Referral.objects.get(pk=referral.pk).delivered_at == first
    assert referral.events.filter(kind="delivered").count() == 1
    assert referral_deliver_task(999999) is False


def test_delivery_survives_the_broker_down(
    clerk, application, unit, liaison, django_capture_on_commit_callbacks, caplog
):
    with broker_unreachable(caplog), django_capture_on_commit_callbacks(execute=True):
        (referral,) = refer(clerk, application, unit)
    # The clerk's referral stands; the message waits for the sweep.
    assert Referral.objects.get(pk=referral.pk).delivered_at is None
    assert OutboxMessage.objects.get().sent_at is None
    with eager(True), django_capture_on_commit_callbacks(execute=True):
        assert outbox_resend(older_than=NOW) == 1
    with eager(True):
        assert outbox_resend(older_than=NOW) == 0
    assert Referral.objects.get(pk=referral.pk).delivered_at is not None
    assert Notification.objects.filter(user=liaison).count() == 1


def test_overdue_sweep_flags_reminds_once_and_tells_the_directors(
    clerk, director, referred, liaison, other_liaison
):
    application, lead, assist = referred
    services.referral_sign(actor=liaison, referral=lead)
    Referral.objects.filter(pk=lead.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    before = Notification.objects.count()
    with eager(True):
        assert referrals_mark_overdue_task() == {"marked": 1, "reminded": 1}
    lead.refresh_from_db()
    assert lead.overdue and lead.reminded_at and lead.status == "in_progress"
    assert lead.events.filter(kind="overdue").count() == 1
    # The notifications are sent after the commit: none in this (rolled-back) test.
    assert Notification.objects.count() == before
    assert sweeps.referrals_mark_overdue() == sweeps.OverdueSweep(marked=0, reminded=0)
    assert not Referral.objects.get(pk=assist.pk).overdue


def test_overdue_sweep_notifies_after_commit(
    clerk, director, referred, liaison, other_liaison, django_capture_on_commit_callbacks
):
    application, lead, assist = referred
    Referral.objects.filter(pk=assist.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweeps.referrals_mark_overdue()
    assert Notification.objects.filter(user=other_liaison).count() == 1
    assert Notification.objects.filter(user=director).count() == 1
    assert not Notification.objects.filter(user=liaison).exists()
    assert application.number in Notification.objects.get(user=other_liaison).message


def test_closed_referrals_are_never_overdue(clerk, referred, liaison):
    _, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    services.referral_return(actor=liaison, referral=lead, reason="不属于本单位职责。")
    Referral.objects.update(deadline=timezone.now() - datetime.timedelta(hours=1))
    assert sweeps.referrals_mark_overdue().marked == 1  # the assisting one only
