"""The application refuses to start against a database migrated ahead of its code: the web
application (WSGI) and a Celery worker each stop with a message naming the migrations it
does not know; a database at or behind the code starts as usual."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from office.startup import DatabaseAhead, migrations_ahead, refuse_if_database_ahead
from tests.conftest import _database_url

FUTURE = ("verification", "9999_from_a_newer_release")


def _record_future_migration():
    MigrationRecorder(connection).record_applied(*FUTURE)


@pytest.mark.django_db
def test_a_database_at_the_codes_migrations_is_not_ahead():
    assert migrations_ahead() == []
    refuse_if_database_ahead()  # does not raise


@pytest.mark.django_db
def test_a_migration_the_code_does_not_know_is_named_and_refused():
    _record_future_migration()
    assert migrations_ahead() == [FUTURE]
    with pytest.raises(DatabaseAhead) as refused:
        refuse_if_database_ahead()
    assert "verification.9999_from_a_newer_release" in str(refused.value)


@pytest.mark.django_db
def test_rows_of_apps_the_code_has_no_migrations_for_are_not_counted():
    # e.g. an app removed from INSTALLED_APPS long ago: not a newer release's work.
    MigrationRecorder(connection).record_applied("an_old_app", "0001_initial")
    assert migrations_ahead() == []


def _start(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_the_web_application_and_a_worker_refuse_to_start():
    if connection.vendor != "postgresql":
        pytest.skip("another process needs a shared database: set DATABASE_URL to PostgreSQL")
    started = _start("import office.wsgi")
    assert started.returncode == 0, started.stderr
    _record_future_migration()
    try:
        _web_and_worker_refuse()
    finally:
        # Not a model's table: the test database's flush would leave the row for the next
        # test's workers.
        MigrationRecorder(connection).record_unapplied(*FUTURE)


def _web_and_worker_refuse():
    web = _start("import office.wsgi")
    assert web.returncode != 0
    assert "verification.9999_from_a_newer_release" in web.stderr
    worker = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "office", "worker", "-P", "solo"]
        + ["-Q", "startup-test-never-used", "--without-gossip", "--without-mingle"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode != 0
    assert "The worker will not start" in worker.stdout + worker.stderr
