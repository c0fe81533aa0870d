"""What monitoring hears from verification, which does not know it: a registry extract
imported, or a batch re-verification completed, is new information for the warning rules,
so an evaluation is sent once the transaction commits (by task name; when the broker is
down the schedule's next evaluation does the work). Connected in
``MonitoringConfig.ready``."""

from django.db import transaction

from assistance.outbox import send_or_leave_for_sweep
from verification.signals import batch_completed, snapshot_imported

from .models import EvaluationRun

EVALUATE_TASK = "monitoring.tasks.warnings_evaluate_task"


def send_evaluation(trigger: str, actor_id: int | None) -> None:
    """After the commit, evaluate every rule, for ``actor_id`` (whose work brought the new
    information: the extract's uploader, the batch's clerk)."""
    transaction.on_commit(
        lambda: send_or_leave_for_sweep(
            EVALUATE_TASK, trigger, actor_id, what=f"evaluation ({trigger})"
        )
    )


def on_snapshot_imported(sender, snapshot, **kwargs):
    send_evaluation(EvaluationRun.Trigger.EXTRACT, snapshot.uploaded_by_id)


def on_batch_completed(sender, batch, **kwargs):
    send_evaluation(EvaluationRun.Trigger.BATCH, batch.created_by_id)


def connect():
    snapshot_imported.connect(on_snapshot_imported, dispatch_uid="monitoring_snapshot_imported")
    batch_completed.connect(on_batch_completed, dispatch_uid="monitoring_batch_completed")
