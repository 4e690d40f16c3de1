"""#21 integrity of stored important data: evidence files are checked against the SHA-256 taken at
upload on every download, submission snapshots against their content hash and keyed seal; a
mismatch is refused and raises an INTEGRITY alert (audit row), and `manage.py verify_integrity`
finds every mismatch (exit 1) with no false alarm on good data."""

import hashlib
import io
import json
import os

import pgtrigger
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal import crypto
from portal.enums import AuditAction, AuditOutcome
from portal.models import AuditEvent
from portal.uploads import check_upload
from studios.models import ApplicationSnapshot, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import (
    application_submit,
    attachment_add,
    attachment_verify,
    content_hash,
    snapshot_seal,
    snapshot_verify,
)
from tests.factories.studios import draft, filing_open, image_bytes
from tests.helpers import login

pytestmark = pytest.mark.django_db
N = 50  # good cases: N snapshots, 2N evidence files (a PDF and a distinct PNG each)


def submitted_cases(world, n: int) -> list:
    unit, campaign, actor = world.unit_a, world.campaign, world.users["unit"]
    submitted = []
    with time_machine.travel(filing_open(campaign), tick=True):
        for i in range(n):
            app = draft(unit=unit, campaign=campaign, actor=actor, complete=True)
            png = check_upload(SimpleUploadedFile(f"资格证书{i}.png", image_bytes("PNG", size=(40 + i, 30))))
            attachment_add(application=app, slot="id_qualification", upload=png, actor=actor)
            submitted.append(application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION))
    return submitted


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def cases(world):
    return submitted_cases(world, N)


@pytest.fixture
def one_case(world):
    return submitted_cases(world, 1)


def integrity_rows():
    return AuditEvent.objects.filter(action=AuditAction.INTEGRITY)


def raw_update_snapshot(snapshot, **columns):
    """Write to the snapshot table behind the application's back (a DBA or an attacker with SQL)."""
    sets = ", ".join(f"{name} = %s" for name in columns)
    with pgtrigger.ignore("studios.ApplicationSnapshot:snapshot_immutable"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE studios_applicationsnapshot SET {sets} WHERE id = %s",  # noqa: S608
                       [*columns.values(), snapshot.pk])


def test_tamper_is_detected_and_good_data_raises_no_alarm(world, client, cases):
    files = list(Attachment.objects.filter(application__in=cases).order_by("pk"))
    snapshots = list(ApplicationSnapshot.objects.filter(application__in=cases).order_by("pk"))
    assert (len(files), len(snapshots)) == (2 * N, N)
    assert len({f.sha256 for f in files}) > N  # distinct contents, not one file N times

    # No false alarm: every good file downloads (200, same bytes), every snapshot verifies, and the
    # command passes without writing an alert.
    login(client, world.users["unit"])
    for attachment in files:
        response = client.get(reverse("studios:attachment-download", kwargs={"pk": attachment.pk}))
        assert response.status_code == 200, attachment.pk
        assert hashlib.sha256(response.content).hexdigest() == attachment.sha256
    assert all(snapshot_verify(s) for s in snapshots)
    out = io.StringIO()
    call_command("verify_integrity", stdout=out)
    assert f"integrity intact: {2 * N} files, {N} snapshots checked; 0 orphan files" in out.getvalue()
    false_alarms = integrity_rows().count()
    assert false_alarms == 0

    detected = 0
    # 1. One byte of a stored file flipped → the sealed file no longer authenticates
    #    (portal.storage encrypts files at rest): the download is refused and alerted.
    flipped = files[1]
    path = flipped.file.path
    with open(path, "r+b") as handle:
        handle.seek(os.path.getsize(path) // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0x01]))
    assert attachment_verify(flipped) == (False, "undecryptable")
    assert client.get(reverse("studios:attachment-download", kwargs={"pk": flipped.pk})).status_code == 409
    assert integrity_rows().get().detail["actual"] == "undecryptable"
    detected += 1

    # 1b. A file swapped for other, validly sealed content (someone holding the key) → the digest
    #    taken at upload catches it: the download is refused (409, Chinese page, no file content)
    #    and the alert names the expected and actual digests.
    victim = files[0]
    with victim.file.storage.open(victim.file.name) as handle:
        original = handle.read()
    swapped = original[:-1] + bytes([original[-1] ^ 0x01])
    with open(victim.file.path, "wb") as handle:
        handle.write(crypto.encrypt_bytes(swapped))
    tampered_digest = hashlib.sha256(swapped).hexdigest()
    downloads_before = AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).count()
    response = client.get(reverse("studios:attachment-download", kwargs={"pk": victim.pk}))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "文件校验未通过，已停止下载" in text and victim.original_name in text
    assert "Content-Disposition" not in response
    alert = integrity_rows().order_by("id").last()
    assert (alert.outcome, alert.object_type, alert.object_id) == (AuditOutcome.FAILURE, "studios.Attachment",
                                                                  str(victim.pk))
    assert alert.detail["expected"] == victim.sha256 and alert.detail["actual"] == tampered_digest
    assert alert.actor_id == world.users["unit"].pk
    assert AuditEvent.objects.filter(action=AuditAction.DOWNLOAD).count() == downloads_before
    assert attachment_verify(victim) == (False, tampered_digest)
    detected += 1

    # The snapshot table refuses edits through the application (trigger); tampering needs SQL with
    # the trigger bypassed.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE studios_applicationsnapshot SET data = '{}' WHERE id = %s", [snapshots[1].pk])

    # 2. A snapshot's data edited in SQL → the content hash no longer matches.
    edited = snapshots[1]
    data = dict(edited.data, lead_name="王某某")
    raw_update_snapshot(edited, data=json.dumps(data, ensure_ascii=False))
    edited.refresh_from_db()
    assert edited.data["lead_name"] == "王某某"
    assert not snapshot_verify(edited)
    detected += 1

    # 3. Data edited AND the plain SHA-256 recomputed (what an attacker who read the code would do):
    #    the keyed seal still fails.
    forged = snapshots[2]
    data = dict(forged.data, office_area="999.00")
    raw_update_snapshot(forged, data=json.dumps(data, ensure_ascii=False), content_hash=content_hash(data))
    forged.refresh_from_db()
    assert forged.content_hash == content_hash(forged.data)  # the plain hash alone would pass
    assert forged.seal != snapshot_seal(application_id=forged.application_id, version=forged.version,
                                        digest=forged.content_hash)
    assert not snapshot_verify(forged)
    detected += 1

    # The scheduled/operator check finds all three, alerts once each and exits 1.
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_integrity")
    assert excinfo.value.returncode == 1
    assert "integrity check failed for 4" in str(excinfo.value)
    alerts = integrity_rows().order_by("id")
    assert alerts.count() == 6  # the two downloads' alerts + 4 from the command
    flagged = {(a.object_type, a.object_id) for a in alerts[2:]}
    assert flagged == {("studios.Attachment", str(victim.pk)), ("studios.Attachment", str(flipped.pk)),
                       ("studios.ApplicationSnapshot", str(edited.pk)),
                       ("studios.ApplicationSnapshot", str(forged.pk))}
    good = len(files) + len(snapshots) - 4
    assert all(snapshot_verify(s) for s in snapshots[3:])
    print(f"FIGURE #21: tamper detected {detected}/4; {false_alarms} false alarms over {len(files) + len(snapshots)} "
          f"({len(files)} files downloaded and checked, {len(snapshots)} snapshots; {good} still intact)")


def test_missing_file_is_refused_and_alerted(world, client, one_case):
    victim = Attachment.objects.filter(application=one_case[0]).first()
    victim.file.storage.delete(victim.file.name)
    login(client, world.users["unit"])
    response = client.get(reverse("studios:attachment-download", kwargs={"pk": victim.pk}))
    assert response.status_code == 409
    assert integrity_rows().get().detail == {"kind": "attachment", "expected": victim.sha256, "actual": "missing",
                                             "application": victim.application_id}


def test_seal_key_is_not_the_secret_key(settings, one_case):
    snapshot = ApplicationSnapshot.objects.filter(application=one_case[0]).get()
    assert snapshot_verify(snapshot)
    settings.SECRET_KEY = "another-secret-key-" * 3
    assert snapshot_verify(snapshot)  # SECRET_KEY plays no part
    settings.PORTAL_INTEGRITY_KEY = "a-dedicated-integrity-key-0123456789"
    assert not snapshot_verify(snapshot)  # the seal is keyed
