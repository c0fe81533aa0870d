"""The Celery application.

Settings come from Django's settings with the ``CELERY_`` prefix, and every installed
app's ``tasks.py`` is discovered, so a task lives beside the service it calls.
"""

import logging
import os

from celery import Celery
from celery.signals import celeryd_after_setup, task_prerun
from kombu.exceptions import OperationalError as KombuOperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

logger = logging.getLogger(__name__)

app = Celery("assistance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _add_department_queues(sender, instance, **kwargs):
    """Consume the department queues named by VERIFY_QUEUES ('all' or unit codes), read from
    the database at start, so a unit added in the admin needs no code change."""
    spec = os.environ.get("VERIFY_QUEUES", "").strip()
    if not spec:
        return
    from verification.queues import queues_for

    for queue in queues_for(spec):
        instance.app.amqp.queues.select_add(queue)


@task_prerun.connect
def _close_old_connections(sender=None, **kwargs):
    """Before each task a worker runs, drop database connections that are broken or older
    than CONN_MAX_AGE, as Django does before each request; the others are reused
    (CELERY_DB_REUSE_MAX keeps Celery's fix-up from closing them all). Not for tasks run
    in process, whose caller owns the connection and may be inside a transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


def send_or_leave_for_sweep(task, *args, what: str, **options) -> bool:
    """Send ``task`` (``apply_async`` with ``args`` and ``options``). If the broker cannot
    be reached, log it and return False instead of failing: the work is recorded in the
    database and a periodic sweep sends it later, so the user's action still succeeds."""
    try:
        task.apply_async(args=list(args), **options)
    except (KombuOperationalError, ConnectionError, OSError) as exc:
        logger.warning("Broker unreachable (%s): %s left for the resend sweep", exc, what)
        return False
    return True
