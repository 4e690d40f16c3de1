"""#20 no plaintext ID at rest (pg_dump), #21 AEAD tamper detection, #22 key rotation, #24 audited
reveal (exactly one REVEAL row), #25 the PI inventory covers every PI-looking field."""

import re
import subprocess
from pathlib import Path

import pghistory.models
import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import crypto
from portal.enums import AuditAction
from portal.models import AuditEvent, Unit
from portal.pi import revealables
from tests.helpers import login

INVENTORY = Path(settings.BASE_DIR) / "pi_inventory.yaml"
PI_NAME = re.compile(r"id_number|phone|mobile|address|email|birth")
PROJECT_APPS = ("portal", "studios", "reviews")
# GB 11643: 6-digit region, YYYYMMDD, 3-digit sequence, check character.
ID_RE = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX](?!\d)")


def inventory() -> dict:
    return yaml.safe_load(INVENTORY.read_text(encoding="utf-8"))["fields"]


def pi_looking_fields() -> set[str]:
    found = set()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or issubclass(model, pghistory.models.Event):
            continue
        for field in model._meta.get_fields():
            if PI_NAME.search(field.name) and not field.is_relation:
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_pi_looking_field_is_in_the_inventory():
    listed = set(inventory())
    missing = sorted(pi_looking_fields() - listed)
    assert missing == [], f"add these fields to pi_inventory.yaml (purpose, roles, retention): {missing}"
    for name, entry in inventory().items():
        assert {"category", "purpose", "roles", "retention"} <= set(entry), name
    print(f"FIGURE #25: 100% PI fields classified ({len(listed)} entries, {len(pi_looking_fields())} matched)")


def test_inventory_names_existing_fields():
    stale = []
    for name in inventory():
        label, field = name.rsplit(".", 1)
        try:
            apps.get_model(label)._meta.get_field(field)
        except LookupError:
            stale.append(name)
    assert stale == []


def test_every_revealable_field_is_in_the_inventory():
    entries = inventory()
    for entry in revealables():
        name = f"{entry.model_label}.{entry.field}"
        assert name in entries, name
        assert entries[name].get("reveal") == entry.permission, name


def test_aead_tamper_is_detected():
    token = crypto.encrypt("32011119800101001X")
    kid, _, b64 = token.partition(":")
    import base64

    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 0x01
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{kid}:{base64.b64encode(bytes(raw)).decode()}")
    assert crypto.decrypt(token) == "32011119800101001X"


@pytest.mark.django_db
def test_reveal_writes_exactly_one_audit_row(world):
    url = reverse("portal:reveal", args=["portal.Unit", world.unit_a.pk, "contact_phone"])
    client = login(Client(), world.users["channel"])
    page = client.get(reverse("portal:unit-detail", args=[world.unit_a.pk]))
    assert world.unit_a.contact_phone not in page.content.decode()  # masked on the page
    reveals = 3
    for _ in range(reveals):
        response = client.post(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert world.unit_a.contact_phone in response.content.decode()
        assert "no-store" in response["Cache-Control"]
    rows = AuditEvent.objects.filter(action=AuditAction.REVEAL)
    assert rows.count() == reveals
    assert set(rows.values_list("object_type", "object_id", "actor_id")) == {
        ("portal.Unit", str(world.unit_a.pk), world.users["channel"].pk)}
    assert client.get(url).status_code == 405  # POST only
    print(f"FIGURE #24: {reveals} reveals → {rows.count()} audit rows")


@pytest.mark.django_db
def test_reveal_refusals(world):
    client = login(Client(), world.users["other_channel"])  # outside unit_a's channel
    assert client.post(reverse("portal:reveal", args=["portal.Unit", world.unit_a.pk, "contact_phone"])
                       ).status_code == 404
    auditor = login(Client(), world.users["auditor"])  # sees units, may not reveal
    assert auditor.post(reverse("portal:reveal", args=["portal.Unit", world.unit_a.pk, "contact_phone"])
                        ).status_code == 403
    city = login(Client(), world.users["city_officer"])
    assert city.post(reverse("portal:reveal", args=["portal.Unit", world.unit_a.pk, "email"])).status_code == 404
    assert city.post(reverse("portal:reveal", args=["portal.User", world.users["unit"].pk, "password"])
                     ).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 0


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" ORDER BY id')  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_reencrypt_rotates_every_row_including_history(world, settings):
    old = settings.PORTAL_FIELD_KEYS
    settings.PORTAL_FIELD_KEYS = "k2:" + "bmV3LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2Q=" + "," + old
    old_kid = old.split(":")[0]
    tables = [("portal_unit", "contact_phone"), ("portal_unitevent", "contact_phone")]
    assert all(v.startswith(old_kid + ":") for t, c in tables for v in _raw(t, c) if v)
    call_command("reencrypt", stdout=__import__("io").StringIO())
    values = [v for t, c in tables for v in _raw(t, c) if v]
    assert values and all(v.startswith("k2:") for v in values)
    settings.PORTAL_FIELD_KEYS = settings.PORTAL_FIELD_KEYS.split(",")[0]  # old key gone
    assert Unit.objects.get(pk=world.unit_a.pk).contact_phone.startswith("139")
    assert AuditEvent.objects.filter(detail__op="reencrypt").exists()
    print(f"FIGURE #22: {len(values)}/{len(values)} values on the new key")


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_no_plaintext_id_number(tmp_path):
    """Seed applications with checksum-valid ID numbers, dump the data, scan for any ID."""
    from portal.validators import id_check_char  # GB 11643 check character
    from studios.models import Application
    from tests.factories.portal import CampaignFactory, UnitFactory, UserFactory

    unit, campaign, user = UnitFactory(), CampaignFactory(), UserFactory()
    ids = []
    for n in range(200):
        first17 = f"321102{1970 + n % 30}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
        ids.append(first17 + id_check_char(first17))
    Application.objects.bulk_create([
        Application(campaign=campaign, unit=unit, channel=unit.channel, case_number=f"T-{n:05d}",
                    lead_id_number=number, lead_id_index=crypto.blind_index(number), lead_phone="13912345678",
                    created_by=user)
        for n, number in enumerate(ids)
    ])
    db = settings.DATABASES["default"]
    from portal.backup import pg_env

    dump = subprocess.run(["pg_dump", "--data-only", db["NAME"]], env=pg_env(),  # noqa: S603, S607
                          capture_output=True, check=True).stdout.decode()
    assert "T-00199" in dump  # the rows are in the dump
    found = ID_RE.findall(dump)
    assert [number for number in ids if number in dump] == []
    assert found == []
    print(f"FIGURE #20: 0 plaintext ID matches in pg_dump --data-only ({len(ids)} IDs seeded, "
          f"{len(dump) // 1024} KiB scanned)")


@pytest.mark.django_db
def test_lead_id_number_reveal_on_the_case_page(world, tmp_path, settings):
    """The case page shows the lead's ID and phone masked; city staff and the case's channel reveal
    them one audited POST at a time; other units, other channels and experts get 404, the auditor 403."""
    from tests.factories.studios import submitted

    settings.MEDIA_ROOT = str(tmp_path)
    app = submitted(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    full_id, full_phone = app.lead_id_number, app.lead_phone
    detail = reverse("studios:application-detail", args=[app.pk])
    reveal_id = reverse("portal:reveal", args=["studios.Application", app.pk, "lead_id_number"])
    reveal_phone = reverse("portal:reveal", args=["studios.Application", app.pk, "lead_phone"])

    city = login(Client(), world.users["city_officer"])
    page = city.get(detail).content.decode()
    assert full_id not in page and full_phone not in page
    assert crypto.mask_id_number(full_id) in page and reveal_id in page and reveal_phone in page
    for url, value in ((reveal_id, full_id), (reveal_phone, full_phone)):
        response = city.post(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and value in response.content.decode()
    channel = login(Client(), world.users["channel"])
    assert full_id in channel.post(reveal_id, HTTP_HX_REQUEST="true").content.decode()

    for persona, status in (("other_unit", 404), ("other_channel", 404), ("expert", 404), ("auditor", 403)):
        client = login(Client(), world.users[persona])
        response = client.post(reveal_id)
        assert response.status_code == status, persona
        assert full_id not in response.content.decode()
    rows = AuditEvent.objects.filter(action=AuditAction.REVEAL, object_type="studios.Application")
    assert rows.count() == 3
