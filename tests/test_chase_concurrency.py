"""Two people chase the same item at the same moment (PostgreSQL): exactly one chase is
recorded, the other is refused with the reason, by the base layer's unique constraint."""

import threading

import pytest
from django.db import connection

from assistance.models import Chase
from assistance.services import ChaseRefused, chase_record

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("a race needs PostgreSQL: SQLite serialises every write")


def test_two_chases_at_once_record_one(clerk, director, liaison):
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            chase_record(actor=actor, obj=liaison, liaisons=[actor], unit_name="区民政局")
            outcomes.append("chased")
        except ChaseRefused:
            outcomes.append("refused")
        except Exception as exc:  # reported below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    for _ in range(3):
        Chase.objects.all().delete()
        outcomes.clear()
        threads = [threading.Thread(target=run, args=(actor,)) for actor in (clerk, director)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["chased", "refused"]
        assert Chase.objects.count() == 1
