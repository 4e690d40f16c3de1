"""Evidence uploads: content checked (not the name), metadata stripped, served only through the
permission-checked, audited download view."""

import hashlib
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.enums import AuditAction
from portal.models import AuditEvent
from portal.uploads import UploadRejected, check_upload, display_name
from studios.models import Attachment
from tests.factories.studios import image_bytes, pdf_bytes
from tests.helpers import login


def upload(client, app, name, content, slot="honour", htmx=True):
    url = reverse("studios:attachment-upload", kwargs={"pk": app.pk})
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"slot": slot, "file": SimpleUploadedFile(name, content)}, **extra)


@pytest.mark.parametrize(("name", "content", "mime"), [
    ("江苏省技术能手证书.pdf", pdf_bytes(), "application/pdf"),
    ("证书扫描.png", image_bytes("PNG"), "image/png"),
    ("证书照片.jpg", image_bytes("JPEG"), "image/jpeg"),
])
def test_good_files_are_accepted(unit_client, app, name, content, mime):
    response = upload(unit_client, app, name, content)
    assert response.status_code == 200
    attachment = Attachment.objects.get(application=app)
    assert (attachment.original_name, attachment.content_type, attachment.slot) == (name, mime, "honour")
    stored = attachment.file.read()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.size == len(stored)
    assert attachment.file.name.startswith(f"applications/{app.pk}/") and name not in attachment.file.name
    assert name in response.content.decode()


def test_exif_and_gps_are_stripped(unit_client, app):
    content = image_bytes("JPEG", gps=True)
    assert Image.open(io.BytesIO(content)).getexif().get(0x8825) is not None
    upload(unit_client, app, "现场.jpg", content)
    stored = Attachment.objects.get(application=app).file.read()
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert dict(exif) == {}


@pytest.mark.parametrize(("name", "content", "message"), [
    ("证书.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "只接受PDF、JPG、PNG"),
    ("证书.pdf", pdf_bytes(javascript=True), "含有脚本"),
    ("证书.pdf", pdf_bytes(open_action=True), "含有脚本"),
    ("证书.pdf", pdf_bytes(embedded=True), "含有脚本"),
    ("证书.pdf", pdf_bytes(encrypted=True), "已加密"),
    ("证书.pdf", b"%PDF-1.4\n1 0 obj garbage", "已损坏"),
    ("证书.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "已损坏"),
])
def test_bad_files_are_refused_next_to_the_slot(unit_client, app, name, content, message):
    response = upload(unit_client, app, name, content)
    text = response.content.decode()
    assert response.status_code == 200
    assert message in text
    assert 'id="slot-honour"' in text and "slot-error" in text
    assert Attachment.objects.filter(application=app).count() == 0


def test_oversize_is_refused(unit_client, app, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    response = upload(unit_client, app, "大文件.pdf", pdf_bytes() + b"\n%" + b"x" * 2048)
    assert "文件过大" in response.content.decode()
    assert Attachment.objects.count() == 0


def test_pixel_bomb_is_refused(settings):
    settings.PORTAL_UPLOAD_MAX_PIXELS = 1000
    with pytest.raises(UploadRejected) as exc:
        check_upload(SimpleUploadedFile("a.png", image_bytes("PNG", size=(100, 100))))
    assert exc.value.code == "too_many_pixels"


def test_failed_upload_without_htmx_shows_the_evidence_step(unit_client, app):
    unit_client.post(reverse("studios:application-step", kwargs={"pk": app.pk, "step": "cover"}),
                     {"lock_version": 0, "studio_name": "不丢失的名称"})
    response = upload(unit_client, app, "x.pdf", b"not a pdf at all", htmx=False)
    text = response.content.decode()
    assert response.status_code == 200 and "只接受PDF、JPG、PNG" in text and "证明材料" in text
    app.refresh_from_db()
    assert app.studio_name == "不丢失的名称"


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\hr\\证书.pdf", "证书.pdf"),
    ("证\x00书\r\n.pdf", "证书.pdf"),
    ("\u202egpj.exe", "gpj.exe"),
    ("", "未命名文件"),
])
def test_display_name(raw, clean):
    assert display_name(raw) == clean


def test_download_headers_and_audit(unit_client, app, unit_user):
    upload(unit_client, app, "获奖 证书.pdf", pdf_bytes())
    attachment = Attachment.objects.get(application=app)
    response = unit_client.get(reverse("studios:attachment-download", kwargs={"pk": attachment.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == ("attachment; filename*=UTF-8''"
                                               "%E8%8E%B7%E5%A5%96%20%E8%AF%81%E4%B9%A6.pdf")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).get()
    assert (event.actor_id, event.object_id) == (unit_user.pk, str(attachment.pk))


def test_download_out_of_scope_is_404(world, unit_client, app, client):
    upload(unit_client, app, "证书.pdf", pdf_bytes())
    attachment = Attachment.objects.get(application=app)
    for persona in ("other_unit", "channel", "expert"):  # channel: the case is still a draft
        login(client, world.users[persona])
        assert client.get(reverse("studios:attachment-download", kwargs={"pk": attachment.pk})).status_code == 404


def test_delete_removes_file(unit_client, app):
    upload(unit_client, app, "证书.pdf", pdf_bytes())
    attachment = Attachment.objects.get(application=app)
    path = attachment.file.path
    assert os.path.exists(path)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = unit_client.post(reverse("studios:attachment-delete", kwargs={"pk": attachment.pk}),
                                    HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not os.path.exists(path)


def test_same_file_again_in_the_same_slot_is_stored_once(unit_client, app, settings):
    """A retry after a lost response (or a double click) must not store a duplicate (bench L8);
    the same file in another slot, or another file in the slot, is a new attachment."""
    content = pdf_bytes()
    for _ in range(3):
        assert upload(unit_client, app, "江苏省技术能手证书.pdf", content).status_code == 200
    assert Attachment.objects.filter(application=app, slot="honour").count() == 1
    upload(unit_client, app, "江苏省技术能手证书.pdf", content, slot="other")
    upload(unit_client, app, "证书扫描.png", image_bytes("PNG"))
    assert Attachment.objects.filter(application=app).count() == 3
    stored = [p for _root, _dirs, files in os.walk(settings.MEDIA_ROOT) for p in files]
    assert len(stored) == 3
