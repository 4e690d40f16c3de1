"""Check every stored evidence file against the SHA-256 taken at upload and every submission
snapshot against its content hash and HMAC seal (security.md #21).

Each mismatch (including a missing file) writes one INTEGRITY audit row (outcome failure) and
an ERROR log line; the command then exits 1 listing them. Files under MEDIA_ROOT/applications/
that no Attachment row references (orphans, security.md #32) are counted; `--delete-orphans`
removes those older than an hour (younger ones may be uploads still committing).
"""

import os
import time
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from studios.models import ApplicationSnapshot, Attachment
from studios.services import attachment_verify, content_hash, integrity_alert, snapshot_verify

ORPHAN_MIN_AGE_SECONDS = 3600


def orphan_files() -> list[Path]:
    """Stored files below applications/ without an Attachment row."""
    root = Path(default_storage.path("applications"))
    if not root.is_dir():
        return []
    known = set(Attachment.objects.values_list("file", flat=True))
    base = Path(default_storage.location)
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.relative_to(base).as_posix() not in known:
            found.append(path)
    return sorted(found)


class Command(BaseCommand):
    help = "Verify evidence file digests and snapshot hashes/seals; alert and exit 1 on any mismatch."

    def add_arguments(self, parser):
        parser.add_argument("--delete-orphans", action="store_true",
                            help="delete stored files no row references (older than one hour)")

    def handle(self, *args, delete_orphans=False, **options):
        failures = []
        files = 0
        for attachment in Attachment.objects.order_by("pk").iterator(chunk_size=200):
            files += 1
            ok, actual = attachment_verify(attachment)
            if not ok:
                integrity_alert(obj=attachment, kind="attachment", expected=attachment.sha256, actual=actual)
                failures.append(f"attachment {attachment.pk} ({attachment.file.name}): {actual}")
        snapshots = 0
        for snapshot in ApplicationSnapshot.objects.order_by("pk").iterator(chunk_size=200):
            snapshots += 1
            if not snapshot_verify(snapshot):
                actual = content_hash(snapshot.data)
                integrity_alert(obj=snapshot, kind="snapshot", expected=snapshot.content_hash, actual=actual)
                failures.append(f"snapshot {snapshot.pk} (application {snapshot.application_id} "
                                f"v{snapshot.version})")
        orphans = orphan_files()
        removed = 0
        if delete_orphans:
            limit = time.time() - ORPHAN_MIN_AGE_SECONDS
            for path in orphans:
                if path.stat().st_mtime < limit:
                    os.remove(path)
                    removed += 1
        summary = (f"{files} files, {snapshots} snapshots checked; {len(orphans)} orphan files"
                   + (f" ({removed} deleted)" if delete_orphans else ""))
        if failures:
            raise CommandError(f"integrity check failed for {len(failures)}: " + "; ".join(failures)
                               + f" — {summary}", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"integrity intact: {summary}"))
