"""Tasks of the base layer: the outbox sweep."""

import smtplib

from celery import shared_task

from . import outbox, services


@shared_task(acks_late=True)
def outbox_resend_task() -> int:
    return outbox.outbox_resend()


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def notifications_email_task(notification_ids: list[int]) -> int:
    """E-mail these notifications; already e-mailed ones are skipped (idempotent)."""
    return services.notifications_email(notification_ids)


@shared_task
def echo_task(key: str) -> None:
    """Nothing but a mark in the shared cache: a bare Celery round trip, the floor a
    benchmark measures the application's tasks against (benchmarks/verification)."""
    from django.core.cache import cache

    cache.set(key, 1, timeout=300)
