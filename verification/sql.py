"""Small helpers for the few statements written in SQL (batch preparation and answering,
the changes since the previous verification): names quoted by the connection, so the
statements follow the models' tables and columns on PostgreSQL and SQLite alike."""

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
