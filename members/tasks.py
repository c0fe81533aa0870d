"""Tasks of the register: thin wrappers that load by id and call a service."""

from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(services.MailNotDelivered,), retry_backoff=True, max_retries=5, acks_late=True
)
def liaison_notify_appointed(liaison_id: int) -> None:
    services.liaison_notify_appointed(liaison_id=liaison_id)
