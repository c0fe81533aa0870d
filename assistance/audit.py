"""Who a change is made by, when it is not made in a web request.

simple_history names the user of a change from ``_history_user`` on the object, or else
from the web request its middleware keeps in a thread-local. Work done in a Celery task has
no request of its own, so without care a change made by a task is attributed to nobody (in
a worker) or to whoever's request happens to be running (a task run in process). The rule
here: a task acts for the user who started it, carried in the task message's
``actor_id`` header (``assistance.taskrun`` adds it when the task is sent and applies it
when the task runs); work no user started (beat's sweeps) is made by nobody
(``history_user`` empty) and its audit events name the system job instead.
"""

from contextlib import contextmanager, suppress

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject
from simple_history.models import HistoricalRecords

_UNSET = object()

# The task message header that names the user a task acts for (``assistance.taskrun``).
ACTOR_HEADER = "actor_id"


class _ActingFor:
    """Stands in for a web request in simple_history's thread-local: it only carries the
    user changes are made for."""

    def __init__(self, user_id: int):
        self.actor_id = user_id
        self.user = SimpleLazyObject(lambda: get_user_model()._default_manager.get(pk=user_id))


def current_actor_id() -> int | None:
    """The user the current work is done for: the signed-in user of the web request, or
    the user who started the task being run; None for system work."""
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    if isinstance(request, _ActingFor):
        return request.actor_id
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return None


def current_actor():
    """The user (instance) the current work is done for, or None for system work."""
    request = getattr(HistoricalRecords.context, "request", None)
    if current_actor_id() is None:
        return None
    return request.user


def enter(actor_id: int | None):
    """Make changes from here on count as made by ``actor_id`` (None: by the system).
    Returns what to give ``leave`` to restore the previous state."""
    previous = getattr(HistoricalRecords.context, "request", _UNSET)
    HistoricalRecords.context.request = _ActingFor(actor_id) if actor_id else None
    return previous


def leave(previous) -> None:
    if previous is _UNSET:
        with suppress(AttributeError):
            del HistoricalRecords.context.request
    else:
        HistoricalRecords.context.request = previous


@contextmanager
def acting_as(actor_id: int | None):
    """Within the block, changes are made for ``actor_id`` (None: the system)."""
    previous = enter(actor_id)
    try:
        yield
    finally:
        leave(previous)
