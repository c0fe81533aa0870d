"""Verification tasks: thin wrappers that take ids and call a service. Each check goes to
its department's own queue (``verify.<unit code>``), chosen when it is sent. Services
send these by name (``verification.tasks.<name>``) and never import this module."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone

from . import services, sweeps
from .batches import batch_prepare, batch_process_unit, batch_resend_stalled
from .changes import batch_changes_warm
from .connectors import snapshot_check, tell_uploader
from .models import VerificationBatch


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_deliver_task(check_id: int) -> bool:
    return services.check_deliver(check_id=check_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checks_mark_overdue_task() -> dict:
    sweep = sweeps.checks_mark_overdue()
    return {"marked": sweep.marked, "reminded": sweep.reminded}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def deadlines_recount_task(actor_id: int | None = None) -> int:
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return sweeps.deadlines_recount(actor=actor)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checks_resend_undelivered_task() -> int:
    minutes = settings.VERIFICATION_RESEND_AFTER_MINUTES
    return sweeps.checks_resend_undelivered(older_than=datetime.timedelta(minutes=minutes))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def batch_resend_stalled_task() -> int:
    """Re-send the batches' work that has stopped (a worker killed mid-batch, a message
    the broker never took), within VERIFICATION_BATCH_STALL_SECONDS."""
    minutes = settings.VERIFICATION_RESEND_AFTER_MINUTES
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    return batch_resend_stalled(cutoff=cutoff)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def batch_prepare_task(batch_id: int) -> int:
    return batch_prepare(batch_id=batch_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def batch_process_unit_task(batch_id: int, unit_id: int) -> int:
    return batch_process_unit(batch_id=batch_id, unit_id=unit_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def batch_changes_warm_task(batch_id: int) -> int:
    """Compare a finished batch with the households' previous verifications, chunk by
    chunk, and keep the result in the database for the changes page (nothing to do when
    the kept one is up to date). Returns how many households' verifications are complete."""
    batch = VerificationBatch.objects.filter(pk=batch_id).first()
    return batch_changes_warm(batch).completed if batch is not None else 0


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def snapshot_check_task(snapshot_id: int) -> str:
    """Check an uploaded registry extract and import it or refuse it; tell the liaison
    who uploaded it. Returns the snapshot's status ("" if it was not waiting)."""
    snapshot = snapshot_check(snapshot_id)
    if snapshot is None:
        return ""
    tell_uploader(snapshot)
    return snapshot.status
