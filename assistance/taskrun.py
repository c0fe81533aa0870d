"""How every task runs, in a worker or in process: it drops stale database connections
first, as a request does, and its changes are made for the user who started it
(``assistance.audit``). Connected when Django starts (``AssistanceConfig.ready``)."""

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.db import close_old_connections

from .audit import ACTOR_HEADER, current_actor_id, enter, leave


@task_prerun.connect
def _close_old_connections(sender=None, **kwargs):
    """Before each task a worker runs, drop database connections that are broken or older
    than CONN_MAX_AGE, as Django does before each request; the others are reused
    (CELERY_DB_REUSE_MAX keeps Celery's fix-up from closing them all). Not for tasks run
    in process, whose caller owns the connection and may be inside a transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


# --- Who a task acts for (see assistance.audit) -------------------------------------------


@before_task_publish.connect
def _name_the_starter(sender=None, headers=None, **kwargs):
    """A task sent from a user's request (or from a task run for a user) carries that
    user's id; one sent by beat carries none."""
    if headers is None or ACTOR_HEADER in headers:
        return
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
    if task is None:
        return
    actor_id = _header_actor(task.request)
    if getattr(task.request, "is_eager", False) and actor_id in (None, current_actor_id()):
        return
    task.request._previous_actor = enter(actor_id)


@task_postrun.connect
def _stop_acting(sender=None, task=None, **kwargs):
    if task is not None and hasattr(task.request, "_previous_actor"):
        leave(task.request._previous_actor)
