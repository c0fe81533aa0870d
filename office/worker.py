"""What a Celery worker checks and consumes when it starts (imported when Django starts, by
``OfficeConfig.ready``): it refuses a database migrated ahead of its code, consumes,
beyond its ``-Q`` queues, the department queues named by ``VERIFY_QUEUES``, and counts its
failed tasks for /metrics."""

import os

from celery.signals import celeryd_after_setup, task_failure, worker_init, worker_ready

from assistance.broker import declare_dead_letter_queues
from verification.queues import queues_for

from .metrics import task_failed
from .startup import DatabaseAhead, refuse_if_database_ahead


@worker_init.connect
def _refuse_database_ahead(sender=None, **kwargs):
    # Celery logs and swallows a receiver's exception; SystemExit stops the worker.
    try:
        refuse_if_database_ahead()
    except DatabaseAhead as refused:
        raise SystemExit(f"The worker will not start: {refused}") from None


@celeryd_after_setup.connect
def _add_department_queues(sender, instance, **kwargs):
    """Consume the department queues named by VERIFY_QUEUES ('all' or unit codes), read from
    the database at start, so a unit added in the admin needs no code change."""
    spec = os.environ.get("VERIFY_QUEUES", "").strip()
    if not spec:
        return
    for queue in queues_for(spec):
        instance.app.amqp.queues.select_add(queue)


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    """For /metrics: failures per task, summed over every worker host."""
    task_failed(sender.name)


@worker_ready.connect
def _declare_dead_letter_queues(sender=None, **kwargs):
    """On RabbitMQ, each consumed queue's dead-letter queue exists before a message of it
    can reach its delivery limit."""
    declare_dead_letter_queues(sender.app.amqp.queues.consume_from)
