"""Backup and restore: the database and the upload store go into a folder with a manifest,
come back into a fresh database and folder, and every row and file is accounted for; a
restore refuses a database or folder that is not empty."""

import io
import uuid

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from assistance.databases import database_url
from members.models import MemberUnit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_database():
    """A new empty database on the same server, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("backups are of a PostgreSQL database: set DATABASE_URL")
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(database_url(connection.settings_dict, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(connection.settings_dict, name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_every_row_and_file_comes_back(tmp_path, fresh_database, unit, other_unit):
    default_storage.save("snapshots/2026/police.csv", ContentFile("身份证号,结果\n".encode()))
    default_storage.save("intake/papers/申请书.pdf", ContentFile(b"%PDF-1.4 ..."))
    folder = tmp_path / "backup"
    said = _run("backup", str(folder))
    assert said.endswith(f"and 2 files into {folder}\n"), said
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar", "manifest.json"}

    restored_media = tmp_path / "restored-media"
    said = _run(
        "restore",
        str(folder),
        "--database-url",
        fresh_database,
        "--media-root",
        str(restored_media),
    )
    assert "files: every row and file accounted for" in said, said
    with psycopg2.connect(fresh_database) as db, db.cursor() as cursor:
        cursor.execute("SELECT code FROM members_memberunit ORDER BY code")
        assert [row[0] for row in cursor.fetchall()] == sorted(
            MemberUnit.objects.values_list("code", flat=True)
        )
    assert (restored_media / "intake/papers/申请书.pdf").read_bytes() == b"%PDF-1.4 ..."


def test_a_restore_refuses_a_database_in_use_and_names_a_missing_file(tmp_path, fresh_database):
    default_storage.save("snapshots/tax.csv", ContentFile(b"x"))
    folder = tmp_path / "backup"
    _run("backup", str(folder))
    with pytest.raises(CommandError, match="not empty"):
        _run(
            "restore",
            str(folder),
            "--database-url",
            database_url(connection.settings_dict),
            "--media-root",
            str(tmp_path / "m1"),
        )
    # A file lost from the backup's tar is named, not passed over.
    import tarfile

    with tarfile.open(folder / "media.tar", "w"):
        pass
    with pytest.raises(CommandError, match="file snapshots/tax.csv: missing or different"):
        _run(
            "restore",
            str(folder),
            "--database-url",
            fresh_database,
            "--media-root",
            str(tmp_path / "m2"),
        )


def test_the_backup_folder_must_be_new(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backups are of a PostgreSQL database: set DATABASE_URL")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        _run("backup", str(tmp_path / "old"))
