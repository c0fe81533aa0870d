"""Helpers for tests that need delivered checks: a request filed through the service, its
tasks run after commit (in process), and the findings grid as a browser posts it."""

import os
from contextlib import contextmanager

from django.db.models import Count

from office.celery import app
from verification import services
from verification.models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    RegistrySnapshot,
    VerificationBatch,
    VerificationRequest,
)


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


def assert_answered_exactly_once(batch: VerificationBatch, *, households: int):
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED
    assert batch.finished_at is not None
    assert batch.household_count == households
    requests = VerificationRequest.objects.filter(batch=batch)
    # One request per household, never two.
    assert requests.count() == households
    assert requests.values("household").distinct().count() == households
    assert set(requests.values_list("status", flat=True)) == {"completed"}
    assert not requests.filter(completed_at__isnull=True).exists()
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    units = checks.values("unit").distinct().count()
    assert checks.count() == households * units
    assert set(checks.values_list("status", flat=True)) == {DepartmentCheck.Status.ANSWERED}
    assert not checks.filter(answered_at__isnull=True).exists()
    # Exactly one finding per member and item of every check: as many as members x items,
    # and no (check, member, item) twice.
    findings = Finding.objects.filter(department_check__request__batch=batch)
    expected = sum(
        HouseholdMember.objects.filter(household__requests=check.request_id).count()
        * check.items.count()
        for check in checks.prefetch_related("items")
    )
    assert findings.count() == expected
    duplicates = (
        findings.values("department_check", "member", "item")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    # Every finding names the snapshot of its department.
    current = dict(RegistrySnapshot.objects.filter(is_current=True).values_list("unit_id", "pk"))
    for unit_id, snapshot_id in findings.values_list(
        "department_check__unit_id", "snapshot_id"
    ).distinct():
        assert snapshot_id == current[unit_id]


@contextmanager
def broker_at(url: str):
    """This process publishes to, and controls the workers through, the broker at ``url``
    (a Redis URL) for the time of the block. Celery reads CELERY_BROKER_URL from the
    environment before its configuration, so both change; its connection pools are
    dropped on the way in and out, so the next publish connects to the address then in
    force."""
    saved = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url
    os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = url
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


def broker_down():
    """Publishing fails with a connection error, as it does when Redis is down: nothing
    listens on port 1."""
    return broker_at("redis://127.0.0.1:1/0")


def _reset_pools():
    app._pool = None
    app.amqp._producer_pool = None
