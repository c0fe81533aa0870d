"""Floors measured in the same run, on the same database and workers, so the figures are
ratios that hold across machines of different speed:

- the bare-SQL floor of the batch: the rows the batch wrote (its requests, checks, the
  checks' items and the findings) written again by one bare ``INSERT … SELECT`` per table,
  with no application around them, into empty copies of the tables (same columns,
  defaults, constraints and indexes), in a transaction rolled back; measured twice, with
  the tables' foreign keys (checked as each statement ends, as the batch's are at its
  commits: the schema's own cost of these rows) and without them (the bare writes);
- the bare Celery round trip: one no-op task to each department queue, timed from the
  sending until each has run, as often as there are single requests."""

import time
import uuid

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction

from assistance.tasks import echo_task
from members.models import MemberUnit
from verification.models import DepartmentCheck, Finding, VerificationRequest

from .workers import WorkerPool


class _RolledBack(Exception):
    pass


def _tables(batch_id: int) -> list[tuple[str, str]]:
    """(table, which of its rows) of what the batch wrote."""
    request, check = VerificationRequest._meta.db_table, DepartmentCheck._meta.db_table
    through = DepartmentCheck.items.through._meta.db_table
    finding = Finding._meta.db_table
    requests = f"SELECT id FROM {request} WHERE batch_id = {int(batch_id)}"
    checks = f"SELECT id FROM {check} WHERE request_id IN ({requests})"
    return [
        (request, f"batch_id = {int(batch_id)}"),
        (check, f"request_id IN ({requests})"),
        (through, f"departmentcheck_id IN ({checks})"),
        (finding, f"department_check_id IN ({checks})"),
    ]


def _columns(cursor, table: str) -> list[str]:
    return [
        column.name
        for column in connection.introspection.get_table_description(cursor, table)
        if column.name != "id"
    ]


def _foreign_keys(cursor, table: str) -> list[str]:
    """The definitions of the table's foreign keys (``FOREIGN KEY (…) REFERENCES …``)."""
    cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [f'"{table}"'],
    )
    return [row[0] for row in cursor.fetchall()]


def sql_floor(batch_id: int, *, foreign_keys: bool) -> tuple[float, int]:
    """(seconds, rows) to write the batch's rows by bare SQL, the tables' copies made
    beforehand (not timed). With ``foreign_keys`` the copies reference the same rows the
    tables do (their parents are the real tables, which hold them), checked as each
    statement ends."""
    seconds, rows = 0.0, 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            statements = []
            for table, rows_of_batch in _tables(batch_id):
                copy = f"bench_floor_{table}"
                cursor.execute(f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING ALL)')
                for definition in _foreign_keys(cursor, table) if foreign_keys else []:
                    cursor.execute(f'ALTER TABLE "{copy}" ADD {definition}')
                columns = ", ".join(f'"{c}"' for c in _columns(cursor, table))
                statements.append(
                    f'INSERT INTO "{copy}" ({columns}) SELECT {columns} FROM "{table}" '
                    f"WHERE {rows_of_batch}"
                )
            # Deferred keys would be checked at the commit, which a rolled-back
            # transaction never reaches.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            started = time.monotonic()
            for statement in statements:
                cursor.execute(statement)
                rows += cursor.rowcount
            seconds = time.monotonic() - started
            raise _RolledBack
    except _RolledBack:
        pass
    return seconds, rows


def celery_round_trips(*, office, count: int, pool: WorkerPool) -> list[float] | None:
    """``count`` times, one no-op task to each department queue, timed until every one
    has run. None where the workers share no cache with this process (no CACHE_URL)."""
    if isinstance(caches["default"], LocMemCache):
        return None
    queues = [unit.queue_name for unit in MemberUnit.objects.filter(group=office, active=True)]
    latencies = []
    for _ in range(count):
        keys = [f"bench-echo-{uuid.uuid4().hex}" for _ in queues]
        started = time.monotonic()
        for key, queue in zip(keys, queues, strict=True):
            echo_task.apply_async(args=[key], queue=queue)
        pool.wait(lambda keys=keys: len(cache.get_many(keys)) == len(keys), interval=0.002)
        latencies.append(time.monotonic() - started)
    return latencies
