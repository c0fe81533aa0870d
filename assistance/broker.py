"""The broker, Redis or RabbitMQ, as the rest of the code sees it (through kombu, so each
function works on both): how many messages wait in a queue, deleting a throwaway queue,
and on RabbitMQ the queues' declaration and their dead letters.

On RabbitMQ (``CELERY_BROKER_URL=amqp://…``) every task queue is a quorum queue (settings:
``task_default_queue_type``, ``task_create_missing_queue_type``) with a delivery limit: a
message delivered ``BROKER_DELIVERY_LIMIT`` times without being acknowledged (a task that
kills its worker each time) is moved to the queue's dead-letter queue ``dead.<queue>``
instead of looping for ever. The office sees those queues and sends their messages back
(``dead_letters`` and ``dead_letters_resend``; office/operations.py). Redis has neither
delivery limits nor dead letters: there the resend sweeps are the safety net."""

from celery import current_app
from celery.app.amqp import Queues
from django.conf import settings
from kombu import Exchange, Queue

DEAD_LETTER_EXCHANGE = "dead-letters"
DEAD_PREFIX = "dead."


def is_amqp() -> bool:
    return current_app.conf.broker_url.split("://", 1)[0] in ("amqp", "pyamqp", "amqps")


def _quorum(queue: Queue) -> bool:
    return (queue.queue_arguments or {}).get("x-queue-type") == "quorum"


class OfficeQueues(Queues):
    """Celery's queues, each quorum queue with its delivery limit and dead-letter exchange
    (the message keeps its routing key, the queue's name, which binds it to
    ``dead.<queue>``)."""

    def __setitem__(self, name, queue):
        # Every task queue, however it was added (a worker's ``-Q`` and the department
        # queues it adds at start come without arguments), is declared alike: a queue's
        # arguments cannot differ from one declaration to the next.
        quorum = _quorum(queue) or self.create_missing_queue_type == "quorum"
        if quorum and not name.startswith(DEAD_PREFIX):
            queue.queue_arguments = {
                **(queue.queue_arguments or {}),
                "x-queue-type": "quorum",
                "x-delivery-limit": settings.BROKER_DELIVERY_LIMIT,
                "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            }
        super().__setitem__(name, queue)


def dead_letter_queue(name: str) -> Queue:
    return Queue(
        DEAD_PREFIX + name,
        Exchange(DEAD_LETTER_EXCHANGE, "direct", durable=True),
        routing_key=name,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_dead_letter_queues(names) -> None:
    """Declare the dead-letter queue of each queue (RabbitMQ only), before a message can
    be dead-lettered: a worker does it at start for the queues it consumes."""
    if not is_amqp():
        return
    with current_app.connection_for_write() as conn:
        for name in names:
            dead_letter_queue(name)(conn.default_channel).declare()


def queue_length(name: str) -> int:
    """Messages waiting in queue ``name`` (0 for one not declared)."""
    with current_app.connection_for_read() as conn:
        return _length(conn, name)


def _length(conn, name: str) -> int:
    # A channel each: RabbitMQ closes the one a passive declaration of a missing queue used.
    try:
        with conn.channel() as channel:
            return channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # not declared (Redis drops an empty list)
        return 0


def queue_lengths(names) -> dict[str, int]:
    with current_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return {name: _length(conn, name) for name in names}


def queues_purge(names) -> None:
    """Empty the queues ``names`` (those never declared are empty already)."""
    with current_app.connection_for_write() as conn:
        for name in names:
            try:
                with conn.channel() as channel:
                    channel.queue_purge(name)
            except Exception:  # never declared
                continue


def queues_delete(names) -> None:
    """Delete the queues ``names`` (a benchmark's or a test's throwaway ones), with their
    dead-letter queues."""
    names = list(names)
    if is_amqp():
        names += [DEAD_PREFIX + name for name in names]
    with current_app.connection_for_write() as conn:
        for name in names:
            try:
                with conn.channel() as channel:
                    channel.queue_delete(queue=name)
            except Exception:  # never declared
                continue


def dead_letters(names) -> dict[str, int]:
    """The messages in each queue's dead-letter queue (RabbitMQ; empty on Redis)."""
    if not is_amqp():
        return {}
    return queue_lengths(DEAD_PREFIX + name for name in names)


def dead_letters_resend(name: str) -> int:
    """Send every message of ``dead.<name>`` back to queue ``name`` as it was (body,
    headers and properties); each is acknowledged in the dead-letter queue only once
    published. Returns how many."""
    sent = 0
    with current_app.connection_for_write() as conn:
        channel = conn.channel()
        try:
            producer = conn.Producer(channel=channel)
            while (message := channel.basic_get(DEAD_PREFIX + name, no_ack=False)) is not None:
                properties = dict(message.properties)
                headers = {
                    k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")
                }
                producer.publish(
                    message.body,
                    routing_key=name,
                    exchange="",
                    headers=headers,
                    content_type=properties.get("content_type"),
                    content_encoding=properties.get("content_encoding"),
                    correlation_id=properties.get("correlation_id"),
                    reply_to=properties.get("reply_to"),
                    delivery_mode=2,
                    retry=True,
                )
                channel.basic_ack(message.delivery_info["delivery_tag"])
                sent += 1
        finally:
            channel.close()
    return sent
