"""Celery tasks of reporting, each a thin interface to a service: the reminders (beat)."""

from celery import shared_task
from django.db import OperationalError

from . import sweeps


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def reports_remind_task() -> dict:
    sweep = sweeps.reports_remind()
    return {"due_soon": sweep.due_soon, "overdue": sweep.overdue}
