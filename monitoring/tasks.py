"""Celery tasks of the monitoring: thin interfaces to its services, sent by name
(``monitoring.tasks.<name>``) after the commit and never imported by the services. Both are
idempotent: an evaluation run twice raises nothing the second time, and the overdue sweep
marks and reminds nothing twice a day."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from assistance.audit import current_actor

from . import sweeps
from .evaluation import evaluate
from .models import EvaluationRun


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def warnings_evaluate_task(
    trigger: str = EvaluationRun.Trigger.SCHEDULE, actor_id: int | None = None
) -> dict:
    """Evaluate every active rule and the hardship scores (beat; after an extract or a
    batch, for whoever brought it; when the office asks, for the user who asked)."""
    if trigger not in EvaluationRun.Trigger.values:
        trigger = EvaluationRun.Trigger.SCHEDULE
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    run = evaluate(trigger=trigger, actor=actor or current_actor())
    return {"run": run.pk, "raised": run.raised, "resolved": run.resolved, "scored": run.scored}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def warnings_mark_overdue_task() -> dict:
    sweep = sweeps.warnings_mark_overdue()
    return {"marked": sweep.marked, "reminded": sweep.reminded}
