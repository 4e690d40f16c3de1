"""#7 second factor for privileged roles: TOTP step after the password, enrolment, replay,
backup codes, and the demo-only code hint."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import otp
from portal.access import view_declaration
from portal.demo import ACCOUNTS, seed_portal
from portal.enums import AuditAction, AuditOutcome
from portal.models import AuditEvent
from portal.security import requires_otp
from tests import policy
from tests.factories.portal import DEFAULT_PASSWORD
from tests.helpers import PERSONAS, login
from tests.security.routes import route_paths

pytestmark = pytest.mark.django_db
PRIVILEGED = [p for p in PERSONAS if p not in ("anonymous", "unit", "other_unit")]
OTP_PAGES = (reverse("portal:otp-verify"), reverse("portal:otp-setup"))
EXEMPT = {"login", "logout", "portal:otp-verify", "portal:otp-setup"}


def declaration_of(url_name: str) -> str | None:
    from django.urls import get_resolver

    for resolved in policy.resolver_routes():
        if resolved.name == url_name:
            return view_declaration(resolved.callback)
    get_resolver()
    return None


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += offset * device.step
    return f"{totp.token():06d}"


def password_login(username):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, username
    return client


def test_who_needs_the_second_factor(world):
    assert {p for p in PERSONAS[1:] if requires_otp(world.users[p])} == set(PRIVILEGED)


def test_password_only_session_reaches_no_protected_page(world):
    """Every listed route × privileged persona, signed in with the password only."""
    pairs = route_paths(world, lambda name, r: name not in EXEMPT and declaration_of(name) != "public")
    routes, paths = [r for r, _p in pairs], {r.name: p for r, p in pairs}
    reached, total = [], 0
    for persona in PRIVILEGED:
        client = login(Client(), world.users[persona], otp=False)
        for route in routes:
            path = paths[route.name]
            for method in route.methods:
                total += 1
                response = client.get(path) if method == "GET" else client.post(path, {})
                location = response.get("Location", "")
                if not (response.status_code == 302 and location.split("?")[0] in OTP_PAGES):
                    reached.append(f"{method} {path} as {persona}: {response.status_code} {location}")
    print(f"FIGURE #7: 0/{total} privileged (route, method, persona) reachable without OTP" if not reached else "")
    assert reached == []


def test_totp_step_after_password_and_replay_rejected(world):
    user = world.users["expert"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = password_login(user.username)
    assert client.get("/dashboard/")["Location"].startswith(reverse("portal:otp-verify"))
    wrong = client.post(reverse("portal:otp-verify"), {"token": "000000"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    time.sleep(1.1)  # django-otp throttles for 1 s after a failure (doubling each time)
    code = code_for(device)
    ok = client.post(reverse("portal:otp-verify"), {"token": code, "next": "/dashboard/"})
    assert ok.status_code == 302 and ok["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.OTP, outcome=AuditOutcome.SUCCESS, actor_id=user.pk).exists()

    replay = password_login(user.username)
    response = replay.post(reverse("portal:otp-verify"), {"token": code})
    assert response.status_code == 200  # refused: django-otp's last_t
    assert replay.get("/dashboard/").status_code == 302
    print("FIGURE #7: TOTP replay rejected")


def test_enrolment_then_backup_code_works_once(world):
    user = world.users["city_approver"]
    client = password_login(user.username)
    assert client.get("/dashboard/")["Location"].startswith(reverse("portal:otp-setup"))
    page = client.get(reverse("portal:otp-setup")).content.decode()
    assert '<svg class="otp-qr"' in page and "style=" not in page.split('<svg class="otp-qr"')[1].split("</svg>")[0]
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("portal:otp-setup"), {"token": code_for(device)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and otp.backup_codes_left(user) == 10
    assert client.get("/dashboard/").status_code == 200

    other = password_login(user.username)
    assert other.post(reverse("portal:otp-verify"), {"token": codes[0]}).status_code == 302
    again = password_login(user.username)
    assert again.post(reverse("portal:otp-verify"), {"token": codes[0]}).status_code == 200  # used up
    assert otp.backup_codes_left(user) == 9


def test_bound_device_cannot_be_replaced_with_password_only(world):
    user = world.users["channel"]
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = password_login(user.username)
    response = client.get(reverse("portal:otp-setup"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:otp-verify")


def test_unit_users_are_exempt(world):
    client = password_login(world.users["unit"].username)
    assert client.get("/dashboard/").status_code == 200


def test_demo_hint_only_in_demo_mode(db, settings):
    settings.PORTAL_DEMO = False
    context = seed_portal()
    assert TOTPDevice.objects.count() == 0
    settings.PORTAL_DEMO = True
    seed_portal()
    privileged = [u for u, _n, role, _s in ACCOUNTS if role != "unit"]
    assert sorted(TOTPDevice.objects.values_list("user__username", flat=True)) == sorted(privileged)

    user = context["users"]["shi_shenpi"]
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "Zhenjiang-2026-demo"})
    page = client.get(reverse("portal:otp-verify")).content.decode()
    code = code_for(otp.confirmed_totp(user))
    assert "演示环境验证码" in page and code in page
    assert client.post(reverse("portal:otp-verify"), {"token": code}).status_code == 302

    settings.PORTAL_DEMO = False
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "Zhenjiang-2026-demo"})
    assert "演示环境验证码" not in client.get(reverse("portal:otp-verify")).content.decode()
