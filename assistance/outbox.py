"""One way to send work to Celery: by task name, after the transaction commits, never lost.

``send_after_commit`` records the message in the caller's transaction and publishes it once
that transaction commits. When the broker cannot be reached the caller's action still
succeeds: the message stays unsent and ``outbox_resend`` (a beat task every
``OUTBOX_RESEND_AFTER_MINUTES``) sends it later. Tasks are named, not imported, so services
never import tasks; every task sent this way must be idempotent, since a message published
just before a crash can be sent again by the sweep.
"""

import datetime
import logging
from importlib import import_module

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from .audit import ACTOR_HEADER, current_actor_id
from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Sent messages are kept this long (to see what was sent when), then removed by the sweep.
KEEP_SENT = datetime.timedelta(days=7)


def send_after_commit(task: str, *args, what: str, queue: str = "", **kwargs) -> OutboxMessage:
    """Record ``task(*args, **kwargs)`` (a task name, JSON-serialisable arguments) to be sent
    to ``queue`` (default queue when empty) once the current transaction commits."""
    message = OutboxMessage.objects.create(
        task=task,
        args=list(args),
        kwargs=kwargs,
        queue=queue,
        actor_id=current_actor_id(),
        what=what[:200],
    )
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Publish one unsent message and mark it sent; False when the broker is down (or the
    message was sent already)."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    options = {"queue": message.queue} if message.queue else {}
    if message.actor_id:
        options["headers"] = {ACTOR_HEADER: message.actor_id}
    if not send_or_leave_for_sweep(
        message.task, *message.args, what=message.what, kwargs=message.kwargs, **options
    ):
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now())
    return True


def outbox_resend(*, older_than: datetime.timedelta | None = None) -> int:
    """Send the messages still unsent ``older_than`` after they were recorded (default
    ``OUTBOX_RESEND_AFTER_MINUTES``), oldest first, stopping at the first that fails (the
    broker is still down); forget sent ones past ``KEEP_SENT``. Returns how many were sent."""
    if older_than is None:
        older_than = datetime.timedelta(minutes=settings.OUTBOX_RESEND_AFTER_MINUTES)
    now = timezone.now()
    OutboxMessage.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    due = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=now - older_than)
    sent = 0
    for message_id in due.order_by("created_at", "pk").values_list("pk", flat=True)[:1000]:
        if not publish(message_id):
            break
        sent += 1
    return sent


def task_by_name(name: str):
    """The registered task called ``name`` ("<app>.tasks.<function>"), importing its module
    first if no worker or caller has yet (autodiscovery registers tasks lazily)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        import_module(name.rpartition(".")[0])
        return current_app.tasks[name]


def send_or_leave_for_sweep(task, *args, what: str, **options) -> bool:
    """Send ``task`` (a task name, or a task) with ``args`` and ``options`` (those of
    ``apply_async``). If the broker cannot be reached, log it and return False instead of
    failing: the work is recorded in the database (an outbox message, or rows of its own
    that say it is due) and a periodic sweep sends it later, so the user's action still
    succeeds. Naming the task keeps services from importing tasks."""
    if isinstance(task, str):
        task = task_by_name(task)
    try:
        task.apply_async(args=list(args), **options)
    except (KombuOperationalError, ConnectionError, OSError) as exc:
        logger.warning("Broker unreachable (%s): %s left for the resend sweep", exc, what)
        return False
    return True
