"""The partial indexes of department checks hold exactly the rows their readers ask for:
their conditions name the model's own statuses (written out in the migration, so a new
open status must be added there too), and the readers' queries are answered from them on
PostgreSQL."""

import pytest
from django.db import connection

from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db


def _index(name):
    return next(index for index in DepartmentCheck._meta.indexes if index.name == name)


def test_the_overdue_index_holds_the_open_statuses_and_the_answered_one_the_answers():
    overdue = dict(_index("check_open_overdue").condition.children)
    assert overdue["overdue"] is True
    assert set(overdue["status__in"]) == set(DepartmentCheck.OPEN)
    answered = dict(_index("check_answered_lately").condition.children)
    assert answered == {"status": DepartmentCheck.Status.ANSWERED}
    assert set(dict(_index("check_open").condition.children)["status__in"]) == set(
        DepartmentCheck.OPEN
    )
    # The status has no index of every row (nor one for LIKE) besides.
    assert not DepartmentCheck._meta.get_field("status").db_index


@pytest.mark.parametrize(
    "queryset",
    [
        lambda: DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN),
        lambda: DepartmentCheck.objects.filter(status=DepartmentCheck.Status.QUEUED),
        lambda: DepartmentCheck.objects.filter(status=DepartmentCheck.Status.RETURNED),
    ],
)
def test_open_checks_are_read_from_the_open_index(queryset):
    """The office's summary, a batch's checks still queued, the returned ones: each asks
    for one or more open statuses, which the partial index is proved to hold."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset().explain()
    assert "check_open " in plan, plan


@pytest.mark.parametrize(
    ("name", "queryset"),
    [
        (
            "check_open_overdue",
            lambda: DepartmentCheck.objects.filter(
                unit_id=1, overdue=True, status__in=DepartmentCheck.OPEN
            ).order_by("deadline", "pk"),
        ),
        (
            "check_answered_lately",
            lambda: DepartmentCheck.objects.filter(unit_id=1, status="answered").order_by(
                "-answered_at"
            )[:10],
        ),
    ],
)
def test_the_readers_order_comes_from_them(name, queryset):
    """Each index gives its reader's rows in the order asked for, where no other index
    does. On an empty table every plan costs alike, so sorting is priced out (as a
    table of millions prices it) and the plan must read the index that needs none."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        plan = queryset().explain()
    assert name in plan and "Sort" not in plan, plan
