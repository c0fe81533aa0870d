"""Celery tasks of the monitoring: thin interfaces to its services, sent by name
(``monitoring.tasks.<name>``) after the commit and never imported by the services. Both are
idempotent: an evaluation run twice raises nothing the second time, and the overdue sweep
marks and reminds nothing twice a day."""

from celery import shared_task
from django.db import OperationalError

from assistance.audit import current_actor

from . import sweeps
from .evaluation import evaluate
from .models import EvaluationRun


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def warnings_evaluate_task(trigger: str = EvaluationRun.Trigger.SCHEDULE) -> dict:
    """Evaluate every active rule and the hardship scores (beat; after an extract or a
    batch; when the office asks), for the user who started it."""
    if trigger not in EvaluationRun.Trigger.values:
        trigger = EvaluationRun.Trigger.SCHEDULE
    run = evaluate(trigger=trigger, actor=current_actor())
    return {"run": run.pk, "raised": run.raised, "resolved": run.resolved, "scored": run.scored}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def warnings_mark_overdue_task() -> dict:
    sweep = sweeps.warnings_mark_overdue()
    return {"marked": sweep.marked, "reminded": sweep.reminded}
