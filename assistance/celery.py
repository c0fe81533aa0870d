"""The Celery application.

Settings come from Django's settings with the ``CELERY_`` prefix, and every installed
app's ``tasks.py`` is discovered, so a task lives beside the service it calls.
"""

import logging
import os
from importlib import import_module

from celery import Celery
from celery.signals import before_task_publish, celeryd_after_setup, task_postrun, task_prerun
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


# --- Who a task acts for (see assistance.audit) -------------------------------------------

ACTOR_HEADER = "actor_id"


@before_task_publish.connect
def _name_the_starter(sender=None, headers=None, **kwargs):
    """A task sent from a user's request (or from a task run for a user) carries that
    user's id; one sent by beat carries none."""
    if headers is None or ACTOR_HEADER in headers:
        return
    from .audit import current_actor_id

    actor_id = current_actor_id()
    if actor_id is not None:
        headers[ACTOR_HEADER] = actor_id


def _header_actor(request):
    # A worker merges the message's headers into the request; a task run in process keeps
    # them under "headers".
    actor_id = getattr(request, ACTOR_HEADER, None)
    if actor_id is None:
        actor_id = (getattr(request, "headers", None) or {}).get(ACTOR_HEADER)
    return int(actor_id) if actor_id else None


@task_prerun.connect
def _act_for_the_starter(sender=None, task=None, **kwargs):
    """While the task runs, its changes are made for the user who started it, or for
    nobody (the system): never for whoever's request the thread served before. A task run
    in process for its caller (no header, or the caller's own) keeps the caller's context."""
    from .audit import current_actor_id, enter

    if task is None:
        return
    actor_id = _header_actor(task.request)
    if getattr(task.request, "is_eager", False) and actor_id in (None, current_actor_id()):
        return
    task.request._previous_actor = enter(actor_id)


@task_postrun.connect
def _stop_acting(sender=None, task=None, **kwargs):
    from .audit import leave

    if task is not None and hasattr(task.request, "_previous_actor"):
        leave(task.request._previous_actor)


def task_by_name(name: str):
    """The registered task called ``name`` ("<app>.tasks.<function>"), importing its module
    first if no worker or caller has yet (autodiscovery registers tasks lazily)."""
    try:
        return app.tasks[name]
    except KeyError:
        import_module(name.rpartition(".")[0])
        return app.tasks[name]


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
