"""What a batch's page shows of its progress: the checks per department and status, what
phase the batch is in (being prepared, being sent, sent to every department, every
household's verification complete), and which of its work waits to be (re-)sent."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import BatchTask, DepartmentCheck, VerificationBatch


def batch_progress(batch: VerificationBatch) -> list[dict]:
    """Per department: how many of the batch's checks are in each status (one query)."""
    rows = (
        DepartmentCheck.objects.filter(request__batch=batch)
        .values("unit_id", "unit__name", "status")
        .annotate(n=Count("pk"))
        .order_by("unit__order", "unit_id")
    )
    units: dict[int, dict] = {}
    for row in rows:
        entry = units.setdefault(
            row["unit_id"],
            {
                "unit_id": row["unit_id"],
                "unit": row["unit__name"],
                "total": 0,
                **dict.fromkeys(DepartmentCheck.Status.values, 0),
            },
        )
        entry[row["status"]] = row["n"]
        entry["total"] += row["n"]
    return list(units.values())


@dataclass(frozen=True)
class BatchPhase:
    """Where a batch stands, as its badge says it. ``sent`` (every department has its
    checks) is not ``complete`` (every household's verification is): liaisons may still
    be answering long after the last department was sent its share."""

    key: str
    label: str
    css: str


def batch_phase(
    batch: VerificationBatch, *, under_way: int, prepared: bool, households: int = 1
) -> BatchPhase:
    """The batch's phase from its status, whether it is prepared, how many households it
    holds and how many of their requests are still under way."""
    if batch.status == VerificationBatch.Status.CANCELLED:
        return BatchPhase("cancelled", _("Cancelled"), "text-bg-secondary")
    if batch.status == VerificationBatch.Status.RUNNING:
        if not prepared:
            return BatchPhase("preparing", _("Being prepared"), "text-bg-primary")
        return BatchPhase("sending", _("Being sent to the departments"), "text-bg-primary")
    if not households:
        # Every household of the cohort was skipped, or taken by a batch (or a clerk's
        # request) a moment earlier: nothing was asked of anyone.
        return BatchPhase("empty", _("No household to verify"), "text-bg-secondary")
    if under_way:
        return BatchPhase("sent", _("Sent to every department"), "text-bg-info")
    return BatchPhase("complete", _("Verification complete"), "text-bg-success")


class Work:
    """What a batch's task is doing, as the page tells it."""

    UNSENT = "unsent"  # its message never reached the broker: sent as soon as it can be
    STALLED = "stalled"  # its worker stopped showing progress: re-sent by the stall sweep
    WAITING = "waiting"  # sent, not yet taken by a worker
    WORKING = "working"
    FINISHED = "finished"


def task_state(task: BatchTask | None, now: datetime.datetime) -> str:
    if task is None:
        return Work.WAITING
    if task.finished_at is not None:
        return Work.FINISHED
    if task.sent_at is None and task.started_at is None:
        return Work.UNSENT
    stalled_before = now - datetime.timedelta(seconds=settings.VERIFICATION_BATCH_STALL_SECONDS)
    if task.started_at is not None:
        return Work.STALLED if task.beat_at and task.beat_at < stalled_before else Work.WORKING
    return Work.WAITING


def batch_work(batch: VerificationBatch) -> dict[int | None, dict]:
    """The batch's tasks (one query), by unit key (None for the preparation): their state
    (``Work``), when they last made progress and how many times they were re-sent."""
    now = timezone.now()
    return {
        task.unit_id: {
            "state": task_state(task, now),
            "beat_at": task.beat_at,
            "resent": task.resent,
        }
        for task in BatchTask.objects.filter(batch=batch)
    }
