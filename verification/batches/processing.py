"""A department's share of a batch, processed a chunk of checks at a time (answered from
its registry snapshot, or delivered to its liaisons' inbox); finishing the batch when no
check is left queued; carrying on batches whose messages were lost; cancelling."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.models import AuditEvent
from assistance.notices import notice
from assistance.outbox import send_or_leave_for_sweep
from assistance.services import audit_event_record, notify
from members.models import MemberUnit

from ..answering import OPEN, answer_from_snapshot, complete_batch_requests, move_queued
from ..connectors import current_snapshot
from ..models import DepartmentCheck, VerificationBatch, VerificationRequest
from ..services import VerificationError
from ..signals import batch_completed
from ..sql import chunk_transaction, in_parallel, keyset_chunks
from .heartbeat import stalled_tasks, task_beat, task_finished, task_resend

# A worker's log says which departments' shares it ran: on several hosts, which host
# did which department's work.
logger = logging.getLogger(__name__)


def _deliver_chunk(
    check_ids: list[int], unit: MemberUnit, reason: str, *, batch_id, actor_id
) -> int:
    """Deliver a chunk of checks to the liaison's inbox (with the connector's reason) in
    one statement, and record one audit event for the chunk; the unit's liaisons see them
    by the gateway's rule, no rows granted."""
    with chunk_transaction():
        ids = move_queued(
            check_ids,
            status=DepartmentCheck.Status.DELIVERED,
            delivered_at=timezone.now(),
            fallback_reason=reason[:300],
        )
        if not ids:
            return 0
        audit_event_record(
            actor_id=actor_id,
            job="batch re-verification",
            action=AuditEvent.Action.BATCH_STEP,
            model=DepartmentCheck,
            ids=ids,
            summary=_("Batch %(batch)s: %(count)d checks delivered to the inbox of %(unit)s")
            % {"batch": batch_id, "count": len(ids), "unit": unit.name},
        )
    return len(ids)


def batch_process_unit(*, batch_id: int, unit_id: int) -> int:
    """Process one department's checks of a batch, a chunk at a time (keyset order), until
    none is queued or the batch is cancelled. Returns how many checks it moved."""
    unit = MemberUnit.objects.get(pk=unit_id)
    # The clerk who submitted the batch started this work: its steps are recorded as theirs.
    starter_id = (
        VerificationBatch.objects.filter(pk=batch_id)
        .values_list("created_by_id", flat=True)
        .first()
    )
    snapshot, reason = current_snapshot(unit_id)
    running = VerificationBatch.objects.filter(pk=batch_id, status=VerificationBatch.Status.RUNNING)
    queued = (
        DepartmentCheck.objects.filter(
            request__batch_id=batch_id, unit_id=unit_id, status=DepartmentCheck.Status.QUEUED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def work(ids: list[int]) -> int:
        if snapshot is not None:
            moved = answer_from_snapshot(ids, snapshot, actor_id=starter_id, complete=False)[0]
        else:
            moved = _deliver_chunk(ids, unit, reason, batch_id=batch_id, actor_id=starter_id)
        task_beat(batch_id, unit_id)  # still at it: the stall sweep leaves this task be
        return moved

    task_beat(batch_id, unit_id)
    logger.info("Batch %s: department %s's share started", batch_id, unit.code)
    # The batch is looked at before each chunk: a cancel stops the department there.
    chunks = keyset_chunks(queued, settings.VERIFICATION_BATCH_CHUNK, running.exists)
    moved = in_parallel(chunks, work, settings.VERIFICATION_BATCH_THREADS)
    task_finished(batch_id, unit_id)
    logger.info("Batch %s: department %s's share done, %d checks", batch_id, unit.code, moved)
    if snapshot is None and moved:
        notify(
            users=[
                liaison.user
                for liaison in unit.liaisons.filter(
                    active=True, user__is_active=True
                ).select_related("user")
            ],
            message=notice(
                gettext_noop("%(count)d verification checks of a batch wait in your inbox."),
                count=moved,
            ),
            url=reverse("verification:inbox"),
        )
    batch_finish_if_done(batch_id=batch_id)
    return moved


def batch_finish_if_done(*, batch_id: int) -> bool:
    """Mark the batch completed once no check of it is queued (every department has
    processed its part), and complete its requests whose checks are all answered (the
    departments' chunks leave that to here); answers to delivered checks complete their
    requests as usual."""
    with transaction.atomic():
        batch = VerificationBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != VerificationBatch.Status.RUNNING:
            return False
        if DepartmentCheck.objects.filter(
            request__batch=batch, status=DepartmentCheck.Status.QUEUED
        ).exists():
            return False
        if not VerificationRequest.objects.filter(batch=batch).exists():
            return False
        batch.status = VerificationBatch.Status.COMPLETED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "finished_at"])
        _complete_requests(batch, batch.finished_at)
        # The clerk's next look is at what changed: compute it before they ask.
        transaction.on_commit(lambda: _send_changes_warm(batch_id))
        batch_completed.send(sender=VerificationBatch, batch=batch)
    return True


def _complete_requests(batch: VerificationBatch, now) -> int:
    """Complete the batch's requests with every check answered, with an audit event."""
    completed = complete_batch_requests(batch.pk, now)
    if completed:
        audit_event_record(
            actor_id=batch.created_by_id,
            job="batch re-verification",
            action=AuditEvent.Action.BATCH_STEP,
            model=VerificationRequest,
            count=completed,
            summary=_("Batch %(batch)s: %(count)d requests completed")
            % {"batch": batch.pk, "count": completed},
        )
    return completed


def _send_changes_warm(batch_id: int) -> None:
    # Only a head start is lost if the broker is down: the changes page computes what it
    # does not find in the cache.
    send_or_leave_for_sweep(
        "verification.tasks.batch_changes_warm_task", batch_id, what=f"batch {batch_id}'s changes"
    )


def batch_resend_stalled(
    *, cutoff: datetime.datetime, stalled_before: datetime.datetime | None = None
) -> int:
    """Carry on running batches whose work has stopped (see ``heartbeat``): a task whose
    message never reached the broker, whose worker has shown no progress since
    ``stalled_before`` (default: ``VERIFICATION_BATCH_STALL_SECONDS`` ago; a worker killed
    mid-batch), or that was sent before ``cutoff`` and never taken. A preparation is sent
    again (it picks up where it stopped), a department's share likewise for its checks
    still queued. Batches from before tasks were recorded are judged by ``cutoff`` alone.
    Both tasks are idempotent, so a message that does arrive after all changes nothing.
    Returns how many were sent."""
    if stalled_before is None:
        stalled_before = timezone.now() - datetime.timedelta(
            seconds=settings.VERIFICATION_BATCH_STALL_SECONDS
        )
    sent = 0
    for task in stalled_tasks(cutoff=cutoff, stalled_before=stalled_before):
        if not task_resend(task):
            return sent  # the broker is down: the rest wait for the next sweep too
        sent += 1
    return sent + _resend_unrecorded(cutoff)


def _resend_unrecorded(cutoff: datetime.datetime) -> int:
    """Batches submitted before their tasks were recorded: a batch not yet prepared
    (neither households nor skipped ones counted) is sent to be prepared again; a
    prepared one gets, for each department with checks still queued, its task again."""
    running = VerificationBatch.objects.filter(
        status=VerificationBatch.Status.RUNNING, created_at__lt=cutoff, tasks__isnull=True
    )
    unprepared = list(
        running.filter(household_count=0, skipped_count=0).values_list("pk", flat=True)
    )
    stalled = (
        DepartmentCheck.objects.filter(
            status=DepartmentCheck.Status.QUEUED,
            request__batch__in=running.exclude(household_count=0, skipped_count=0),
        )
        .order_by()
        .values_list("request__batch_id", "unit_id", "unit__code")
        .distinct()
    )
    messages = [
        ("verification.tasks.batch_prepare_task", (batch_id,), {}) for batch_id in unprepared
    ] + [
        (
            "verification.tasks.batch_process_unit_task",
            (batch_id, unit_id),
            {"queue": f"verify.{code}"},
        )
        for batch_id, unit_id, code in stalled
    ]
    sent = 0
    for task, args, options in messages:
        if not send_or_leave_for_sweep(task, *args, what=f"batch {args[0]}", **options):
            break  # the broker is down: the rest wait for the next sweep too
        sent += 1
    return sent


@transaction.atomic
def batch_cancel(*, actor, batch: VerificationBatch) -> VerificationBatch:
    """Stop a running batch: the departments' tasks stop at their next chunk; checks not
    yet answered are cancelled, and so are requests not yet complete."""
    batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != VerificationBatch.Status.RUNNING:
        raise VerificationError(_("Only a running batch can be cancelled."))
    # Requests first, in key order, as a department's chunk takes them: a chunk under way
    # finishes first, and the two never deadlock.
    list(
        VerificationRequest.objects.select_for_update()
        .filter(batch=batch, status=VerificationRequest.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    checks = DepartmentCheck.objects.filter(request__batch=batch, status__in=OPEN).update(
        status=DepartmentCheck.Status.CANCELLED
    )
    # A request whose every check the departments had answered is complete, not cancelled
    # (the chunks leave completing requests to the batch's end).
    now = timezone.now()
    answered = DepartmentCheck.objects.filter(request_id=OuterRef("pk")).exclude(
        status=DepartmentCheck.Status.ANSWERED
    )
    VerificationRequest.objects.filter(
        batch=batch, status=VerificationRequest.Status.SUBMITTED
    ).exclude(Exists(answered)).update(
        status=VerificationRequest.Status.COMPLETED, completed_at=now
    )
    requests = VerificationRequest.objects.filter(
        batch=batch, status=VerificationRequest.Status.SUBMITTED
    ).update(status=VerificationRequest.Status.CANCELLED)
    audit_event_record(
        actor=actor,
        job="batch re-verification",
        action=AuditEvent.Action.BATCH_CANCEL,
        model=DepartmentCheck,
        count=checks,
        summary=_("Batch %(batch)s cancelled: %(checks)d open checks and %(requests)d requests")
        % {"batch": batch.pk, "checks": checks, "requests": requests},
    )
    batch.status = VerificationBatch.Status.CANCELLED
    batch.finished_at = now
    batch._history_user = actor
    batch.save()
    return batch
