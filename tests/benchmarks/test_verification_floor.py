"""The verification benchmark's bare-SQL floor (``benchmarks/verification/floors.py``):
the rows a batch wrote are written again by bare ``INSERT … SELECT`` statements into
copies of the tables, once with the tables' foreign keys and once without, shared
between connections, in transactions rolled back, so nothing is left behind. Tasks run
in process: the batch is prepared and answered before ``batch_submit`` returns."""

import pytest
from django.db import connection

from benchmarks.verification import floors
from benchmarks.verification.data import generate
from verification.batches import batch_submit
from verification.models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    RegistrySnapshot,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)

# generate() vacuums the tables it filled, which cannot be done inside a transaction.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the floor is measured on PostgreSQL"
    ),
]


@pytest.fixture
def batch():
    office, clerk = generate(households=4, members=2, departments=2, code="floor")
    submitted = batch_submit(actor=clerk, office=office, due_only=True)
    submitted.refresh_from_db()
    assert submitted.status == VerificationBatch.Status.COMPLETED
    return submitted


def _copies() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'bench_floor_%'")
        return [row[0] for row in cursor.fetchall()]


def test_the_floor_writes_every_row_of_the_batch_again_and_keeps_none(batch):
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    items = DepartmentCheck.items.through.objects.filter(departmentcheck__in=checks).count()
    findings = Finding.objects.filter(department_check__in=checks).count()
    # 4 households × 2 departments; each check's findings: 2 members × its items.
    assert (VerificationRequest.objects.filter(batch=batch).count(), checks.count()) == (4, 8)
    assert findings == 2 * items
    rows = 4 + 8 + items + findings
    # Split between connections, each row is written once.
    for foreign_keys, shares in ((False, 1), (True, 1), (False, 2), (True, 3)):
        seconds, written = floors.sql_floor(batch.pk, foreign_keys=foreign_keys, shares=shares)
        assert written == rows
        assert seconds > 0
    assert _copies() == []


def test_the_copies_reference_what_the_tables_reference():
    with connection.cursor() as cursor:
        keys = floors._foreign_keys(cursor, Finding._meta.db_table)
    referenced = {key.split("REFERENCES ")[1].split("(")[0] for key in keys}
    assert referenced == {
        model._meta.db_table
        for model in (DepartmentCheck, HouseholdMember, VerificationItem, RegistrySnapshot)
    }
