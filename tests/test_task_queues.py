"""The task queues page: the administrator and the office director see the work waiting
per queue and, on RabbitMQ, the messages that reached their delivery limit, and send those
back once the cause is mended; with Redis there are no dead letters to send."""

import pytest
from celery import current_app
from django.urls import reverse

from assistance.broker import DEAD_PREFIX, is_amqp, queue_length, queues_delete
from assistance.models import AuditEvent
from tests.verification.factories import authorize_all, register_family
from verification import services
from verification.models import DepartmentCheck


@pytest.mark.django_db
def test_the_queues_are_listed_for_the_administrator_only(client, administrator, clerk, unit):
    client.force_login(clerk)
    assert client.get(reverse("task_queues")).status_code == 404
    client.force_login(administrator)
    page = client.get(reverse("task_queues"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="queue-default"' in body
    assert f'data-testid="queue-verify.{unit.code}"' in body


@pytest.mark.django_db
def test_without_rabbitmq_nothing_is_sent_back(client, administrator, unit):
    if is_amqp():
        pytest.skip("the broker has dead letters")
    client.force_login(administrator)
    response = client.post(reverse("task_queues"), {"queue": f"verify.{unit.code}"}, follow=True)
    assert "没有可退回的死信" in response.content.decode()
    assert not AuditEvent.objects.exists()


def _reject(queue: str, times: int) -> None:
    """Take the queue's first message and give it back ``times`` times, as a worker dying
    on it would: RabbitMQ counts each delivery."""
    with current_app.connection_for_write() as conn, conn.channel() as channel:
        for _ in range(times):
            message = channel.basic_get(queue, no_ack=False)
            assert message is not None
            channel.basic_reject(message.delivery_info["delivery_tag"], requeue=True)


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_message_past_its_delivery_limit_is_a_dead_letter_the_office_sends_back(
    client, administrator, clerk, group, unit, celery_worker_controller, settings
):
    if not is_amqp():
        pytest.skip("dead letters are RabbitMQ's: set CELERY_BROKER_URL=amqp://…")
    from tests.verification.factories import VerificationItemFactory

    VerificationItemFactory(unit=unit)
    queue = f"verify.{unit.code}"
    queues_delete([queue])
    worker = celery_worker_controller
    # A worker declares the queue (with its limit) and its dead-letter queue, then stops.
    worker.start(queues=unit.code)
    worker.stop()
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = services.request_submit(actor=clerk, household=household)
    check = request.checks.get(unit=unit)
    assert queue_length(queue) == 1
    _reject(queue, settings.BROKER_DELIVERY_LIMIT + 1)
    assert queue_length(queue) == 0
    assert queue_length(DEAD_PREFIX + queue) == 1

    client.force_login(administrator)
    page = client.get(reverse("task_queues")).content.decode()
    assert f'data-testid="queue-{queue}"' in page
    response = client.post(reverse("task_queues"), {"queue": queue}, follow=True)
    assert "1 条消息已退回" in response.content.decode()
    assert queue_length(DEAD_PREFIX + queue) == 0
    event = AuditEvent.objects.get(action=AuditEvent.Action.DEAD_LETTERS_RESENT)
    assert (event.actor, event.count) == (administrator, 1)
    # The message is as it was: a worker serving the unit delivers the check.
    worker.start(queues=unit.code)
    worker.wait_for(
        lambda: DepartmentCheck.objects.filter(
            pk=check.pk, status=DepartmentCheck.Status.DELIVERED
        ).exists()
    )
