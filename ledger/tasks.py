"""Celery tasks of the ledger: thin interfaces to its services, sent by name
(``ledger.tasks.<name>``) after the commit and never imported by the services."""

from celery import shared_task
from django.db import OperationalError

from .importing import ledger_import_check, tell_uploader


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def ledger_import_check_task(import_id: int) -> str:
    """Check a unit's monthly file and import it or refuse it; tell the liaison who
    uploaded it. Returns the import's status ("" if it was not waiting)."""
    ledger_import = ledger_import_check(import_id)
    if ledger_import is None:
        return ""
    tell_uploader(ledger_import)
    return ledger_import.status
