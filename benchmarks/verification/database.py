"""The benchmark's throwaway database beside the configured one, and the refusal to run
where nothing real can be measured (SQLite, tasks run in process, no broker)."""

from celery import current_app
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections

from assistance.databases import database_url  # noqa: F401 (the workers' URL)


def refuse_unless_real(command: str = "bench_verification"):
    """Raise unless the database is PostgreSQL and a real broker answers."""
    if connection.vendor != "postgresql":
        raise CommandError(
            f"{command} runs only on PostgreSQL: set DATABASE_URL to a "
            f"postgres:// address (the configured database is {connection.vendor})."
        )
    broker = settings.CELERY_BROKER_URL or ""
    if current_app.conf.task_always_eager or broker.startswith("memory://"):
        raise CommandError(
            f"{command} needs a real broker and workers: set CELERY_BROKER_URL "
            "(e.g. redis://127.0.0.1:6379/0)."
        )
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        raise CommandError(f"The broker at {broker} cannot be reached: {exc}") from exc


def create_database(name: str, say):
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            say(f"dropping the bench database a previous run left: {name}")
            cursor.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
        try:
            cursor.execute(f"CREATE DATABASE {quoted}")
        except Exception as exc:
            raise CommandError(
                f"Cannot create the throwaway database {name}: {exc}. The benchmark "
                "needs a database user allowed to create databases (CREATEDB)."
            ) from exc
    say(f"created the throwaway database {name}")


def drop_database(name: str, say):
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(name)
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    say(f"dropped the bench database {name}")


def use_database(name: str):
    """Point this process's default connection at database ``name``."""
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def in_throwaway_database(suffix: str, *, keep: bool, say, work):
    """Run ``work()`` with this process's connection on a new database named after the
    configured one (``<name><suffix>``), then point it back and drop the new one (unless
    ``keep``), whatever happened. Returns what ``work`` returned."""
    original = connection.settings_dict["NAME"]
    bench = f"{original}{suffix}"[:63]
    create_database(bench, say)
    try:
        use_database(bench)
        return work()
    finally:
        use_database(original)
        if keep:
            say(f"kept the bench database {bench}")
        else:
            drop_database(bench, say)
