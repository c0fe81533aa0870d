"""The ledger's demo loads with the demo data, once: entries of several units (entered,
from a granted referral, imported) and a conflict of each kind on the office's lists."""

import pytest
from django.core.management import call_command

from ledger import conflicts
from ledger.models import LedgerEntry, ProgramRule

pytestmark = pytest.mark.django_db


def test_the_demo_ledger(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    entries = LedgerEntry.objects.filter(program__group__code="huangchuan")
    assert entries.values("unit").distinct().count() >= 3
    assert set(entries.values_list("source", flat=True)) == {"entered", "referral", "import"}
    duplicates = conflicts.rows("duplicates")
    kinds = set(
        ProgramRule.objects.filter(pk__in={row[0] for row in duplicates}).values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"excludes", "requires"}
    assert len(conflicts.rows("deaths")) == 1
    assert len(conflicts.rows("over_standard")) == 1
    count = entries.count()
    call_command("load_demo")
    assert entries.count() == count
