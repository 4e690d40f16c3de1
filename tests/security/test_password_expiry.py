"""#2 periodic change (90 days) and the forced change of an initial password."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts import user_reset_password
from tests.factories.portal import DEFAULT_PASSWORD
from tests.helpers import PERSONAS, login
from tests.security.routes import route_paths

pytestmark = pytest.mark.django_db
CHANGE = reverse("password_change")
ALLOWED_WHILE_EXPIRED = {"login", "logout", "password_change", "portal:otp-verify", "portal:otp-setup",
                         "portal:home"}


def test_every_page_redirects_to_password_change_after_91_days(world, time_machine):
    time_machine.move_to("2026-03-01 09:00:00+08:00", tick=False)
    users = {p: world.users[p] for p in PERSONAS[1:]}
    for user in users.values():
        user.set_password(DEFAULT_PASSWORD)
        user.save()  # password_changed_at = 2026-03-01
    pairs = route_paths(world, lambda name, r: name not in ALLOWED_WHILE_EXPIRED)
    routes, paths = [r for r, _p in pairs], {r.name: p for r, p in pairs}
    time_machine.move_to("2026-05-31 09:00:00+08:00", tick=False)  # 91 days later
    usable, total = [], 0
    for persona, user in users.items():
        client = login(Client(), user)
        for route in routes:
            for method in route.methods:
                total += 1
                path = paths[route.name]
                response = client.get(path) if method == "GET" else client.post(path, {})
                if not (response.status_code == 302 and response["Location"].split("?")[0] == CHANGE):
                    usable.append(f"{method} {path} as {persona}: {response.status_code}")
        assert client.get(CHANGE).status_code == 200
    print(f"FIGURE #2: 0 endpoints usable with an expired password ({total} route×method×persona checked)")
    assert usable == []


def test_change_restores_access_and_initial_password_is_forced(world):
    target = world.users["unit"]
    initial = user_reset_password(user=target, actor=world.users["sysadmin"])
    client = Client()
    assert client.post("/accounts/login/", {"username": target.username, "password": initial}).status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith(CHANGE)
    same = client.post(CHANGE, {"old_password": initial, "new_password1": initial, "new_password2": initial})
    assert same.status_code == 200  # the initial password cannot be kept (history)
    new = "Harbour-Lantern-58"
    done = client.post(CHANGE, {"old_password": initial, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    target.refresh_from_db()
    assert target.must_change_password is False
