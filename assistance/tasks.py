"""Tasks of the base layer: the outbox sweep."""

from celery import shared_task

from . import outbox


@shared_task(acks_late=True)
def outbox_resend_task() -> int:
    return outbox.outbox_resend()
