"""Small helpers for the few statements written in SQL (batch preparation and answering,
the changes since the previous verification): names quoted by the connection, so the
statements follow the models' tables and columns on PostgreSQL and SQLite alike; and
COPY, for the large writes of registry snapshots and the benchmark (PostgreSQL)."""

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection


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
    Returns the row count."""
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
