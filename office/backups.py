"""Backup and restore of a site: the PostgreSQL database (``pg_dump`` in its custom format)
and the upload store (``MEDIA_ROOT``, as a tar file), with a manifest that lets a restore
prove that every row and every file came back.

The dump and the manifest's row counts are taken from one snapshot of the database
(``pg_export_snapshot``), so the counts are those of the dump even while the site is
writing. A restore goes into an empty database and an empty upload folder only, then
compares each table's rows and each file's SHA-256 with the manifest, and fails naming
what differs."""

import hashlib
import json
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connection
from django.utils import timezone

from assistance.databases import database_url

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar", "manifest.json"


class BackupError(Exception):
    pass


def _tables(cursor) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [row[0] for row in cursor.fetchall()]


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def backup(folder: Path) -> dict:
    """Write the database, the upload store and the manifest into ``folder`` (new or
    empty). Returns the manifest."""
    if connection.vendor != "postgresql":
        raise BackupError("Backups are of a PostgreSQL database: set DATABASE_URL.")
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty.")
    url = database_url(connection.settings_dict)
    with psycopg2.connect(url) as snapshot_holder:
        snapshot_holder.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with snapshot_holder.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            command = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
            done = subprocess.run(
                [*command, "--file", str(folder / DUMP), url], capture_output=True, text=True
            )
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            rows = _counts(cursor)
    media = Path(settings.MEDIA_ROOT)
    files = _files(media)
    with tarfile.open(folder / MEDIA, "w") as tar:
        for name in files:
            tar.add(media / name, arcname=name)
    manifest = {
        "taken_at": timezone.now().isoformat(),
        "database": connection.settings_dict["NAME"],
        "rows": rows,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


@dataclass
class Restored:
    tables: int = 0
    rows: int = 0
    files: int = 0
    differences: list[str] = field(default_factory=list)


def restore(folder: Path, *, target_url: str, media_root: Path) -> Restored:
    """Restore the backup in ``folder`` into the empty database at ``target_url`` and the
    empty (or new) folder ``media_root``, then account for every row and file."""
    manifest = json.loads((folder / MANIFEST).read_text())
    with psycopg2.connect(target_url) as target, target.cursor() as cursor:
        if _tables(cursor):
            raise BackupError("The target database is not empty: restore into a new one.")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty.")
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target_url, str(folder / DUMP)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA) as tar:
        tar.extractall(media_root, filter="data")
    with psycopg2.connect(target_url) as target, target.cursor() as cursor:
        rows = _counts(cursor)
    files = _files(media_root)
    result = Restored(tables=len(rows), rows=sum(rows.values()), files=len(files))
    for table in sorted(set(manifest["rows"]) | set(rows)):
        expected, found = manifest["rows"].get(table), rows.get(table)
        if expected != found:
            result.differences.append(f"table {table}: {expected} rows kept, {found} restored")
    for name in sorted(set(manifest["files"]) | set(files)):
        if manifest["files"].get(name) != files.get(name):
            result.differences.append(f"file {name}: missing or different")
    return result
