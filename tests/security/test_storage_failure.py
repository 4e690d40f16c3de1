"""L9 (security.md §3): storage failure on upload. When the file store refuses a write (OSError:
disk full, I/O error) the unit gets the message next to the slot with 507, never a 500; the rest
of the evidence page stays as it was; and no Attachment row points at a missing file. A file
written whose row then fails is removed again."""

import errno
import random
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from portal.uploads import check_upload
from studios.models import Attachment
from studios.services import StorageUnavailable, attachment_add, attachment_verify
from tests.factories.studios import draft, pdf_bytes
from tests.helpers import login

pytestmark = pytest.mark.django_db
MESSAGE = "文件未能保存（服务器存储暂时不可用），请稍后重新上传。已填写的内容不受影响。"
UPLOADS, FAILURE_RATE = 30, 0.10


class FlakyStorage:
    """Makes FileSystemStorage._save raise ENOSPC for the writes whose number is in `fail`
    (or every write while `always` is set)."""

    def __init__(self, monkeypatch, fail=()):
        self.fail, self.always, self.calls = set(fail), False, 0
        original = FileSystemStorage._save

        def _save(storage, name, content):
            self.calls += 1
            if self.always or self.calls in self.fail:
                raise OSError(errno.ENOSPC, "No space left on device")
            return original(storage, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", _save)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def app(world):
    return draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])


@pytest.fixture
def unit_client(client, world):
    return login(client, world.users["unit"])


def upload(client, app, *, slot="honour", htmx=False, name="江苏省技术能手证书.pdf", title=""):
    """Same content again in a slot is not stored twice (attachment_add is idempotent): pass a
    distinct `title` to upload distinct files."""
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("studios:attachment-upload", kwargs={"pk": app.pk}),
                       {"slot": slot, "file": SimpleUploadedFile(name, pdf_bytes(title=title))}, **extra)


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def dangling_rows() -> int:
    """Attachment rows whose file is missing or differs from the digest taken at upload."""
    return sum(1 for a in Attachment.objects.all() if not attachment_verify(a)[0])


def slot_error(html: str, slot: str) -> str:
    card = html.split(f'id="slot-{slot}"', 1)[1].split('class="card mb-3 evidence-slot"', 1)[0]
    return card.split('slot-error" role="alert">', 1)[1].split("</div>", 1)[0] if "slot-error" in card else ""


@pytest.mark.parametrize("htmx", [False, True])
def test_storage_error_is_507_next_to_the_slot_and_keeps_the_page(unit_client, app, media, monkeypatch, htmx):
    kept = upload(unit_client, app, slot="other", name="技术创新证明.pdf")
    assert kept.status_code == 302
    FlakyStorage(monkeypatch).always = True
    response = upload(unit_client, app, slot="honour", htmx=htmx)
    assert response.status_code == 507
    html = response.content.decode()
    assert MESSAGE in slot_error(html, "honour")
    if htmx:  # the slot's card only (evidence.js swaps it in); the rest of the page is untouched
        assert 'id="slot-other"' not in html
    else:  # the whole evidence step again: the other slots and their files as they were
        assert "技术创新证明.pdf" in html and 'id="slot-other"' in html and 'id="slot-honour"' in html
        assert slot_error(html, "other") == ""
    assert list(Attachment.objects.filter(application=app).values_list("slot", flat=True)) == ["other"]
    assert len(stored_files(media)) == 1 and dangling_rows() == 0


def test_evidence_page_loads_the_507_swap_script(unit_client, app):
    html = unit_client.get(reverse("studios:application-step", kwargs={"pk": app.pk, "step": "evidence"})
                           ).content.decode()
    assert "studios/evidence.js" in html


def test_file_written_but_row_failing_is_removed(world, app, media, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(Attachment, "save", broken_save)
    checked = check_upload(SimpleUploadedFile("证书.pdf", pdf_bytes()))
    with pytest.raises(DatabaseError):
        attachment_add(application=app, slot="honour", upload=checked, actor=world.users["unit"])
    assert stored_files(media) == []
    assert Attachment.objects.count() == 0


def test_service_reports_storage_failure_as_a_user_error(world, app, media, monkeypatch):
    FlakyStorage(monkeypatch).always = True
    checked = check_upload(SimpleUploadedFile("证书.pdf", pdf_bytes()))
    with pytest.raises(StorageUnavailable) as excinfo:
        attachment_add(application=app, slot="honour", upload=checked, actor=world.users["unit"])
    assert excinfo.value.code == "storage" and excinfo.value.messages == [MESSAGE]
    assert (Attachment.objects.count(), stored_files(media)) == (0, [])


def test_ten_percent_of_uploads_fail_in_storage(unit_client, app, media, monkeypatch):
    rng = random.Random(2026)
    failing = set(rng.sample(range(1, UPLOADS + 1), round(UPLOADS * FAILURE_RATE)))
    FlakyStorage(monkeypatch, fail=failing)
    statuses = []
    for i in range(1, UPLOADS + 1):
        htmx = i % 2 == 0
        response = upload(unit_client, app, slot=["honour", "publication", "other"][i % 3], htmx=htmx,
                          title=f"证书{i}")
        statuses.append(response.status_code)
        if i in failing:
            assert response.status_code == 507, i
            assert MESSAGE in response.content.decode()
        else:
            assert response.status_code == (200 if htmx else 302), i
    rows = Attachment.objects.filter(application=app).count()
    files = stored_files(media)
    assert rows == UPLOADS - len(failing) == len(files)
    assert dangling_rows() == 0
    assert statuses.count(500) == 0
    print(f"FIGURE L9: {len(failing)}/{UPLOADS} uploads hit a storage OSError → {statuses.count(507)}×507 with the "
          f"message next to the slot, {statuses.count(500)}×500; {rows} rows = {len(files)} files; "
          f"0 DB rows pointing at missing files ({dangling_rows()})")
