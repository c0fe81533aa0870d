"""Helpers for tests that need delivered checks: a request filed through the service, its
tasks run after commit (in process), and the findings grid as a browser posts it."""

import os
from contextlib import contextmanager

from office.celery import app
from verification import services
from verification.models import DepartmentCheck, Finding


def submit(capture, *, actor, household, units=None):
    """File a request and deliver its checks, as the office's page and the workers do.
    ``capture`` is pytest-django's ``django_capture_on_commit_callbacks``."""
    with capture(execute=True):
        return services.request_submit(actor=actor, household=household, units=units)


def grid(check: DepartmentCheck, *, result=Finding.Result.NO_RECORD, details="", **overrides):
    """POST data answering every member × item of ``check`` with ``result``; ``overrides``
    maps field names (``result_<member>_<item>``, ``details_…``, ``amount_…``) to values."""
    data = {}
    for member in check.request.members.order_by("pk"):
        for item in check.items.all():
            key = f"{member.pk}_{item.pk}"
            data[f"result_{key}"] = result
            data[f"details_{key}"] = details
            if item.has_amount:
                data[f"amount_{key}"] = ""
    data.update(overrides)
    return data


def first_key(check: DepartmentCheck) -> str:
    """The field-name suffix of the first member and item of the check."""
    member = check.request.household.members.order_by("pk").first()
    item = check.items.order_by("order", "pk").first()
    return f"{member.pk}_{item.pk}"


@contextmanager
def broker_down():
    """Publishing fails with a connection error, as it does when Redis is down: nothing
    listens on port 1. Celery reads CELERY_BROKER_URL from the environment before its
    configuration, so both change; its connection pools are dropped on the way in and
    out, so the next publish connects to the address then in force."""
    unreachable = "redis://127.0.0.1:1/0"
    saved = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url
    os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = unreachable
    _reset_pools()
    try:
        yield
    finally:
        if saved[0] is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved[0]
        app.conf.broker_url = saved[1]
        _reset_pools()


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None
