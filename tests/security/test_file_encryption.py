"""Evidence files are encrypted at rest (security.md §0: ID and certificate scans are as sensitive
as the ID number): the bytes on disk are AES-GCM ciphertext under the PI field keys, the portal
reads them back as they were uploaded, `reencrypt` rotates them, and an altered file is an
integrity failure, never a 500."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal import crypto
from portal.enums import AuditAction
from portal.models import AuditEvent
from portal.storage import EncryptedFileSystemStorage
from studios.models import Attachment
from tests.factories.studios import draft, image_bytes, pdf_bytes
from tests.helpers import login

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def uploaded(world, media, client):
    """A unit uploads an 'ID card scan' whose bytes contain the ID number as text."""
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"], evidence=False)
    login(client, world.users["unit"])
    content = pdf_bytes(title=f"ID card {ID_NUMBER}")
    assert ID_NUMBER.encode() in content
    response = client.post(reverse("studios:attachment-upload", kwargs={"pk": app.pk}),
                           {"slot": "id_qualification", "file": io.BytesIO(content)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return Attachment.objects.get(application=app), content


def on_disk(media: Path) -> list[bytes]:
    return [p.read_bytes() for p in media.rglob("*") if p.is_file()]


def test_files_on_disk_are_ciphertext_and_read_back_intact(uploaded, media, client):
    attachment, content = uploaded
    blobs = on_disk(media)
    assert len(blobs) == 1 and crypto.is_sealed(blobs[0])
    assert content not in blobs[0] and b"%PDF" not in blobs[0]
    assert ID_NUMBER.encode() not in blobs[0] and ID_NUMBER.encode("utf-16-be") not in blobs[0]
    response = client.get(reverse("studios:attachment-download", kwargs={"pk": attachment.pk}))
    assert response.status_code == 200 and response.content == content
    print("FIGURE #20 files: 1/1 evidence file sealed on disk; 0 plaintext ID bytes; download intact")


def test_reencrypt_rotates_files_and_seals_legacy_plaintext(uploaded, media, settings):
    attachment, content = uploaded
    storage = attachment.file.storage
    legacy = Path(storage.path("applications/legacy"))
    legacy.write_bytes(image_bytes("PNG"))  # written before encryption was switched on
    other = Attachment.objects.create(application=attachment.application, slot="other", file="applications/legacy",
                                      original_name="旧文件.png", content_type="image/png",
                                      size=legacy.stat().st_size, sha256="0" * 64,
                                      uploaded_by=attachment.uploaded_by)
    old = settings.PORTAL_FIELD_KEYS
    new_key = "bmV3LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2Q="  # pragma: allowlist secret
    settings.PORTAL_FIELD_KEYS = "k2:" + new_key + "," + old
    out = io.StringIO()
    call_command("reencrypt", "--dry-run", stdout=out)
    assert "files: 2" in out.getvalue()
    call_command("reencrypt", stdout=io.StringIO())
    for name in (attachment.file.name, other.file.name):
        blob = storage.read_raw(name)
        assert crypto.is_sealed(blob) and crypto.sealed_key_id(blob) == "k2"
    settings.PORTAL_FIELD_KEYS = settings.PORTAL_FIELD_KEYS.split(",")[0]  # old key removed
    with storage.open(attachment.file.name) as handle:
        assert handle.read() == content
    out = io.StringIO()
    call_command("reencrypt", "--dry-run", stdout=out)
    assert "files: 0" in out.getvalue()


def test_altered_ciphertext_is_refused_as_an_integrity_failure(uploaded, client):
    attachment, _content = uploaded
    path = attachment.file.path
    blob = bytearray(Path(path).read_bytes())
    blob[-20] ^= 0x01
    Path(path).write_bytes(bytes(blob))
    response = client.get(reverse("studios:attachment-download", kwargs={"pk": attachment.pk}))
    assert response.status_code == 409
    event = AuditEvent.objects.get(action=AuditAction.INTEGRITY)
    assert event.detail["actual"] == "undecryptable"
    with pytest.raises(CommandError, match="undecryptable"):
        call_command("verify_integrity", stdout=io.StringIO(), stderr=io.StringIO())


def test_storage_refuses_to_open_for_writing(media):
    storage = EncryptedFileSystemStorage(location=str(media))
    name = storage.save("x", io.BytesIO(b"plain"))
    assert os.path.getsize(storage.path(name)) > len(b"plain")
    with pytest.raises(ValueError):
        storage.open(name, "wb")
    assert storage.open(name).read() == b"plain"
