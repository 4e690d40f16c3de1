"""#8 re-authentication ("sudo mode", 15 min) before sensitive account actions; the mixin and
decorator other apps put on their signing/decision views."""

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import View
from django_otp.oath import TOTP

from portal.access import PortalPermissionMixin
from portal.otp import confirmed_totp
from portal.security import RecentAuthRequiredMixin, mark_recent_auth, recent_auth_required
from tests.factories.portal import DEFAULT_PASSWORD, user_with_role
from tests.helpers import login

pytestmark = pytest.mark.django_db
REAUTH = reverse("portal:reauth")


def sensitive_actions(world):
    """(persona, method, path) of every action behind RecentAuthRequiredMixin in the portal."""
    target = world.users["unit"]
    revokee = user_with_role("expert", username="p_revokee2")
    assignment = revokee.role_assignments.get()
    return [
        ("expert", "GET", reverse("portal:otp-setup")),
        ("expert", "POST", reverse("portal:otp-backup-codes")),
        ("sysadmin", "GET", reverse("portal:account-create")),
        ("sysadmin", "POST", reverse("portal:account-deactivate", args=[target.pk])),
        ("sysadmin", "POST", reverse("portal:account-activate", args=[target.pk])),
        ("sysadmin", "POST", reverse("portal:account-reset-password", args=[target.pk])),
        ("secadmin", "POST", reverse("portal:account-unlock", args=[target.pk])),
        ("secadmin", "POST", reverse("portal:account-end-sessions", args=[target.pk])),
        ("secadmin", "POST", reverse("portal:account-otp-reset", args=[target.pk])),
        ("secadmin", "POST", reverse("portal:role-grant", args=[target.pk])),
        ("secadmin", "POST", reverse("portal:role-revoke", args=[revokee.pk, assignment.pk])),
    ]


def test_every_sensitive_action_demands_recent_authentication(world, time_machine):
    time_machine.move_to("2026-05-18 09:00:00+08:00", tick=False)
    actions = sensitive_actions(world)
    clients = {p: login(Client(), world.users[p]) for p in {a[0] for a in actions}}
    time_machine.move_to("2026-05-18 09:16:00+08:00", tick=False)  # 16 min after the last password
    password_before = world.users["unit"].password
    refused = 0
    for persona, method, path in actions:
        client = clients[persona]
        response = client.get(path) if method == "GET" else client.post(path, {"role": "expert"})
        assert response.status_code == 302, (persona, path)
        assert response["Location"].startswith(REAUTH), (persona, path, response["Location"])
        refused += 1
    world.users["unit"].refresh_from_db()
    assert world.users["unit"].password == password_before and world.users["unit"].is_active
    print(f"FIGURE #8: {refused}/{len(actions)} sensitive actions demand re-auth")


def test_reauth_with_password_and_totp_unlocks_for_fifteen_minutes(world, time_machine):
    time_machine.move_to("2026-05-18 09:00:00+08:00", tick=False)
    user = world.users["sysadmin"]
    client = login(Client(), user)
    time_machine.move_to("2026-05-18 09:20:00+08:00", tick=False)
    target = reverse("portal:account-create")
    assert client.get(target)["Location"].startswith(REAUTH)
    page = client.get(REAUTH + "?next=" + target)
    assert "id_token" in page.content.decode()  # privileged: password and TOTP
    bad = client.post(REAUTH, {"password": "wrong-Password-1", "token": "123456", "next": target})
    assert bad.status_code == 200
    device = confirmed_totp(user)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    good = client.post(REAUTH, {"password": DEFAULT_PASSWORD, "token": code, "next": target})
    assert good.status_code == 302 and good["Location"] == target
    assert client.get(target).status_code == 200
    time_machine.move_to("2026-05-18 09:36:00+08:00", tick=False)
    client.get("/dashboard/")  # keep the session alive (idle limit)
    time_machine.move_to("2026-05-18 09:36:30+08:00", tick=False)
    assert client.get(target)["Location"].startswith(REAUTH)  # 16.5 min after re-authentication


def test_unit_user_reauthenticates_with_password_only(world, time_machine):
    time_machine.move_to("2026-05-18 09:00:00+08:00", tick=False)
    client = login(Client(), world.users["unit"])
    time_machine.move_to("2026-05-18 09:20:00+08:00", tick=False)
    assert "id_token" not in client.get(REAUTH).content.decode()
    response = client.post(REAUTH, {"password": DEFAULT_PASSWORD, "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_open_redirect_refused(world):
    client = login(Client(), world.users["unit"])
    response = client.post(REAUTH, {"password": DEFAULT_PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:dashboard")


class _SignView(PortalPermissionMixin, RecentAuthRequiredMixin, View):
    permission_required = "portal.view_dashboard"

    def post(self, request):
        return HttpResponse("signed")


@recent_auth_required
def _sign(request):
    return HttpResponse("signed")


def test_mixin_and_decorator_for_other_apps(world):
    factory = RequestFactory()
    for view in (_SignView.as_view(), _sign):
        request = factory.post("/reviews/sign/", HTTP_REFERER="http://testserver/reviews/sheet/1/")
        request.user = world.users["expert"]
        request.session = Client().session
        request._messages = type("M", (), {"add": lambda *a, **k: None})()
        response = view(request)
        assert response.status_code == 302
        assert response["Location"] == REAUTH + "?next=http%3A%2F%2Ftestserver%2Freviews%2Fsheet%2F1%2F"
        mark_recent_auth(request)
        assert view(request).content == b"signed"
