"""Celery tasks of the ledger: each a thin interface to a service."""
