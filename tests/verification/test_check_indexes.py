"""The partial indexes of department checks hold exactly the rows their readers ask for:
their conditions name the model's own statuses (written out in the migration, so a new
open status must be added there too), and the readers' queries are answered from them on
PostgreSQL."""

import pytest
from django.db import connection

from verification import selectors
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


@pytest.mark.parametrize(
    ("name", "queryset"),
    [
        ("check_open_overdue", lambda: selectors.overdue_checks().values("pk")),
        (
            "check_answered_lately",
            lambda: DepartmentCheck.objects.filter(unit_id=1, status="answered").order_by(
                "-answered_at"
            )[:10],
        ),
    ],
)
def test_the_readers_queries_can_use_them(name, queryset):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    with connection.cursor() as cursor:
        # An empty table: without this the planner would read it whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset().explain()
    assert name in plan, plan
