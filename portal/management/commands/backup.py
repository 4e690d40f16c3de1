from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.backup import backup


class Command(BaseCommand):
    help = "pg_dump -Fc of the database + tar.gz of MEDIA_ROOT + sha256 manifest, into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="folder to create (default PORTAL_BACKUP_DIR/<timestamp>)")
        parser.add_argument("--media-root", help="media folder to archive (default MEDIA_ROOT)")

    def handle(self, *args, output=None, media_root=None, **options):
        folder = Path(output or Path(settings.PORTAL_BACKUP_DIR) / timezone.localtime().strftime("%Y%m%d-%H%M%S"))
        manifest = backup(folder, media_root=Path(media_root) if media_root else None)
        files = ", ".join(f"{n} {m['bytes']} B" for n, m in manifest["files"].items())
        self.stdout.write(self.style.SUCCESS(
            f"backup written to {folder}: {files}; {sum(manifest['tables'].values())} rows in "
            f"{len(manifest['tables'])} tables; {manifest['seconds']['total']} s"
        ))
