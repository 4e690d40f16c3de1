"""#32 residual information (upload side): large uploads are spooled to the private
FILE_UPLOAD_TEMP_DIR and that directory is empty after every request (accepted, refused or failed
upload); deleting an evidence file, an application (cascade) or anonymising one leaves no orphan
file in storage, and a rolled-back deletion keeps its file."""

import errno
import io
import os
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import transaction
from django.urls import reverse

from studios.management.commands.verify_integrity import orphan_files
from studios.models import Application, Attachment
from studios.views import attachments as attachment_views
from tests.factories.studios import draft
from tests.helpers import login

pytestmark = pytest.mark.django_db
BIG = 3 * 1024 * 1024  # above FILE_UPLOAD_MAX_MEMORY_SIZE (2 MB): Django spools it to a temp file


def big_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.Padding = pdf.make_indirect(pikepdf.Stream(pdf, os.urandom(BIG)))  # incompressible
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def upload_tmp(settings, tmp_path) -> Path:
    path = tmp_path / "upload-tmp"
    path.mkdir(mode=0o700)
    settings.FILE_UPLOAD_TEMP_DIR = str(path)
    return path


@pytest.fixture
def app(world):
    return draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])


def files_in(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_upload_temp_dir_is_private_and_configured():
    path = Path(django_settings.FILE_UPLOAD_TEMP_DIR)
    assert path.is_dir() and path != Path("/tmp")  # noqa: S108
    assert oct(path.stat().st_mode & 0o777) == oct(0o700)


def test_upload_temp_dir_is_empty_after_each_request(world, client, app, media, upload_tmp, monkeypatch):
    seen = []
    original = attachment_views.check_upload

    def spy(upload):
        # During the request: the big upload really is a temp file in our private directory.
        seen.append((type(upload), len(files_in(upload_tmp))))
        return original(upload)

    monkeypatch.setattr(attachment_views, "check_upload", spy)
    login(client, world.users["unit"])
    url = reverse("studios:attachment-upload", kwargs={"pk": app.pk})
    content = big_pdf()
    assert len(content) > 2.5 * 1024 * 1024
    leftovers = []

    accepted = client.post(url, {"slot": "honour", "file": SimpleUploadedFile("大文件证书.pdf", content)})
    assert accepted.status_code == 302
    leftovers.append(len(files_in(upload_tmp)))

    refused = client.post(url, {"slot": "other", "file": SimpleUploadedFile("伪装.pdf", b"MZ" + os.urandom(BIG))})
    assert refused.status_code == 200 and "只接受PDF、JPG、PNG" in refused.content.decode()
    leftovers.append(len(files_in(upload_tmp)))

    def full_disk(storage, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    failed = client.post(url, {"slot": "publication", "file": SimpleUploadedFile("出版物.pdf", content)},
                         HTTP_HX_REQUEST="true")
    assert failed.status_code == 507
    leftovers.append(len(files_in(upload_tmp)))

    assert seen == [(TemporaryUploadedFile, 1)] * 3
    assert leftovers == [0, 0, 0]
    assert Attachment.objects.filter(application=app).count() == 1
    print(f"FIGURE #32: 0 residual tmp files ({sum(leftovers)} left in FILE_UPLOAD_TEMP_DIR after 3 requests with a "
          f"{len(content) / 1024 / 1024:.1f} MB upload: accepted, refused, storage failure)")


def test_deletions_leave_no_orphan_files(world, client, media, django_capture_on_commit_callbacks):
    from studios.services import application_anonymise

    unit, campaign, actor = world.unit_a, world.campaign, world.users["unit"]
    apps = [draft(unit=unit, campaign=campaign, actor=actor, complete=True) for _ in range(3)]
    for app in apps:  # a second file each
        Attachment.objects.create(application=app, slot="other", original_name="其他.pdf",
                                  content_type="application/pdf", size=3, sha256="0" * 64, uploaded_by=actor,
                                  file=FileSystemStorage().save(f"applications/{app.pk}/extra", io.BytesIO(b"abc")))
    assert len(files_in(media)) == 6

    # One file deleted through the page (attachment_delete).
    login(client, actor)
    victim = apps[0].attachments.first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("studios:attachment-delete", kwargs={"pk": victim.pk}))
    assert response.status_code == 302
    assert not Path(media, victim.file.name).exists()

    # A deletion that rolls back keeps its file (the row is back, so must the file be).
    survivor = apps[1].attachments.first()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                survivor.delete()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and Path(media, survivor.file.name).exists()

    # A whole application deleted: its files go with the cascade.
    names = list(apps[1].attachments.values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        Application.objects.filter(pk=apps[1].pk).delete()
    assert not any(Path(media, n).exists() for n in names)

    # An application anonymised at the end of retention: its files go too.
    with django_capture_on_commit_callbacks(execute=True):
        application_anonymise(application=apps[2])
    assert Attachment.objects.filter(application=apps[2]).count() == 0

    remaining = files_in(media)
    orphans = orphan_files()
    assert len(remaining) == Attachment.objects.count() == 1
    assert orphans == []
    print(f"FIGURE #32: 0 orphan files ({len(orphans)} after attachment delete, application cascade and "
          f"anonymisation; {len(remaining)} file = {Attachment.objects.count()} row; "
          f"a rolled-back delete kept its file)")
