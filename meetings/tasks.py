"""Meeting tasks: thin wrappers that take ids and call a service."""

from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def agenda_publish_task(meeting_id: int) -> int:
    return services.agenda_publish(meeting_id=meeting_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def decisions_remind_overdue_task() -> int:
    return services.decisions_remind_overdue()
