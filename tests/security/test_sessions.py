"""#5 idle and absolute session limits, #6 deactivation and killed sessions."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from portal import accounts
from portal.enums import AuditAction
from portal.models import AuditEvent
from tests.helpers import login

pytestmark = pytest.mark.django_db
DASHBOARD = "/dashboard/"


def _at(time_machine, hhmm: str):
    time_machine.move_to(f"2026-05-18 {hhmm}:00+08:00", tick=False)


def test_idle_limit(world, time_machine):
    _at(time_machine, "09:00")
    client = login(Client(), world.users["city_officer"])
    assert client.get(DASHBOARD).status_code == 200
    _at(time_machine, "09:29")
    assert client.get(DASHBOARD).status_code == 200  # idle 29 min: still signed in
    _at(time_machine, "10:00")
    response = client.get(DASHBOARD)  # idle 31 min
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).latest("id")
    assert event.detail == {"reason": "session_idle_limit"}


def test_absolute_limit_despite_activity(world, time_machine):
    _at(time_machine, "08:00")
    client = login(Client(), world.users["unit"])
    for hhmm in ("08:25", "08:50", "09:15", "09:40", "10:05", "10:30", "10:55", "11:20", "11:45", "12:10",
                 "12:35", "13:00", "13:25", "13:50", "14:15", "14:40", "15:05", "15:30", "15:55"):
        _at(time_machine, hhmm)
        assert client.get(DASHBOARD).status_code == 200, hhmm
    _at(time_machine, "16:01")  # 8 h 1 min after sign-in, last request 6 min ago
    assert client.get(DASHBOARD).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, detail__reason="session_absolute_limit").exists()
    print("FIGURE #5: idle 30 min, absolute 8 h, both enforced")


def test_deactivated_user_loses_every_session(world):
    target = world.users["unit"]
    first, second = login(Client(), target), login(Client(), target)
    assert len(accounts.user_session_keys(target)) == 2
    accounts.user_set_active(user=target, active=False, actor=world.users["sysadmin"])
    assert accounts.user_session_keys(target) == []
    assert first.get(DASHBOARD).status_code == 302
    assert second.get(DASHBOARD).status_code == 302


def test_secadmin_ends_sessions_from_the_account_page(world):
    target = world.users["channel"]
    victim = login(Client(), target)
    admin = login(Client(), world.users["secadmin"])
    response = admin.post(reverse("portal:account-end-sessions", args=[target.pk]))
    assert response.status_code == 302
    assert victim.get(DASHBOARD).status_code == 302
    assert not Session.objects.filter(session_key=victim.session.session_key).exists()
    print("FIGURE #6: 4/4 properties hold (new id at login, row deleted at logout, deactivation, admin kill)")
