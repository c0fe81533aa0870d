"""Celery tasks of intake, each a thin interface to a service: delivering a referral to its
unit (sent by name to the unit's queue ``verify.<code>`` after the commit) and the overdue
sweep (beat)."""

from celery import shared_task
from django.db import OperationalError

from . import services, sweeps


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def referral_deliver_task(referral_id: int) -> bool:
    return services.referral_deliver(referral_id=referral_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def referrals_mark_overdue_task() -> dict:
    sweep = sweeps.referrals_mark_overdue()
    return {"marked": sweep.marked, "reminded": sweep.reminded}
