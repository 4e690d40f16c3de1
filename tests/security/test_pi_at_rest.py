"""#20 ID number confidential at rest, beyond pg_dump (tests/security/test_pi.py): seed 1,000
applications with checksum-valid ID numbers, drive the requests that handle them (the unit edits
the lead-person step with an ID, mistypes one, uploads evidence named after the ID; the channel
reviews and returns; a reader without the reveal permission downloads the Annex 1 PDF; a reveal
reader downloads it too), then regex-scan every place data comes to rest:

- every row of every table, as text (`row::text`: what pg_dump --data-only writes, read inside
  the test's transaction, history tables and audit rows included);
- every `django_session` row, decoded with the SessionStore;
- every cache entry (the test cache is locmem: its store is iterated and unpickled; a Redis cache
  would be scanned by key);
- every log record and mail captured while the requests ran;
- every file under MEDIA_ROOT (a temporary directory here), PDF files also through their text;
- the text of the PDF a non-reveal reader gets.

A canary ID is planted in each kind of sink first and must be found, so a scan that reads nothing
fails.
"""

import io
import logging
import os
import pickle
import re
import time
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from portal import crypto
from portal.validators import id_check_char
from studios.enums import ApplicationStatus
from studios.models import Application, Attachment
from tests.factories.portal import UnitFactory, UserFactory
from tests.factories.reviews import open_review_window, submitted_application
from tests.factories.studios import draft, pdf_bytes
from tests.helpers import login

pytestmark = pytest.mark.django_db

# GB 11643 shape: 6-digit region, birth date, 3-digit sequence, check character (checksum not
# required: a mistyped number is still someone's number).
ID_RE = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")
SEEDED = 1000


def valid_id(n: int, region: str = "321183") -> str:
    first17 = f"{region}{1960 + n % 40}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


CANARY = valid_id(4242, region="110105")


def matches(text: str, known: set[str]) -> set[str]:
    return set(ID_RE.findall(text)) | {n for n in known if n in text}


def db_rows() -> dict[str, str]:
    """Every row of every table of the public schema as text, per table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        dump = {}
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 (names from pg_tables)
            dump[table] = "\n".join(row[0] for row in cursor.fetchall())
    return dump


def session_texts() -> list[str]:
    return [repr(SessionStore().decode(s.session_data)) for s in Session.objects.all()]


def cache_texts() -> list[str]:
    cache = caches["default"]
    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # LocMemCache: {key: pickled value}
        return [f"{key!r} {pickle.loads(value)!r}" for key, value in list(store.items())]  # noqa: S301 (own cache)
    client = cache._cache.get_client()  # RedisCache
    return [f"{key!r} {client.get(key)!r}" for key in client.scan_iter()]


def media_texts(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("latin-1")
        if data.startswith(b"%PDF"):
            text += "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
        found[str(path.relative_to(root))] = text
    return found


def seed(unit, campaign, actor) -> list[str]:
    """SEEDED applications with distinct checksum-valid ID numbers (bulk insert: the encrypted
    field and the history triggers run as for any insert)."""
    numbers = [valid_id(n) for n in range(SEEDED)]
    Application.objects.bulk_create([
        Application(campaign=campaign, unit=unit, channel=unit.channel, case_number=f"AR-{n:05d}",
                    lead_name="测试领衔人", lead_id_number=number, lead_id_index=crypto.blind_index(number),
                    lead_phone="13912345678", created_by=actor, status=ApplicationStatus.DRAFT)
        for n, number in enumerate(numbers)
    ], batch_size=500)
    return numbers


def test_no_plaintext_id_in_db_sessions_cache_logs_media_or_pdfs(world, settings, tmp_path, caplog):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    caplog.set_level(logging.DEBUG)
    started = time.perf_counter()
    campaign = open_review_window(world.campaign)
    seeded = seed(UnitFactory(), campaign, UserFactory())
    seeding_seconds = time.perf_counter() - started
    unit_user, channel_user, auditor = world.users["unit"], world.users["channel"], world.users["auditor"]
    reviewed = submitted_application(unit=world.unit_a, campaign=campaign, actor=unit_user)
    editable = draft(unit=world.unit_a, campaign=campaign, actor=unit_user, complete=True, evidence=False)
    known = set(seeded) | {reviewed.lead_id_number, editable.lead_id_number, CANARY}

    # The unit: opens its draft, mistypes an ID, saves a new one, uploads evidence named after it.
    unit = login(Client(), unit_user)
    lead = reverse("studios:application-step", args=[editable.pk, "lead"])
    assert unit.get(lead).status_code == 200
    new_id = valid_id(7, region="321102")
    mistyped = new_id[:-1] + ("0" if new_id[-1] != "0" else "1")
    known |= {new_id, mistyped}
    page = unit.get(lead).content.decode()
    assert new_id not in page
    form = {"lead_name": editable.lead_name, "lead_phone": "13805290168", "lead_postcode": "212001"}
    for number, expected in ((mistyped, 200), (new_id, 302)):
        lock_version = Application.objects.get(pk=editable.pk).lock_version
        response = unit.post(lead, {"lock_version": lock_version, **form, "lead_id_number": number})
        assert response.status_code == expected
    assert Application.objects.get(pk=editable.pk).lead_id_number == new_id
    response = unit.post(reverse("studios:application-autosave", args=[editable.pk, "lead"]),
                         {"lock_version": Application.objects.get(pk=editable.pk).lock_version, **form,
                          "lead_id_number": new_id}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    upload = reverse("studios:attachment-upload", args=[editable.pk])
    for slot, name in (("honour", f"身份证{new_id}.pdf"), ("other", f"{new_id}_证书.pdf")):
        response = unit.post(upload, {"slot": slot, "file": SimpleUploadedFile(name, pdf_bytes())},
                             headers={"HX-Request": "true"})
        assert response.status_code == 200
    assert Attachment.objects.filter(application=editable).count() == 2

    # The channel reviews and returns the submitted case; the auditor (no reveal permission) and
    # the channel (reveal permission) download its Annex 1.
    channel = login(Client(), channel_user)
    assert channel.get(reverse("reviews:application-review", args=[reviewed.pk])).status_code == 200
    response = channel.post(reverse("reviews:application-return", args=[reviewed.pk]),
                            {"return-lead": "身份证复印件不清晰，请重新上传。"})
    assert response.status_code == 302
    auditor_client = login(Client(), auditor)
    assert not auditor.has_perm("studios.reveal_lead_id", reviewed)
    masked_pdf = auditor_client.get(reverse("studios:application-pdf", args=[reviewed.pk]))
    assert masked_pdf.status_code == 200
    masked_text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(masked_pdf.content)).pages)
    assert crypto.mask_id_number(reviewed.lead_id_number) in masked_text
    full_pdf = channel.get(reverse("studios:application-pdf", args=[reviewed.pk]))
    assert full_pdf.status_code == 200  # the reveal reader's copy: sent, never stored

    # Canaries: every scan must see an ID planted in its sink.
    canary_session = SessionStore()
    canary_session["canary"] = CANARY
    canary_session.create()
    caches["default"].set("canary", {"id": CANARY})
    logging.getLogger("tests.canary").warning("canary %s", CANARY)
    canary_file = Path(settings.MEDIA_ROOT) / "canary.txt"
    canary_file.write_text(CANARY)
    Application.objects.filter(pk=editable.pk).update(extension_reason=f"canary {CANARY}")
    rows = db_rows()

    sinks = {
        "db": "\n".join(rows.values()),
        "sessions": "\n".join(session_texts()),
        "cache": "\n".join(cache_texts()),
        "logs": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
                + "\n".join(f"{m.subject} {m.body}" for m in mail.outbox),
        "media": "\n".join(media_texts(Path(settings.MEDIA_ROOT)).values()),
        "pdf (non-reveal reader)": masked_text + f"\n{CANARY}",
    }
    found = {name: matches(text, known) for name, text in sinks.items()}
    assert all(CANARY in ids for ids in found.values()), {k: CANARY in v for k, v in found.items()}
    leaks = {name: sorted(ids - {CANARY}) for name, ids in found.items() if ids - {CANARY}}

    files = sum(1 for _ in Path(settings.MEDIA_ROOT).rglob("*") if _.is_file()) - 1  # minus the canary
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file() and p != canary_file]
    assert len(stored) == 2, "only the two uploads are stored: Annex 1 PDFs are never written to MEDIA"
    assert all(crypto.is_sealed(p.read_bytes()) for p in stored), "uploads are encrypted at rest"
    sessions = Session.objects.count() - 1
    cache_entries = len(cache_texts()) - 1
    log_records = len(caplog.records) - 1
    os.remove(canary_file)
    where = {table: sorted(matches(text, known) - {CANARY}) for table, text in rows.items()
             if matches(text, known) - {CANARY}}
    assert leaks == {}, (leaks, where)
    print(f"FIGURE #20: 0 plaintext ID matches (dump, sessions, cache, logs, media, PDFs): {SEEDED} IDs seeded "
          f"in {seeding_seconds:.1f} s; scanned {len(rows)} tables ({sum(map(len, rows.values())) // 1024} KiB), "
          f"{sessions} sessions, {cache_entries} cache entries, {log_records} log records, {files} media files, "
          f"1 non-reveal PDF")
