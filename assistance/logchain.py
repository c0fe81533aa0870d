"""Tamper evidence for the append-only logs (access log, login log).

Two layers, because each covers what the other cannot:

* the database refuses UPDATE, DELETE and TRUNCATE on the log tables (a trigger installed by
  a migration), so neither the application nor a stray SQL statement changes an entry;
* each entry carries the SHA-256 of its own fields and of the entry before it (a hash
  chain), so whoever gets past the trigger (a database owner who disables it) still leaves
  a trace that ``manage.py verify_log_chain`` finds and locates.

Entries are linked in primary-key order. Writers take a lock before reading the last hash
(a transaction-scoped advisory lock on PostgreSQL, released at commit; SQLite has a single
writer), so concurrent requests still form one chain.
"""

import datetime
import hashlib
import json
import zlib

from django.db import connections, models, router, transaction

# The link before the first entry.
GENESIS = "0" * 64

# The statements a migration runs to make a log table append-only, per database vendor.
# PostgreSQL: the row trigger stops UPDATE and DELETE, the statement trigger TRUNCATE.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION assistance_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The % table is append-only: entries cannot be changed or deleted',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
_PG_TRIGGERS = (
    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION assistance_log_append_only()",
    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION assistance_log_append_only()",
)
# SQLite has no TRUNCATE (Django empties tables with DELETE, which the trigger stops).
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} BEGIN "
    "SELECT RAISE(ABORT, 'The {table} table is append-only: entries cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} BEGIN "
    "SELECT RAISE(ABORT, 'The {table} table is append-only: entries cannot be deleted'); END",
)


def protection_install(connection, tables) -> None:
    """Make ``tables`` append-only in the database behind ``connection``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in tables:
                for name in ("append_only", "no_truncate"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}")
                for statement in _PG_TRIGGERS:
                    cursor.execute(statement.format(table=table))
        elif connection.vendor == "sqlite":
            for table in tables:
                for statement in _SQLITE_TRIGGERS:
                    cursor.execute(statement.format(table=table))


def protection_remove(connection, tables) -> None:
    """Undo ``protection_install`` (reversing the migration; emptying a test database)."""
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                for name in ("append_only", "no_truncate"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}")
            elif connection.vendor == "sqlite":
                for name in ("no_update", "no_delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")


def canonical(value):
    """A field value as it is hashed: times in UTC to the microsecond, the rest as stored."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return value


def entry_digest(values: dict, prev_hash: str) -> str:
    """SHA-256 (hex) of an entry's fields and the hash of the entry before it."""
    payload = json.dumps(
        {"prev": prev_hash, **{name: canonical(v) for name, v in values.items()}},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def lock_chain(model, using: str) -> None:
    """Hold the chain of ``model`` until the current transaction ends, so the entry about
    to be written is linked to the last committed one and no other writer slips between."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        key = zlib.crc32(model._meta.db_table.encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def link(model, objs, using: str) -> None:
    """Fill ``prev_hash`` and ``entry_hash`` of unsaved ``objs`` in the order given,
    continuing the chain of ``model``. Call inside a transaction, after ``lock_chain``."""
    last = (
        model._base_manager.using(using)
        .order_by("-pk")
        .values_list("entry_hash", flat=True)
        .first()
    )
    prev = last or GENESIS
    for obj in objs:
        obj.prev_hash = prev
        obj.entry_hash = prev = entry_digest(obj.chain_values(), prev)


class ChainedQuerySet(models.QuerySet):
    """Entries are only added: ``bulk_create`` links them to the chain; ``update`` and
    ``delete`` are refused here as they are by the database."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        using = self.db
        with transaction.atomic(using=using):
            lock_chain(self.model, using)
            link(self.model, objs, using)
            return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        raise AppendOnlyError(self.model._meta.verbose_name_plural)

    def delete(self):
        raise AppendOnlyError(self.model._meta.verbose_name_plural)


class AppendOnlyError(Exception):
    """An attempt to change or delete a log entry."""

    def __init__(self, what):
        super().__init__(f"{what} is append-only: entries cannot be changed or deleted")


class ChainedEntry(models.Model):
    """An append-only log entry linked into a hash chain. Subclasses list in
    ``CHAIN_FIELDS`` the fields (attribute names) that the hash covers."""

    CHAIN_FIELDS: tuple[str, ...] = ()
    # Fields added later: hashed only when set, so the entries written before them keep
    # the hashes they were chained with.
    OPTIONAL_CHAIN_FIELDS: tuple[str, ...] = ()

    prev_hash = models.CharField(max_length=64, editable=False, default="")
    entry_hash = models.CharField(max_length=64, editable=False, default="")

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Linking belongs to every write of an entry, whoever writes it, so it lives here
        # rather than in one service that another writer could bypass.
        if not self._state.adding:
            raise AppendOnlyError(self._meta.verbose_name_plural)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            lock_chain(type(self), using)
            link(type(self), [self], using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(self._meta.verbose_name_plural)

    def chain_values(self) -> dict:
        values = {name: getattr(self, name) for name in self.CHAIN_FIELDS}
        for name in self.OPTIONAL_CHAIN_FIELDS:
            if getattr(self, name) is not None:
                values[name] = getattr(self, name)
        return values
