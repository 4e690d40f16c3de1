from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Verify a backup's sha256 manifest and restore it into a NEW database (--database), "
            "optionally unpacking the media into an empty folder; compares row counts with the manifest.")

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="backup folder written by `manage.py backup`")
        parser.add_argument("--database", required=True, help="name of the database to create")
        parser.add_argument("--media-root", help="empty or missing folder to unpack the media into")

    def handle(self, *args, input, database, media_root=None, **options):
        try:
            result = restore(Path(input), database=database, media_root=Path(media_root) if media_root else None)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result["differences"]:
            raise CommandError(f"row counts differ from the manifest: {result['differences']}")
        self.stdout.write(self.style.SUCCESS(
            f"restored into {database} in {result['seconds']} s; row counts match the manifest "
            f"({len(result['manifest']['tables'])} tables)"
        ))
