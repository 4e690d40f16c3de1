"""The audit trail: the hash-chained security log, data history (pghistory), workflow history."""

import pgtrigger
import pytest
from django.db import InternalError, transaction
from django.urls import reverse
from pghistory.models import Events

from portal.enums import AuditAction, AuditOutcome
from portal.models import AuditEvent, TransitionLog
from portal.services import audit_record, audit_verify, transition_log_create
from tests.factories.portal import DEFAULT_PASSWORD
from tests.helpers import login
from tests.policy.portal import unit_data

pytestmark = pytest.mark.django_db

APPEND_ONLY = "portal.AuditEvent:auditevent_append_only"


def rows():
    return list(AuditEvent.objects.order_by("id"))


def three_events(world):
    officer = world.users["city_officer"]
    return [
        audit_record(action=AuditAction.LOGIN, actor=officer),
        audit_record(action=AuditAction.EXPORT, actor=officer, obj=world.unit_a, detail={"what": "units", "rows": 3}),
        audit_record(action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE, username="nobody"),
    ]


def test_each_row_carries_the_hash_of_the_previous_one(world):
    first, second, third = three_events(world)
    assert [e.prev_hash for e in rows()] == ["", first.hash, second.hash]
    assert len({first.hash, second.hash, third.hash}) == 3
    assert (second.object_type, second.object_id, second.actor_role) == ("portal.Unit", str(world.unit_a.pk),
                                                                          "city_officer")
    assert audit_verify() == []


def test_verify_finds_a_row_edited_around_the_trigger(world):
    _first, second, _third = three_events(world)
    with pgtrigger.ignore(APPEND_ONLY):
        AuditEvent.objects.filter(pk=second.pk).update(actor_username="someone_else")
    assert audit_verify() == [second.id]


def test_verify_finds_a_forged_hash_by_the_next_row(world):
    _first, second, third = three_events(world)
    # Recomputing nothing but the hash of the edited row still breaks the link to the next one.
    with pgtrigger.ignore(APPEND_ONLY):
        AuditEvent.objects.filter(pk=second.pk).update(hash="0" * 64)
    assert audit_verify() == [second.id, third.id]


def test_verify_finds_a_deleted_row(world):
    _first, second, third = three_events(world)
    with pgtrigger.ignore(APPEND_ONLY):
        AuditEvent.objects.filter(pk=second.pk).delete()
    assert audit_verify() == [third.id]


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_audit_rows_cannot_be_changed_or_deleted(operation, world):
    event = audit_record(action=AuditAction.LOGIN, actor=world.users["unit"])
    queryset = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(InternalError, match="pgtrigger"), transaction.atomic():
        queryset.update(actor_username="x") if operation == "update" else queryset.delete()
    assert rows() == [event]
    assert AuditEvent.objects.get(pk=event.pk).actor_username == world.users["unit"].username


def test_login_is_recorded_with_actor_ip_and_path(world, client):
    user = world.users["unit"]  # a unit user signs in with a password only
    response = client.post(reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD},
                           REMOTE_ADDR="10.32.1.7")
    assert (response.status_code, response["Location"]) == (302, reverse("portal:dashboard"))
    [event] = rows()
    assert (event.action, event.outcome, event.actor_id, event.actor_username, event.actor_role, event.ip,
            event.path) == (AuditAction.LOGIN, AuditOutcome.SUCCESS, user.pk, user.username, "unit", "10.32.1.7",
                            "/accounts/login/")


def test_failed_login_is_recorded_with_the_username_tried(world, client):
    response = client.post(reverse("login"), {"username": "p_unit", "password": "wrong-password-1"},
                           REMOTE_ADDR="10.32.1.8")
    assert response.status_code == 200
    assert "请输入一个正确的用户名和密码。注意，两者都区分大小写。" in response.content.decode()
    [event] = rows()
    assert (event.action, event.outcome, event.actor_id, event.actor_username, event.ip, event.path) == (
        AuditAction.LOGIN_FAILED, AuditOutcome.FAILURE, None, "p_unit", "10.32.1.8", "/accounts/login/")


def test_denied_access_is_recorded(world, client):
    user = world.users["unit"]
    login(client, user)
    before = AuditEvent.objects.count()
    response = client.get(reverse("portal:unit-list"), REMOTE_ADDR="10.32.1.9")
    assert response.status_code == 403
    [event] = AuditEvent.objects.order_by("id")[before:]
    assert (event.action, event.outcome, event.actor_id, event.ip, event.path) == (
        AuditAction.ACCESS_DENIED, AuditOutcome.DENIED, user.pk, "10.32.1.9", "/units/")


def test_logout_is_recorded(world, client):
    user = world.users["unit"]
    login(client, user)
    before = AuditEvent.objects.count()
    response = client.post(reverse("logout"), REMOTE_ADDR="10.32.1.10")
    assert (response.status_code, response["Location"]) == (302, "/")
    [event] = AuditEvent.objects.order_by("id")[before:]
    assert (event.action, event.actor_id, event.ip, event.path) == (
        AuditAction.LOGOUT, user.pk, "10.32.1.10", "/accounts/logout/")


def test_unit_change_through_the_edit_view_is_in_the_data_history(world, client):
    officer, unit = world.users["city_officer"], world.unit_a
    login(client, officer)
    url = reverse("portal:unit-update", kwargs={"pk": unit.pk})
    response = client.post(url, unit_data(unit, address="镇江市京口区学府路100号"), REMOTE_ADDR="10.32.1.11")
    assert (response.status_code, response["Location"]) == (302, reverse("portal:unit-detail", kwargs={"pk": unit.pk}))

    [event] = Events.objects.tracks(unit).filter(pgh_label="update")  # one edit, one history row
    assert (event.pgh_diff["address"], event.pgh_data["address"]) == (
        [unit.address, "镇江市京口区学府路100号"], "镇江市京口区学府路100号")
    context = event.pgh_context
    assert (context["user"], context["ip"], context["url"]) == (officer.pk, "10.32.1.11", url)


def test_transition_log_is_append_only(world):
    log = transition_log_create(case=world.unit_a, action="submit", from_status="draft", to_status="submitted",
                                actor=world.users["unit"], reason="提交申报")
    assert (log.actor_role, log.from_status, log.to_status) == ("unit", "draft", "submitted")
    with pytest.raises(InternalError, match="pgtrigger"), transaction.atomic():
        TransitionLog.objects.filter(pk=log.pk).update(reason="改写")
    with pytest.raises(InternalError, match="pgtrigger"), transaction.atomic():
        TransitionLog.objects.filter(pk=log.pk).delete()
    assert list(TransitionLog.objects.values_list("reason", flat=True)) == ["提交申报"]


def test_audit_list_filters_local_days_and_accounts(world, client):
    """Days are Asia/Shanghai days (an event at 23:30 belongs to that day, not the next UTC one);
    an exact account name finds only that account, a fragment finds every account containing it."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    shanghai = ZoneInfo("Asia/Shanghai")
    officer, approver = world.users["city_officer"], world.users["city_approver"]
    with time_machine.travel(dt.datetime(2026, 11, 20, 23, 30, tzinfo=shanghai), tick=False):
        late = audit_record(action=AuditAction.EXPORT, actor=officer)
    with time_machine.travel(dt.datetime(2026, 11, 21, 0, 30, tzinfo=shanghai), tick=False):
        early = audit_record(action=AuditAction.EXPORT, actor=approver)
    login(client, world.users["auditor"])

    def shown(**params):
        response = client.get(reverse("portal:audit-list"), {"action": "export", **params})
        return [e.pk for e in response.context["events"]]

    assert shown(start="2026-11-21") == [early.pk]
    assert shown(end="2026-11-20") == [late.pk]
    assert shown(start="2026-11-20", end="2026-11-21") == [early.pk, late.pk]
    assert shown(q=officer.username) == [late.pk]
    common = "city_"
    assert common in officer.username and common in approver.username
    assert shown(q=common) == [early.pk, late.pk]
