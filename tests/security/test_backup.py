"""#35 backup and restore round trip (等保 8.1.4.9 a): row counts and md5(string_agg) per table,
media digests, manifest checks."""

import hashlib
import io
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from portal.backup import drop_database, table_stats
from portal.enums import AuditAction
from portal.services import audit_record
from tests.helpers import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restored_name():
    name = f"{settings.DATABASES['default']['NAME']}_restore_check"
    drop_database(name)
    yield name
    drop_database(name)


def test_backup_restore_round_trip(tmp_path, settings, restored_name):
    media = tmp_path / "media"
    (media / "attachments" / "2026").mkdir(parents=True)
    files = {"attachments/2026/a.pdf": b"%PDF-1.7 test\n" * 100,
             "attachments/2026/证书.jpg": b"\xff\xd8\xff" + b"x" * 999}
    for rel, content in files.items():
        (media / rel).write_bytes(content)
    settings.MEDIA_ROOT = str(media)
    build_world()
    for i in range(50):
        audit_record(action=AuditAction.CONFIG, detail={"i": i})

    started = time.monotonic()
    call_command("backup", output=str(tmp_path / "backup"), stdout=io.StringIO())
    backup_seconds = time.monotonic() - started
    started = time.monotonic()
    out = io.StringIO()
    call_command("restore", input=str(tmp_path / "backup"), database=restored_name,
                 media_root=str(tmp_path / "restored-media"), stdout=out)
    restore_seconds = time.monotonic() - started
    assert "row counts match" in out.getvalue()

    source, copy = table_stats(checksums=True), table_stats(restored_name, checksums=True)
    assert source.keys() == copy.keys()
    mismatched = [t for t in source if source[t] != copy[t]]
    assert mismatched == []
    for rel, content in files.items():
        restored = (tmp_path / "restored-media" / rel).read_bytes()
        assert hashlib.sha256(restored).digest() == hashlib.sha256(content).digest()
    rows = sum(s["rows"] for s in source.values())
    print(f"FIGURE #35: row-count diff 0; {len(source)}/{len(source)} tables match (md5); {rows} rows; "
          f"backup {backup_seconds:.2f} s, restore {restore_seconds:.2f} s")


def test_restore_refuses_altered_backups_and_the_live_database(tmp_path, restored_name):
    settings_name = settings.DATABASES["default"]["NAME"]
    call_command("backup", output=str(tmp_path / "b"), media_root=str(tmp_path / "none"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="in use"):
        call_command("restore", input=str(tmp_path / "b"), database=settings_name, stdout=io.StringIO())
    dump = tmp_path / "b" / "db.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="sha256"):
        call_command("restore", input=str(tmp_path / "b"), database=restored_name, stdout=io.StringIO())
