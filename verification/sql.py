"""Helpers for the few statements written in SQL (batch preparation and answering, the
changes since the previous verification, registry snapshots).

Names are quoted by the connection, so the statements follow the models' tables and
columns on PostgreSQL and SQLite alike. A large write is a few INSERT … SELECT
statements that the database runs on its own rows, in chunks of keys, each chunk one
short transaction; on PostgreSQL several chunks run at once, each on its own connection,
and COPY writes the largest tables (registry snapshots, the benchmark). Nothing here
knows a verification model: callers name the models and columns.
"""

import io
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, connections, transaction
from django.utils import timezone


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return qn(model._meta.db_table)


def column(model, name: str) -> str:
    return qn(model._meta.get_field(name).column)


def marks(values) -> str:
    """One ``%s`` placeholder per value, comma-separated."""
    return ", ".join(["%s"] * len(values))


def _csv_field(value) -> str:
    # Unquoted empty is NULL to COPY's CSV format; a quoted one is an empty string.
    if value is None:
        return ""
    if isinstance(value, int | Decimal):  # bool is an int: True/False read as booleans
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def copy_rows(model, fields: list[str], rows: Iterable[Sequence]) -> int:
    """Write ``rows`` (values in the order of ``fields``) into the model's table with
    PostgreSQL's COPY, several times faster than INSERT for hundreds of thousands of rows.
    Returns the row count. Timestamps kept by Django on save (``auto_now``, ``auto_now_add``)
    that ``fields`` leaves out are written as now, as a save would."""
    stamped = [
        f.name
        for f in model._meta.concrete_fields
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        and f.name not in fields
    ]
    if stamped:
        now = timezone.now()
        fields = [*fields, *stamped]
        rows = ((*row, *[now] * len(stamped)) for row in rows)
    columns = ", ".join(column(model, name) for name in fields)
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write(",".join(_csv_field(value) for value in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table(model)} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    return count


# --- Set-based writes -------------------------------------------------------------------------
# A batch writes hundreds of thousands of rows (checks, their items, findings). Each chunk is
# written by a few INSERT … SELECT statements that the database runs on its own rows, so no
# model instance is built per row in Python and the number of statements depends on the
# number of chunks only. Plain SQL that PostgreSQL and SQLite both run.


def insert_select(
    model,
    template,
    computed: dict,
    tail: str,
    params=(),
    *,
    skip_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> int | list[tuple]:
    """``INSERT INTO <model> SELECT … <tail>``: the fields named in ``computed`` take SQL
    expressions (a string, or (sql, params)) over the rows of ``tail`` (FROM … WHERE …);
    every other field but the key takes the value ``template`` (an unsaved instance) holds,
    its default unless set, so a field added to the model later is written too. With
    ``skip_conflicts``, a row a unique constraint refuses is left out (``ON CONFLICT DO
    NOTHING``, PostgreSQL and SQLite alike; on PostgreSQL the statement waits for a
    concurrent transaction that wrote the same key, then skips the row if it committed).
    Returns the number of rows written, or with ``returning`` (field names) those fields
    of every row written (``RETURNING``, PostgreSQL and SQLite alike)."""
    columns, expressions, values = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(qn(field.column))
        if field.name in computed:
            expression = computed[field.name]
            sql, extra = (expression, ()) if isinstance(expression, str) else expression
            expressions.append(sql)
            values.extend(extra)
        else:
            expressions.append("%s")
            values.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(model)} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} {tail}"
            + (" ON CONFLICT DO NOTHING" if skip_conflicts else "")
            + (f" RETURNING {', '.join(column(model, f) for f in returning)}" if returning else ""),
            [*values, *params],
        )
        return cursor.fetchall() if returning else cursor.rowcount


def insert_values(model, fields: list[str], rows: Sequence[Sequence]) -> int:
    """``INSERT INTO <model> (<fields>) VALUES (…), (…)``: ``rows`` (values in the order of
    ``fields``, ready for the database) in one statement, or in as few as SQLite's limit
    on parameters allows; no model instance is built. Returns the number of rows."""
    if not rows:
        return 0
    columns = ", ".join(column(model, name) for name in fields)
    row_marks = f"({marks(fields)})"
    limit = connection.features.max_query_params or 0
    per = max(1, limit // len(fields)) if limit else len(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            cursor.execute(
                f"INSERT INTO {table(model)} ({columns}) VALUES "
                + ", ".join([row_marks] * len(chunk)),
                [value for row in chunk for value in row],
            )
    return len(rows)


# django-simple-history's own columns of a historical table; every other one copies the
# model's column of the same name.
HISTORY_COLUMNS = ("history_date", "history_change_reason", "history_type", "history_user")


def history_insert_select(
    model, where: str, params=(), *, user_id: int | None, date, change: str = "~"
) -> int:
    """The history rows of the rows of ``model`` that ``where`` (a condition on ``t``, the
    model's table) selects, as they are now, in one INSERT … SELECT: what
    django-simple-history writes for each saved instance (``change``: "+" created, "~"
    changed), by the user ``user_id`` at ``date``, without loading one. Returns the
    number of rows written."""
    historical = model.history.model
    tracked = [
        f
        for f in historical._meta.concrete_fields
        if not f.primary_key and f.name not in HISTORY_COLUMNS
    ]
    history = [historical._meta.get_field(name) for name in HISTORY_COLUMNS]
    columns = [qn(f.column) for f in tracked + history]
    date = history[0].get_db_prep_save(date, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(historical)} ({', '.join(columns)}) "
            f"SELECT {', '.join(f't.{qn(f.column)}' for f in tracked)}, %s, NULL, %s, %s "
            f"FROM {table(model)} t WHERE {where}",
            [date, change, user_id, *params],
        )
        return cursor.rowcount


@contextmanager
def chunk_transaction():
    """The transaction of one chunk. On PostgreSQL its commit does not wait for the
    write-ahead log to reach the disk (synchronous_commit off, for this transaction only):
    a chunk is idempotent and whole, so a database crash can at worst lose the last
    chunks committed, all of them together, leaving their checks queued for the
    redelivered task or the resend sweep, never half a chunk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def analyze(*models) -> None:
    """Refresh the planner's statistics of tables a batch has just grown by tens of
    thousands of rows, faster than autovacuum notices: the chunks' queries that follow
    are planned on the real sizes. PostgreSQL only; skipped (with a warning from the
    server) where the database user does not own the tables."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(table(model) for model in models)}")


def vacuum_analyze(*models) -> None:
    """VACUUM (ANALYZE) tables a batch has just rewritten row by row. Every check it
    answered left its old row version, and an entry for it in each index, behind: until
    autovacuum gets to a table of millions of rows, a look-up of one check "still
    queued" walks the status index's dead entries (8–12 ms, up to 350 ms, at 200,000
    households; 0.08 ms vacuumed), and single requests slow down with the size of the
    last batch. VACUUM cannot run in a transaction: inside one (a caller's atomic block,
    a test) the tables are only analysed. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        analyze(*models)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(table(model) for model in models)}")


# --- Chunked work -----------------------------------------------------------------------------


def keyset_chunks(queryset, size: int, proceed: Callable[[], bool] | None = None):
    """Lists of up to ``size`` keys of ``queryset`` (a values_list of keys ordered by key),
    each read when asked for, so only one chunk is ever held; stops early once
    ``proceed()``, asked before each chunk, is false."""
    last = 0
    while proceed is None or proceed():
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        last = chunk[-1]
        yield chunk


def in_parallel(chunks: Iterator[list], work: Callable[[list], int | None], threads: int) -> int:
    """Run ``work`` on every chunk of ``chunks`` and add up what it returns; ``work``
    returning None stops the run. On PostgreSQL, outside any transaction, ``threads``
    chunks are worked at once, each thread on its own database connection (the time goes
    to the database, which then uses several cores); otherwise one after the other."""
    if threads <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _one_after_the_other(chunks, work)
    lock = threading.Lock()
    stop = threading.Event()

    def run() -> int:
        total = 0
        try:
            while not stop.is_set():
                with lock:
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                done = work(chunk)
                if done is None:
                    stop.set()
                    break
                total += done
        except BaseException:
            stop.set()
            raise
        finally:
            connections.close_all()  # this thread's own connections
        return total

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="batch") as pool:
        futures = [pool.submit(run) for _ in range(threads)]
        return sum(future.result() for future in futures)


def _one_after_the_other(chunks: Iterator[list], work: Callable[[list], int | None]) -> int:
    total = 0
    for chunk in chunks:
        done = work(chunk)
        if done is None:
            break
        total += done
    return total
