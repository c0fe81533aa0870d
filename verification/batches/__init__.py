"""Batch re-verification: a whole cohort of households verified at once.

The clerk's submission only records the batch; a task prepares it (requests and checks,
written in chunks of households), then each department's own task processes its checks in
chunks with set-based queries: answered from the department's registry snapshot where it
has a fresh one, otherwise delivered to the liaison's inbox. Nothing is held per check in
memory beyond one chunk, so memory stays flat however large the cohort.

Every step is idempotent (a chunk commits its findings and its status change together,
and only touches checks still queued), so a worker killed mid-batch loses nothing: the
redelivered task, or the resend sweep, carries on where it stopped. Completion is decided
in the database with the requests' rows locked in key order, never by counting in Celery.

For speed (``manage.py bench_verification``), a chunk is a few INSERT … SELECT and UPDATE
statements run by the database on its own rows, with no model instance built per row; on
PostgreSQL a task works on several chunks at once, each on its own connection.

One module per job, in this order (each imports only those before it): ``cohort`` (which
households are due), ``heartbeat`` (each task's sending and progress, and finding those
that stalled), ``processing`` (a department's share, finishing, resending, cancelling),
``preparation`` (submitting and preparing a batch), ``progress`` (what the batch's page
shows). This package re-exports their public names for callers.
"""

from .cohort import households_authorized, households_due
from .preparation import batch_prepare, batch_submit
from .processing import (
    batch_cancel,
    batch_finish_if_done,
    batch_process_unit,
    batch_resend_stalled,
)
from .progress import BatchPhase, Work, batch_phase, batch_progress, batch_work

__all__ = [
    "BatchPhase",
    "Work",
    "batch_phase",
    "batch_work",
    "batch_cancel",
    "batch_finish_if_done",
    "batch_prepare",
    "batch_process_unit",
    "batch_progress",
    "batch_resend_stalled",
    "batch_submit",
    "households_authorized",
    "households_due",
]
