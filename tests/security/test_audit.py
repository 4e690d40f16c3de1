"""#16 audit content (security events), #17 append-only + hash chain + audit_verify, #18 retention
purge, denied-access logging (403/404)."""

import io
from datetime import timedelta

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import InternalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.audit_tools import APPEND_ONLY_TRIGGER, verify_chain
from portal.enums import AuditAction, AuditOutcome
from portal.models import AuditEvent
from portal.services import audit_record
from tests.factories.portal import DEFAULT_PASSWORD
from tests.helpers import login

pytestmark = pytest.mark.django_db
FIELDS = ("created_at", "actor_username", "actor_role", "ip", "action", "outcome", "path", "request_id")


def test_security_events_are_logged_with_their_fields(world, settings):
    settings.PORTAL_RATELIMITS = {**settings.PORTAL_RATELIMITS, "login": "100/m"}
    user = world.users["unit"]
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "wrong-one-1A"})
    client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    client.get(reverse("portal:audit-list"))  # denied
    client.post(reverse("portal:reveal", args=["portal.Unit", world.unit_a.pk, "contact_phone"]))
    client.post(reverse("logout"))
    for _ in range(5):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong-one-1A"})
    wanted = [AuditAction.LOGIN_FAILED, AuditAction.LOGIN, AuditAction.ACCESS_DENIED, AuditAction.REVEAL,
              AuditAction.LOGOUT, AuditAction.LOCKOUT]
    rows = {e.action: e for e in AuditEvent.objects.filter(action__in=wanted)}
    assert set(rows) == set(wanted)
    incomplete = {a: [f for f in FIELDS if getattr(rows[a], f) in (None, "")] for a in wanted}
    # Failed logins and lockouts have no signed-in actor: their role is recorded as "anonymous".
    assert {rows[AuditAction.LOGIN_FAILED].actor_role, rows[AuditAction.LOCKOUT].actor_role} == {"anonymous"}
    assert incomplete == {a: [] for a in wanted}
    assert timezone.localtime(rows[AuditAction.LOGIN].created_at).utcoffset() == timedelta(hours=8)


def test_denied_access_is_logged_once_for_403_and_404(world):
    client = login(Client(), world.users["other_unit"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("portal:unit-detail", args=[world.unit_a.pk])).status_code == 404
    assert client.get("/no/such/page/").status_code == 404
    assert client.get(reverse("portal:audit-list")).status_code == 403
    denied = list(AuditEvent.objects.filter(id__gt=0).order_by("id")[before:].values_list("action", "path", "detail"))
    assert [(a, p) for a, p, _d in denied] == [
        (AuditAction.ACCESS_DENIED, reverse("portal:unit-detail", args=[world.unit_a.pk])),
        (AuditAction.ACCESS_DENIED, "/no/such/page/"),
        (AuditAction.ACCESS_DENIED, reverse("portal:audit-list")),
    ]
    assert denied[0][2]["status"] == 404


def test_anonymous_404_flood_is_capped(db, settings):
    settings.PORTAL_AUDIT_ANON_404_PER_MINUTE = 3
    client = Client()
    for i in range(10):
        assert client.get(f"/scan/{i}.php").status_code in (302, 404)
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() <= 3


def test_update_and_delete_are_refused_by_the_database(db):
    event = audit_record(action=AuditAction.CONFIG, detail={"x": 1})
    for sql in ("UPDATE portal_auditevent SET actor_username = 'x' WHERE id = %s",
                "DELETE FROM portal_auditevent WHERE id = %s"):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.id])
    assert AuditEvent.objects.get(id=event.id).actor_username == ""


def test_audit_verify_finds_a_superuser_edit(db):
    events = [audit_record(action=AuditAction.CONFIG, detail={"n": i}) for i in range(5)]
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "intact: 5 rows" in out.getvalue()
    with pgtrigger.ignore(APPEND_ONLY_TRIGGER):  # what a database superuser could do
        AuditEvent.objects.filter(id=events[2].id).update(detail={"n": 99})
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", stdout=io.StringIO())
    assert excinfo.value.returncode == 1
    assert str(events[2].id) in str(excinfo.value)
    assert verify_chain() == [events[2].id]
    print(f"FIGURE #17: UPDATE/DELETE denied; tampered row id {events[2].id} found")


def test_deleting_old_rows_outside_the_purge_is_detected(db):
    events = [audit_record(action=AuditAction.CONFIG, detail={"n": i}) for i in range(3)]
    with pgtrigger.ignore(APPEND_ONLY_TRIGGER):
        AuditEvent.objects.filter(id=events[0].id).delete()
    assert verify_chain() == [events[1].id]


def test_failed_audit_insert_rolls_back_the_business_change(world, monkeypatch):
    from portal import services

    unit = world.unit_a
    monkeypatch.setattr(services, "_audit_hash", lambda *a: (_ for _ in ()).throw(RuntimeError("audit down")))
    with pytest.raises(RuntimeError):
        services.role_grant(user=world.users["unassigned_expert"], role="city_officer",
                            granted_by=world.users["secadmin"])
    assert not world.users["unassigned_expert"].role_assignments.filter(role="city_officer").exists()
    assert unit.pk


def test_retention_purge(db, time_machine, settings):
    now = timezone.now()
    for age in (400, 390, 183, 10):
        time_machine.move_to(now - timedelta(days=age), tick=False)
        audit_record(action=AuditAction.CONFIG, detail={"age": age})
    time_machine.move_to(now, tick=False)
    with pytest.raises(CommandError, match="180"):
        call_command("audit_purge", days=150, stdout=io.StringIO())
    call_command("audit_purge", stdout=io.StringIO())  # default 366 days
    ages = [e.detail.get("age") for e in AuditEvent.objects.order_by("id") if "age" in e.detail]
    assert ages == [183, 10]
    assert settings.PORTAL_AUDIT_RETENTION_DAYS == 366
    purge_row = AuditEvent.objects.filter(detail__op="audit_purge").get()
    assert purge_row.detail["deleted"] == 2 and purge_row.outcome == AuditOutcome.SUCCESS
    assert verify_chain() == []  # the purge anchors the chain
    print("FIGURE #18: 0 rows younger than 184 d purged; chain verifies after the purge")
