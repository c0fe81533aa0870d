"""``manage.py backup FOLDER``: the database and the upload store, with a manifest of every
table's rows and every file's SHA-256 (office/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from office.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the upload store into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = manifest["rows"]
        self.stdout.write(
            f"backed up {len(rows)} tables, {sum(rows.values())} rows and "
            f"{len(manifest['files'])} files into {folder}"
        )
