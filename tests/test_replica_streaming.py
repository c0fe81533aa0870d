"""The read replica on a real streaming standby: the test starts a PostgreSQL primary and a
hot standby copied from it with ``pg_basebackup -R -X stream`` (tests/pgcluster.py), runs
the application in a process of its own with ``DATABASE_URL`` on the primary and
``DATABASE_REPLICA_URL`` on the standby (tests/appprocess.py; it migrates the primary),
and shows, through its pages:

* what is written on the primary reaches the standby by streaming;
* with the standby's replay paused, the dashboard and the export (``@replica_reads``) still
  show the old figures while the pages that read the primary show the new ones; once
  replay resumes they catch up;
* every write, and every page that reads what was just written, goes to the primary: the
  standby is read-only, so a write sent there would fail, and none does."""

import datetime
import io
import os
import re
from urllib.parse import urlencode

import psycopg2
import pytest
from django.urls import resolve, reverse
from openpyxl import load_workbook

from tests import pgcluster
from tests.appprocess import AppProcess
from tests.verification.factories import make_id_number, years_ago

pytestmark = pytest.mark.skipif(bool(pgcluster.unavailable()), reason=pgcluster.unavailable())

WEEK = datetime.date(2026, 11, 16)
DASHBOARD_QUERY = {"start": "2026-11-01", "end": "2026-11-30", "download": "weekly-trend"}


def seed() -> dict:
    """In the application's process: the register, a clerk and the director, and one
    week of the verification dashboard (9 checks received, 7 answered)."""
    from dashboards.models import CheckWeek
    from tests import register

    group = register.group()
    unit = register.unit(group)
    register.persona("clerk")
    register.persona("director")
    CheckWeek.objects.create(unit=unit, group=group, week=WEEK, received=9, answered=7)
    return {"group": group.pk}


@pytest.fixture
def servers():
    """A primary and its streaming standby, with a database ``office`` on the primary;
    stopped and removed after the test, whatever its outcome."""
    with pgcluster.streaming_pair() as (primary, standby):
        admin = primary.connect()
        admin.cursor().execute("CREATE DATABASE office")
        admin.close()
        yield primary, standby


@pytest.fixture
def app(servers, tmp_path):
    """The application on the pair, migrated, with its register (``app.group``)."""
    primary, standby = servers
    env = {
        **os.environ,
        "DATABASE_URL": primary.url("office"),
        "DATABASE_REPLICA_URL": standby.url("office"),
        # Each process's own cache and tasks run in it: nothing shared with other tests.
        "CACHE_URL": "",
        "CELERY_BROKER_URL": "",
        "ALLOWED_HOSTS": "testserver",
    }
    process = AppProcess(env, tmp_path / "app.log")
    try:
        process.group = process.call(f"{__name__}:seed")["group"]
        yield process
    finally:
        process.close()


@pytest.fixture
def sql(servers):
    """Connections to ``office`` on the primary and on the standby."""
    primary, standby = (server.connect("office") for server in servers)
    yield primary, standby
    primary.close()
    standby.close()


def _one(connection, query: str):
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def _register(app, address: str) -> int:
    """A household registered by the clerk through the form; its id."""
    data = {
        "office": app.group,
        "address": address,
        "town": "大峪街道",
        "assistance_type": "dibao",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20",
        "members-0-name": "张三",
        "members-0-relation": "applicant",
        "members-0-id_number": make_id_number(years_ago(50)),
        "members-0-has_capacity": "on",
    }
    page = app.request("clerk", "post", reverse("verification:household_create"), data)
    assert page.status == 302, page.text
    return resolve(page.location).kwargs["pk"]


def _exported_addresses(app) -> set[str]:
    """The addresses in the household export (reads the replica)."""
    page = app.request("clerk", "get", reverse("verification:household_list_xlsx"))
    assert page.status == 200, page.text
    rows = list(load_workbook(io.BytesIO(page.body), read_only=True).worksheets[0].values)
    column = rows[0].index("Address")
    return {row[column] for row in rows[1:]}


def _dashboard_week(app) -> str:
    """The week's line of the verification dashboard's weekly trend (reads the replica):
    week, received, answered, overdue."""
    query = urlencode({**DASHBOARD_QUERY, "group": app.group, "format": "csv"})
    path = reverse("dashboards:dashboard", kwargs={"name": "verification"})
    page = app.request("director", "get", f"{path}?{query}")
    assert page.status == 200, page.text
    return re.search(rf"^{WEEK:%Y-%m-%d},.*$", page.text, re.MULTILINE).group().strip()


def _pause_replay(standby) -> None:
    _one(standby, "SELECT pg_wal_replay_pause()")
    state = _one(standby, "SELECT pg_get_wal_replay_pause_state()")
    assert state in ("pause requested", "paused")


def test_a_streaming_standby_serves_the_reads_that_may_lag(servers, app, sql):
    primary, standby = sql
    assert _one(standby, "SELECT pg_is_in_recovery()") is True

    # Streaming: the migrations and the register, written on the primary, reach the standby.
    pgcluster.wait_for_standby(primary, standby)
    migrations = "SELECT count(*) FROM django_migrations"
    assert _one(standby, migrations) == _one(primary, migrations) > 50
    # The standby takes no write: one the routing sent there would fail.
    with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction, match="read-only transaction"):
        _one(standby, "UPDATE dashboards_checkweek SET answered = 0 RETURNING answered")

    first = _register(app, "幸福路8号")
    pgcluster.wait_for_standby(primary, standby)
    assert _one(standby, f"SELECT address FROM verification_household WHERE id = {first}") == (
        "幸福路8号"
    )
    assert _exported_addresses(app) == {"幸福路8号"}
    assert _dashboard_week(app) == "2026-11-16,9,7,0"

    # Replay paused: the standby receives the primary's changes but does not apply them.
    _pause_replay(standby)
    edit = reverse("verification:household_edit", args=[first])
    moved = {"town": "王平镇", "address": "新村2号", "reason": "家庭搬迁"}
    # A write, then the page after it, which reads what was just written: the primary.
    page = app.request("clerk", "post", edit, moved, follow=True)
    assert page.status == 200 and "新村2号" in page.text and "Address updated" in page.text
    second = _register(app, "和平里3号")
    detail = app.request("clerk", "get", reverse("verification:household_detail", args=[second]))
    assert detail.status == 200 and "和平里3号" in detail.text  # not yet on the standby
    _one(primary, "UPDATE dashboards_checkweek SET answered = 70 RETURNING answered")
    pgcluster.wait_for_standby(primary, standby, replayed=False)
    assert _one(standby, "SELECT pg_last_wal_replay_lsn() < pg_last_wal_receive_lsn()") is True
    assert _one(standby, "SELECT pg_get_wal_replay_pause_state()") == "paused"

    listing = app.request("clerk", "get", reverse("verification:household_list"))
    assert "新村2号" in listing.text and "和平里3号" in listing.text  # the primary
    assert "幸福路8号" not in listing.text
    assert _exported_addresses(app) == {"幸福路8号"}  # the standby, as it was
    assert _dashboard_week(app) == "2026-11-16,9,7,0"

    # Replay resumed: the standby catches up, and so do the dashboard and the export.
    _one(standby, "SELECT pg_wal_replay_resume()")
    pgcluster.wait_for_standby(primary, standby)
    assert _exported_addresses(app) == {"新村2号", "和平里3号"}
    assert _dashboard_week(app) == "2026-11-16,9,70,0"
