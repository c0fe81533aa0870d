"""Reports issued at the same moment get distinct reference numbers, and one report issued
twice at once gets a single one, the year's series created once, on PostgreSQL (row locks;
SQLite serialises every write, so there is no race to test)."""

import threading

import pytest
from django.db import connection

from tests.verification.factories import authorize_all, register_family
from verification import services
from verification.models import ReportNumberSeries, ReportReference, VerificationRequest
from verification.report_numbers import report_reference_issue
from verification.services import FindingData

pytestmark = pytest.mark.django_db(transaction=True)

REPORTS = 6


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent issues need row locks: run with DATABASE_URL set to PostgreSQL "
            "(SQLite serialises every write, so there is no race to test)"
        )


def _completed(clerk, group, liaison_of):
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = services.request_submit(actor=clerk, household=household)
    for check in request.checks.select_related("unit"):
        services.check_answer(
            actor=liaison_of[check.unit_id],
            check=check,
            findings=[
                FindingData(m.pk, i.pk, "no_record")
                for m in request.members.order_by("pk")
                for i in check.items.order_by("pk")
            ],
        )
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.COMPLETED
    return request


def _together(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(actor, request):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            results.append(report_reference_issue(actor=actor, request=request).pk)
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an issue never finished"
    return results, errors


def test_reports_issued_at_once_get_distinct_numbers(
    clerk, director, group, unit, other_unit, items, liaison, other_liaison
):
    liaison_of = {unit.pk: liaison, other_unit.pk: other_liaison}
    requests = [_completed(clerk, group, liaison_of) for _ in range(REPORTS)]
    # The year's first reports: the series is created by one of them.
    results, errors = _together([(clerk if i % 2 else director, r) for i, r in enumerate(requests)])
    assert errors == []
    numbers = sorted(ReportReference.objects.values_list("number", flat=True))
    assert numbers == list(range(1, REPORTS + 1))
    assert ReportNumberSeries.objects.get(office=group).last_number == REPORTS


def test_one_report_issued_twice_at_once_gets_one_number(
    clerk, director, group, unit, other_unit, items, liaison, other_liaison
):
    liaison_of = {unit.pk: liaison, other_unit.pk: other_liaison}
    request = _completed(clerk, group, liaison_of)
    results, errors = _together([(clerk, request), (director, request), (clerk, request)])
    assert errors == []
    assert len(set(results)) == 1
    assert ReportReference.objects.get().number == 1
    assert ReportNumberSeries.objects.get(office=group).last_number == 1
