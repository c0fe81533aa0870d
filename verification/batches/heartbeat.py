"""The batch's tasks as the workers run them (``BatchTask``): sent to the broker, taken by
a worker, still making progress (a beat after every chunk), finished. A batch stalls
when a message never left (the broker was down) or a worker stopped mid-batch (killed):
``stalled_tasks`` finds both within ``VERIFICATION_BATCH_STALL_SECONDS``, far sooner than
the resend interval, and the batch's page says which work waits to be re-sent."""

import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from assistance.outbox import send_or_leave_for_sweep

from ..models import BatchTask, DepartmentCheck, VerificationBatch

PREPARE_TASK = "verification.tasks.batch_prepare_task"
PROCESS_TASK = "verification.tasks.batch_process_unit_task"


def _task(batch_id: int, unit_id: int | None):
    if unit_id is None:
        return BatchTask.objects.filter(batch_id=batch_id, unit__isnull=True)
    return BatchTask.objects.filter(batch_id=batch_id, unit_id=unit_id)


def tasks_record(batch_id: int, unit_ids: list[int | None]) -> None:
    """Record the batch's tasks about to be sent (those recorded already are kept)."""
    existing = set(BatchTask.objects.filter(batch_id=batch_id).values_list("unit_id", flat=True))
    BatchTask.objects.bulk_create(
        [BatchTask(batch_id=batch_id, unit_id=uid) for uid in unit_ids if uid not in existing],
        ignore_conflicts=True,
    )


def task_send(batch_id: int, unit_id: int | None, queue: str = "") -> bool:
    """Send the batch's preparation (``unit_id`` None) or one department's share, and
    record that it left; False, recording nothing, when the broker cannot be reached
    (the stall sweep sends it once it can)."""
    if unit_id is None:
        sent = send_or_leave_for_sweep(PREPARE_TASK, batch_id, what=f"batch {batch_id}")
    else:
        sent = send_or_leave_for_sweep(
            PROCESS_TASK,
            batch_id,
            unit_id,
            what=f"batch {batch_id} for unit {unit_id}",
            queue=queue,
        )
    if sent:
        task_sent(batch_id, unit_id)
    return sent


def task_sent(batch_id: int, unit_id: int | None) -> None:
    """The task's message reached the broker: it waits for a worker."""
    _task(batch_id, unit_id).update(sent_at=timezone.now())


def task_beat(batch_id: int, unit_id: int | None) -> None:
    """The worker is at the task: started (once), still making progress (every chunk)."""
    now = timezone.now()
    _task(batch_id, unit_id).update(
        started_at=Coalesce(F("started_at"), now), beat_at=now, finished_at=None
    )


def task_finished(batch_id: int, unit_id: int | None) -> None:
    now = timezone.now()
    _task(batch_id, unit_id).update(
        started_at=Coalesce(F("started_at"), now), beat_at=now, finished_at=now
    )


def _stalled_condition(*, cutoff: datetime.datetime, stalled_before: datetime.datetime) -> Q:
    """A task whose work has stopped: never sent (the broker was down) for longer than a
    moment; taken by a worker that has shown no progress since ``stalled_before``; or
    sent before ``cutoff`` and never taken (its message was lost)."""
    return Q(finished_at__isnull=True) & (
        Q(sent_at__isnull=True, created_at__lt=stalled_before)
        | Q(started_at__isnull=False, beat_at__lt=stalled_before)
        | Q(started_at__isnull=True, sent_at__lt=cutoff)
    )


def stalled_tasks(
    *, cutoff: datetime.datetime, stalled_before: datetime.datetime, batch_id: int | None = None
) -> list[BatchTask]:
    """The running batches' tasks whose work has stopped (see ``_stalled_condition``):
    a preparation not finished, or a department with checks still queued."""
    queued = DepartmentCheck.objects.filter(
        request__batch_id=OuterRef("batch_id"),
        unit_id=OuterRef("unit_id"),
        status=DepartmentCheck.Status.QUEUED,
    )
    tasks = (
        BatchTask.objects.filter(batch__status=VerificationBatch.Status.RUNNING)
        .filter(_stalled_condition(cutoff=cutoff, stalled_before=stalled_before))
        .filter(Q(unit__isnull=True) | Exists(queued))
        .select_related("unit")
        .order_by("batch_id", "pk")
    )
    if batch_id is not None:
        tasks = tasks.filter(batch_id=batch_id)
    return list(tasks)


def task_resend(task: BatchTask) -> bool:
    """Send a stalled task again, counting it; False when the broker is still down."""
    queue = task.unit.queue_name if task.unit_id else ""
    # Forgotten first: the task sent may run (in process, or at once on a free worker)
    # before this function returns.
    _task(task.batch_id, task.unit_id).update(
        resent=F("resent") + 1, sent_at=None, started_at=None, beat_at=None, finished_at=None
    )
    return task_send(task.batch_id, task.unit_id, queue)
