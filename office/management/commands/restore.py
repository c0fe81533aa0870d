"""``manage.py restore FOLDER --database-url URL --media-root DIR``: a backup restored into
an empty database and an empty upload folder, every row and file accounted for against the
backup's manifest (office/backups.py). Fails, naming each difference, if any."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from office.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup into an empty database and upload folder, and check it whole."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--database-url", required=True)
        parser.add_argument("--media-root", type=Path, required=True)

    def handle(self, *args, folder: Path, database_url: str, media_root: Path, **options):
        try:
            restored = restore(folder, target_url=database_url, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if restored.differences:
            raise CommandError(
                "The restore differs from the backup:\n" + "\n".join(restored.differences)
            )
        self.stdout.write(
            f"restored {restored.tables} tables, {restored.rows} rows and {restored.files} "
            "files: every row and file accounted for"
        )
