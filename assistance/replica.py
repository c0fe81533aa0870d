"""Reading from a streaming replica (``DATABASE_REPLICA_URL``, the ``replica`` alias).

A replica is a little behind the primary, so only what may show data a few seconds old
reads from it, and only while serving a GET: the dashboards, the tables of a round of unit
reports, the quarterly bulletin and the spreadsheet exports. Everything that must read
what it has just written (a page after its own form, a service, a task, the sign-in)
reads the primary, as does everything when no replica is configured.

A view opts in with ``@replica_reads``; code outside a view with ``reads_from_replica()``.
Writes and migrations always go to the primary."""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reads = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def reads_from_replica():
    """Within, reads go to the replica when there is one."""
    token = _reads.set(True)
    try:
        yield
    finally:
        _reads.reset(token)


def replica_reads(view):
    """A view whose GET may read from the replica (its POST, if any, reads the primary)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reads_from_replica():
            return view(request, *args, **kwargs)

    wrapped.reads_from_replica = True
    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reads.get() and replica_configured():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, whichever copy they were read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
