"""Floors measured in the same run, on the same database and workers, so the figures are
ratios that hold across machines of different speed:

- the bare-SQL floor of the batch: the rows the batch wrote (its requests, checks, the
  checks' items and the findings) written again by one bare ``INSERT … SELECT`` per table,
  with no application around them, into empty copies of the tables (same columns,
  defaults, constraints and indexes), in transactions rolled back, on one connection per
  core as the batch has a worker or a thread per core; measured twice, with
  the tables' foreign keys (checked as each statement ends, as the batch's are at its
  commits: the schema's own cost of these rows) and without them (the bare writes);
- the bare Celery round trip: one no-op task to each department queue, timed from the
  sending until each has run, as often as there are single requests."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, connections, transaction

from assistance.tasks import echo_task
from members.models import MemberUnit
from verification.models import DepartmentCheck, Finding, VerificationRequest

from .machine import CORES
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


def sql_floor(batch_id: int, *, foreign_keys: bool, shares: int = CORES) -> tuple[float, int]:
    """(seconds, rows) to write the batch's rows by bare SQL on ``shares`` connections
    at once (one per core: the batch's workers and threads use every core), each writing
    the rows of its range of keys into copies of its own, in a transaction rolled back;
    the seconds run from their common start to the last one's end. The copies are made
    beforehand and dropped afterwards (not timed), outside any transaction: adding a
    foreign key locks the table it references against another connection adding one.
    With ``foreign_keys`` the copies reference the same rows the tables do (their parents
    are the real tables, which hold them), checked as each statement ends."""
    if connection.in_atomic_block:
        raise RuntimeError("The floor makes its copies outside any transaction.")
    copies, statements = _copies(batch_id, shares, foreign_keys)
    try:
        ready = threading.Barrier(shares)
        with ThreadPoolExecutor(max_workers=shares, thread_name_prefix="floor") as pool:
            futures = [pool.submit(_write, share, ready) for share in statements]
            results = [future.result() for future in futures]
    finally:
        with connection.cursor() as cursor:
            for copy in copies:
                cursor.execute(f'DROP TABLE IF EXISTS "{copy}"')
    started = min(start for start, _end, _rows in results)
    ended = max(end for _start, end, _rows in results)
    return ended - started, sum(rows for _start, _end, rows in results)


def _copies(batch_id: int, shares: int, foreign_keys: bool) -> tuple[list[str], list[list[str]]]:
    """Empty copies of the tables for each share, and each share's statements: the rows
    of the batch in the share's range of keys. Returns (the copies, the statements of
    each share)."""
    copies, statements = [], [[] for _ in range(shares)]
    with connection.cursor() as cursor:
        for table, rows_of_batch in _tables(batch_id):
            # The batch wrote its rows one after another: a range of keys each share,
            # which it reads by the key's index instead of reading all and keeping some.
            cursor.execute(f'SELECT min(id), max(id) FROM "{table}" WHERE {rows_of_batch}')
            low, high = cursor.fetchone()
            low, high = (low or 0), (high or 0)
            step = (high - low) // shares + 1
            for share in range(shares):
                copy = f"bench_floor_{share}_{table}"[:63]
                cursor.execute(f'DROP TABLE IF EXISTS "{copy}"')
                cursor.execute(f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING ALL)')
                copies.append(copy)
                for definition in _foreign_keys(cursor, table) if foreign_keys else []:
                    cursor.execute(f'ALTER TABLE "{copy}" ADD {definition}')
                columns = ", ".join(f'"{c}"' for c in _columns(cursor, table))
                first = low + share * step
                statements[share].append(
                    f'INSERT INTO "{copy}" ({columns}) SELECT {columns} FROM "{table}" '
                    f'WHERE {rows_of_batch} AND "{table}".id BETWEEN {first} '
                    f"AND {first + step - 1}"
                )
    return copies, statements


def _write(statements: list[str], ready: threading.Barrier) -> tuple[float, float, int]:
    """On this thread's own connection, in a transaction rolled back, once every share is
    ready: ``statements``. Returns (started, ended, rows)."""
    rows = 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred keys would be checked at the commit, which a rolled-back
            # transaction never reaches.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            ready.wait()
            started = time.monotonic()
            for statement in statements:
                cursor.execute(statement)
                rows += cursor.rowcount
            ended = time.monotonic()
            raise _RolledBack
    except _RolledBack:
        pass
    except BaseException:
        ready.abort()  # the other shares stop waiting for this one
        raise
    finally:
        connections.close_all()  # this thread's own connection
    return started, ended, rows


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
