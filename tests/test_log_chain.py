"""Tamper evidence of the access log and the login log: the database itself refuses to
change or delete an entry (on SQLite and PostgreSQL alike), every entry is hash-chained to
the one before, and ``manage.py verify_log_chain`` finds and locates any change made by
someone who got past the trigger."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from assistance.logchain import GENESIS, AppendOnlyError, entry_digest, protection_remove
from assistance.models import AccessLog, LoginLog
from assistance.services import access_log_record, login_log_record

TABLES = ("assistance_accesslog", "assistance_loginlog")


@pytest.fixture
def entries(liaison, unit):
    return [
        access_log_record(
            user=liaison, obj=unit, purpose=AccessLog.Purpose.VERIFICATION, description=f"核对 {n}"
        )
        for n in range(3)
    ]


def _verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_log_chain", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + err.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


def _tamper(sql, params=()):
    """Change a log table as a database owner could: past the trigger (dropped on SQLite,
    disabled by the superuser on PostgreSQL). The test's transaction undoes it all."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Run the deferred foreign-key checks now: ALTER TABLE waits for none.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            protection_remove(connection, TABLES)
        cursor.execute(sql, params)


def test_entries_are_chained_in_order(entries):
    first, second, third = entries
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    stored = AccessLog.objects.get(pk=second.pk)
    assert entry_digest(stored.chain_values(), stored.prev_hash) == stored.entry_hash


def test_login_log_is_chained_too(liaison):
    a = login_log_record(event=LoginLog.Event.SUCCESS, user=liaison)
    b = login_log_record(event=LoginLog.Event.FAILURE, username="nobody", reason="unknown account")
    assert a.prev_hash == GENESIS
    assert b.prev_hash == a.entry_hash


def test_bulk_writes_are_chained(liaison, unit, entries):
    ct = entries[0].content_type
    AccessLog.objects.bulk_create(
        AccessLog(
            user=liaison, content_type=ct, object_id=unit.pk, object_repr=str(n), purpose="audit"
        )
        for n in range(4)
    )
    assert _verify("--log", "access")[0]
    assert AccessLog.objects.order_by("pk").last().prev_hash != GENESIS


def test_an_intact_chain_verifies(entries, liaison):
    login_log_record(event=LoginLog.Event.SUCCESS, user=liaison)
    ok, output = _verify()
    assert ok, output
    assert "assistance_accesslog: 3 entries verified" in output
    assert "assistance_loginlog: 1 entries verified" in output


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE assistance_accesslog SET object_repr = 'tampered'",
        "DELETE FROM assistance_accesslog",
        "UPDATE assistance_loginlog SET username = 'tampered'",
        "DELETE FROM assistance_loginlog",
    ],
)
def test_the_database_refuses_changes_and_deletions(entries, liaison, sql):
    login_log_record(event=LoginLog.Event.SUCCESS, user=liaison)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AccessLog.objects.filter(object_repr="tampered").count() == 0
    assert AccessLog.objects.count() == 3
    assert LoginLog.objects.filter(username="liaison").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", TABLES)
def test_postgresql_refuses_truncate(db, table):
    # No entry is written first: PostgreSQL would refuse a TRUNCATE with pending foreign-key
    # checks anyway, and the statement trigger fires on an empty table too.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table} CASCADE")


def test_the_application_cannot_change_or_delete_entries(entries):
    entry = entries[0]
    entry.object_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=entry.pk).update(object_repr="tampered")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.count() == 3


def test_altered_content_is_found_and_located(entries):
    middle = entries[1]
    _tamper("UPDATE assistance_accesslog SET object_repr = %s WHERE id = %s", ["x", middle.pk])
    ok, output = _verify()
    assert not ok
    assert f"assistance_accesslog entry {middle.pk} (" in output
    assert "content altered" in output
    assert middle.at.strftime("%Y-%m-%d %H:%M:%S UTC") in output
    # Only the changed entry is reported; the login log is intact.
    assert output.count("BREAK") == 1
    assert "assistance_loginlog: 0 entries verified" in output


def test_a_deleted_entry_is_found(entries):
    _tamper("DELETE FROM assistance_accesslog WHERE id = %s", [entries[1].pk])
    ok, output = _verify("--log", "access")
    assert not ok
    assert f"entry {entries[2].pk}" in output
    assert f"entry missing after entry {entries[0].pk}" in output


def test_a_rehashed_entry_breaks_the_next_link(entries):
    """Whoever changes an entry and recomputes its hash still breaks the link of the next."""
    middle = AccessLog.objects.get(pk=entries[1].pk)
    middle.object_repr = "x"
    forged = entry_digest(middle.chain_values(), middle.prev_hash)
    _tamper(
        "UPDATE assistance_accesslog SET object_repr = %s, entry_hash = %s WHERE id = %s",
        ["x", forged, middle.pk],
    )
    ok, output = _verify("--log", "access")
    assert not ok
    assert f"assistance_accesslog entry {entries[2].pk}" in output
    assert f"link broken (it does not follow entry {middle.pk}" in output


def test_the_first_entry_deleted_is_found(entries):
    _tamper("DELETE FROM assistance_accesslog WHERE id = %s", [entries[0].pk])
    ok, output = _verify("--log", "access")
    assert not ok
    assert f"entry {entries[1].pk}" in output


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_the_entries_written_before_it(liaison, unit):
    from django.contrib.contenttypes.models import ContentType
    from django.db.migrations.executor import MigrationExecutor

    before = [("assistance", "0002_account_history")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("assistance", "AccessLog")
    content_type = ContentType.objects.get_for_model(unit)
    for n in range(3):
        old.objects.create(
            user_id=liaison.pk,
            content_type_id=content_type.pk,
            object_id=unit.pk,
            object_repr=f"核对 {n}",
            purpose="audit",
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    first, second, third = AccessLog.objects.order_by("pk")
    assert (first.prev_hash, second.prev_hash, third.prev_hash) == (
        GENESIS,
        first.entry_hash,
        second.entry_hash,
    )
    assert first.action == AccessLog.Action.VIEW
    ok, output = _verify("--log", "access")
    assert ok, output
    # ... and the table is protected again.
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM assistance_accesslog")
