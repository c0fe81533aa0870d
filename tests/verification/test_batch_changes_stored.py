"""A batch's changes kept in the database: compared chunk by chunk, the result is the
comparison computed in one go; no statement brings the worker more than one chunk's rows
whatever the size of the batch; two comparisons at once leave the later one shown.

Tasks run in process: a batch submitted inside ``django_capture_on_commit_callbacks
(execute=True)`` is prepared, processed and compared before the block ends."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.verification.test_batches import make_households, submit, upload_snapshot
from verification.changes import batch_changes, batch_changes_compute, stored_batch_changes
from verification.changes import stored as stored_changes
from verification.models import (
    BatchComparison,
    BatchHouseholdChanges,
    DepartmentCheck,
    Finding,
    HouseholdMember,
    VerificationRequest,
)
from verification.sql import table, vacuum_analyze
from verification.tasks import batch_changes_warm_task

pytestmark = pytest.mark.django_db

MEMBERS = 2


@pytest.fixture
def verify_twice(clerk, group, unit, other_unit, items, liaison, other_liaison, capture):
    """``count`` households verified a year ago and again now, with every kind of
    change: cars bought and sold, taxes grown, the same or gone; two households new
    since (nothing to compare) and some without change. Returns the second batch."""

    def verify(count, town):
        make_households(count, office=group, clerk=clerk, town=town, members=MEMBERS)
        people = list(HouseholdMember.objects.filter(household__town=town).order_by("pk"))
        upload_snapshot(unit, liaison, [(m.id_number, "车辆", "摩托车", "") for m in people[::5]])
        upload_snapshot(
            other_unit, other_liaison, [(m.id_number, "纳税", "", "100") for m in people[::3]]
        )
        first = submit(capture, actor=clerk, office=group, town=town)
        long_ago = timezone.now() - datetime.timedelta(days=400)
        first.requests.update(submitted_at=long_ago, completed_at=long_ago)
        make_households(2, office=group, clerk=clerk, town=town, members=MEMBERS)
        people = list(HouseholdMember.objects.filter(household__town=town).order_by("pk"))
        upload_snapshot(
            unit, liaison, [(m.id_number, "车辆", f"轿车{m.pk}", "") for m in people[::4]]
        )
        upload_snapshot(
            other_unit,
            other_liaison,
            [(m.id_number, "纳税", "", ("100", "200")[i % 2]) for i, m in enumerate(people[::3])],
        )
        return submit(capture, actor=clerk, office=group, town=town)

    return verify


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_a_batch_larger_than_a_chunk_is_compared_as_in_one_go(settings, verify_twice):
    settings.VERIFICATION_BATCH_CHUNK = 3
    batch = verify_twice(10, "大峪街道")
    assert batch.requests.filter(status=VerificationRequest.Status.COMPLETED).count() == 12
    # The batch's task compared it, four chunks of three households.
    kept = stored_batch_changes(batch)
    whole = batch_changes(batch)
    with_changes = [h for h in whole if h.has_changes]
    assert 0 < len(with_changes) < 10
    assert (kept.completed, kept.compared, kept.first_time) == (12, 10, 2)
    assert len(kept) == len(with_changes)
    assert kept[0 : len(kept)] == with_changes
    assert kept[len(kept) - 1] == with_changes[-1]
    assert {c.kind for h in with_changes for m in h.members for c in m.changes} == {
        "new",
        "ended",
        "changed",
    }
    assert BatchHouseholdChanges.objects.filter(batch=batch).count() == len(with_changes)


def _rows_per_statement(work) -> tuple[object, list[int]]:
    """What ``work()`` returns, and how many rows each statement it ran brought back."""
    rows: list[int] = []

    def record(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if context["cursor"].description is not None:  # a statement that returns rows
            rows.append(context["cursor"].rowcount)
        return result

    with connection.execute_wrapper(record):
        result = work()
    return result, rows


def test_the_comparison_holds_one_chunk_at_a_time(settings, verify_twice):
    chunk = settings.VERIFICATION_BATCH_CHUNK = 3
    # A household brings at most its members on both sides (the people), and two
    # differing findings per member and item: bounded by the chunk, not the batch.
    per_chunk = chunk * MEMBERS * 2 * 2
    fetched = {}
    for count, town in ((4, "小镇"), (30, "大镇")):
        batch = verify_twice(count, town)
        kept, rows = _rows_per_statement(lambda b=batch: batch_changes_compute(b, state="x"))
        assert kept["completed"] == count + 2
        fetched[count] = rows
    assert max(fetched[30]) <= per_chunk
    assert len(fetched[30]) > len(fetched[4])  # more chunks, not larger ones
    assert sum(fetched[30]) > 2 * per_chunk
    # Compared in one go, the same batch brings more than a chunk's rows at once.
    _whole, rows = _rows_per_statement(lambda: batch_changes(batch))
    assert max(rows) > per_chunk


def test_two_comparisons_at_once_leave_the_later_one_shown(settings, verify_twice):
    batch = verify_twice(4, "永定镇")
    keys = list(
        batch.requests.filter(status=VerificationRequest.Status.COMPLETED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    earlier = stored_changes._begin(batch)
    later = stored_changes._begin(batch)
    counts = {g: stored_changes._compare_chunk(batch, g, keys) for g in (earlier, later)}
    shown = stored_changes._finish(batch, later, "later", counts[later])
    assert shown["generation"] == later
    # The earlier one, finishing last, is not shown, and its rows go.
    assert stored_changes._finish(batch, earlier, "earlier", counts[earlier]) == shown
    assert BatchComparison.objects.get(batch=batch).state == "later"
    generations = BatchHouseholdChanges.objects.filter(batch=batch).values_list(
        "generation", flat=True
    )
    assert set(generations) == {later}
    assert len(generations) == counts[later]["changed"] > 0


def test_the_comparison_at_a_batchs_completion_is_planned_on_fresh_statistics(verify_twice):
    """The batch has just completed every request: on the statistics of before, each
    chunk's look-up of the previous verifications scanned every completed request (a
    comparison growing with the square of the batch). The task analyses first."""
    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    batch = verify_twice(4, "龙泉镇")
    BatchComparison.objects.filter(batch=batch).update(state="")  # stale: compared again
    with CaptureQueriesContext(connection) as queries:
        assert batch_changes_warm_task(batch.pk) == 6
    statements = [q["sql"] for q in queries.captured_queries]
    written = next(
        i
        for i, sql in enumerate(statements)
        if sql.startswith(f"INSERT INTO {table(BatchHouseholdChanges)}")
    )
    # In a test's transaction VACUUM cannot run: the tables are analysed only.
    analysed = " ".join(sql for sql in statements[:written] if sql.startswith("ANALYZE"))
    for model in (VerificationRequest, DepartmentCheck, Finding):
        assert table(model) in analysed
    assert BatchComparison.objects.get(batch=batch).state != ""


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_rewritten_tables_are_vacuumed():
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    with CaptureQueriesContext(connection) as queries:
        vacuum_analyze(VerificationRequest, DepartmentCheck)
    assert [q["sql"] for q in queries.captured_queries] == [
        f"VACUUM (ANALYZE) {table(VerificationRequest)}, {table(DepartmentCheck)}"
    ]
