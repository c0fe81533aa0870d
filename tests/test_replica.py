"""Reads that may lag go to the replica (DATABASE_REPLICA_URL); everything else, every
write and every migration, to the primary. Proved end to end with two databases whose
rows differ, so a figure shows which one a page read."""

import datetime
import json
import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.db import connection, connections
from django.urls import get_resolver

from assistance.replica import REPLICA, ReplicaRouter, reads_from_replica
from dashboards.models import CheckWeek
from tests.conftest import _database_url

# The GET views that may read from the replica: dashboards, report tables, exports.
REPLICA_VIEWS = {
    "dashboards:index",
    "dashboards:dashboard",
    "dashboards:bulletin",
    "dashboards:bulletin_docx",
    "reporting:round_table",
    "reporting:round_table_xlsx",
    "verification:household_list_xlsx",
    "verification:request_list_xlsx",
    "verification:overdue_list_xlsx",
    "meetings:followup_xlsx",
}


def _named_views(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_views(pattern, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


def test_only_the_views_that_may_lag_read_from_the_replica():
    marked = {name for name, view in _named_views() if getattr(view, "reads_from_replica", False)}
    assert marked == REPLICA_VIEWS


def test_the_routing_rules(monkeypatch):
    router = ReplicaRouter()
    assert router.db_for_read(CheckWeek) == "default"  # no replica configured
    monkeypatch.setitem(settings.DATABASES, REPLICA, dict(settings.DATABASES["default"]))
    assert router.db_for_read(CheckWeek) == "default"  # outside a view that opted in
    with reads_from_replica():
        assert router.db_for_read(CheckWeek) == REPLICA
        assert router.db_for_write(CheckWeek) == "default"
    assert router.allow_migrate("default", "dashboards") is True
    assert router.allow_migrate(REPLICA, "dashboards") is False


SCRIPT = """
import django, json
django.setup()
from django.test import RequestFactory
from django.contrib.auth import get_user_model
from dashboards.models import CheckWeek
from dashboards.views import dashboard
from assistance.replica import reads_from_replica

week = CheckWeek.objects.get()
with reads_from_replica():
    in_context = CheckWeek.objects.get().answered
query = {"group": week.group_id, "start": "2026-11-01", "end": "2026-11-30",
         "download": "weekly-trend", "format": "csv"}
request = RequestFactory().get("/dashboards/verification/", query)
request.user = get_user_model().objects.get(username="{director}")
request.LANGUAGE_CODE = "en"
page = dashboard(request, name="verification")
print(json.dumps({"plain": week.answered, "in_context": in_context,
                  "csv": page.content.decode("utf-8-sig")}))
"""


def _run(director, **env) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{director}", director.username)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(connection.settings_dict), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def replica_copy():
    """A copy of the test database (as a replica is), dropped afterwards; yields a cursor
    on it, to make it differ from the primary, and its URL."""
    name = connection.settings_dict["NAME"]
    copy = f"{name}_replica"
    connections.close_all()  # a template must have no other connection
    admin = psycopg2.connect(_database_url({**connection.settings_dict, "NAME": "postgres"}))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    url = _database_url({**connection.settings_dict, "NAME": copy})
    replica = psycopg2.connect(url)
    replica.autocommit = True
    try:
        yield replica.cursor(), url
    finally:
        replica.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        admin.close()


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_reads_the_replica_and_the_rest_the_primary(request, unit, director):
    if connection.vendor != "postgresql":
        pytest.skip("a replica is a PostgreSQL server: set DATABASE_URL to PostgreSQL")
    CheckWeek.objects.create(
        unit=unit, group=unit.group, week=datetime.date(2026, 11, 16), received=9, answered=7
    )
    cursor, url = request.getfixturevalue("replica_copy")
    cursor.execute("UPDATE dashboards_checkweek SET answered = 70")

    without = _run(director, DATABASE_REPLICA_URL="")
    assert (without["plain"], without["in_context"]) == (7, 7)
    assert "2026-11-16,9,7,0" in without["csv"], without["csv"]

    routed = _run(director, DATABASE_REPLICA_URL=url)
    assert (routed["plain"], routed["in_context"]) == (7, 70)
    assert "2026-11-16,9,70,0" in routed["csv"], routed["csv"]
