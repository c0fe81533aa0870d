"""Celery tasks of the API: one attempt at an event delivery, and the sweep that sends
again deliveries whose message was lost. Thin interfaces to ``api.webhooks``; both run on
the default queue. Sent by name (``api.tasks.<name>``)."""

from celery import shared_task
from django.db import OperationalError

from . import webhooks


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def event_deliver_task(delivery_id: int) -> str:
    """POST the delivery; after a failure, send this task again with the pause the
    delivery records (if the broker refuses, the sweep sends it when it is due)."""
    attempt = webhooks.delivery_attempt(delivery_id=delivery_id)
    if attempt is None:
        return ""
    if attempt.retry_in:
        webhooks.deliveries_send([delivery_id], countdown=attempt.retry_in)
    return attempt.status


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def event_deliveries_resend_task() -> int:
    return webhooks.deliveries_resend()
