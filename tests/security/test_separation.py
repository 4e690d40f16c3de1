"""#14 三权分立 and least privilege, #10 default and stale accounts."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from portal.demo import ACCOUNTS
from portal.enums import Role
from portal.models import RoleAssignment, User
from portal.services import role_grant
from tests import policy
from tests.helpers import login

pytestmark = pytest.mark.django_db
DEFAULT_NAMES = {"admin", "root", "test", "sa", "administrator", "guest", "user", "demo"}


def test_cross_duty_actions_are_refused(world):
    """Each admin role against the other two's pages (the full matrix is tests/policy/portal.py)."""
    target = world.users["unit"]
    checks = {
        "sysadmin": [("GET", reverse("portal:audit-list")), ("POST", reverse("portal:role-grant", args=[target.pk])),
                     ("POST", reverse("portal:account-unlock", args=[target.pk]))],
        "secadmin": [("GET", reverse("portal:account-create")),
                     ("POST", reverse("portal:account-deactivate", args=[target.pk])),
                     ("POST", reverse("portal:account-reset-password", args=[target.pk]))],
        "auditor": [("GET", reverse("portal:account-list")), ("POST", reverse("portal:role-grant", args=[target.pk])),
                    ("POST", reverse("portal:account-deactivate", args=[target.pk]))],
    }
    performed = []
    for persona, requests in checks.items():
        client = login(Client(), world.users[persona])
        for method, path in requests:
            response = client.get(path) if method == "GET" else client.post(path, {"role": "expert"})
            if response.status_code != 403:
                performed.append((persona, path, response.status_code))
    assert performed == []
    assert RoleAssignment.objects.filter(user=target).count() == 1


def test_auditor_is_read_only_everywhere():
    """No route that accepts POST lets the auditor in (per the URL policy)."""
    writable = [name for name, route in policy.load().routes.items()
                if "auditor" in route.allow and set(route.methods) - {"GET"}
                and name not in {"logout", "password_change", "portal:otp-verify", "portal:otp-setup",
                                 "portal:otp-backup-codes", "portal:reauth"}]
    assert writable == []


def test_nobody_grants_themselves_a_role(world):
    secadmin = world.users["secadmin"]
    with pytest.raises(PermissionDenied):
        role_grant(user=secadmin, role=Role.CITY_APPROVER, granted_by=secadmin)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        RoleAssignment.objects.create(user=secadmin, role=Role.EXPERT, granted_by=secadmin)
    client = login(Client(), secadmin)
    response = client.post(reverse("portal:role-grant", args=[secadmin.pk]), {"role": "city_approver"})
    assert response.status_code == 302
    assert set(secadmin.role_assignments.values_list("role", flat=True)) == {Role.SECADMIN}
    print("FIGURE #14: 0 self-escalations; 0 cross-duty actions")


def test_admin_roles_are_held_by_different_people(world):
    client = login(Client(), world.users["secadmin"])
    sysadmin = world.users["sysadmin"]
    client.post(reverse("portal:role-grant", args=[sysadmin.pk]), {"role": Role.AUDITOR})
    client.post(reverse("portal:role-grant", args=[sysadmin.pk]), {"role": Role.CITY_APPROVER})
    assert set(sysadmin.role_assignments.values_list("role", flat=True)) == {Role.SYSADMIN}
    expert = world.users["expert"]
    client.post(reverse("portal:role-grant", args=[expert.pk]), {"role": Role.SECADMIN})
    assert set(expert.role_assignments.values_list("role", flat=True)) == {Role.EXPERT}


def test_scoped_grant_through_the_page(world):
    client = login(Client(), world.users["secadmin"])
    newcomer = User.objects.create(username="p_newcomer", full_name="新人")
    url = reverse("portal:role-grant", args=[newcomer.pk])
    client.post(url, {"role": Role.CHANNEL})  # no channel: refused
    assert not newcomer.role_assignments.exists()
    client.post(url, {"role": Role.CHANNEL, "channel": world.jingkou.pk})
    assignment = newcomer.role_assignments.get()
    assert (assignment.role, assignment.channel, assignment.granted_by) == (
        Role.CHANNEL, world.jingkou, world.users["secadmin"])


def test_no_default_usernames(world):
    names = {u.lower() for u in User.objects.values_list("username", flat=True)}
    names |= {a[0].lower() for a in ACCOUNTS}
    assert names & DEFAULT_NAMES == set()
    client = login(Client(), world.users["sysadmin"])
    response = client.post(reverse("portal:account-create"), {"username": "admin", "full_name": "x", "email": ""})
    assert response.status_code == 200 and not User.objects.filter(username="admin").exists()


def test_stale_accounts_are_disabled(world, time_machine):
    time_machine.move_to("2026-01-05 09:00:00+08:00", tick=False)
    fresh = world.users["channel"]
    stale = world.users["expert"]
    User.objects.filter(pk=stale.pk).update(last_login="2025-09-01T09:00:00+08:00")
    User.objects.filter(pk=fresh.pk).update(last_login="2025-12-20T09:00:00+08:00")
    User.objects.exclude(pk__in=[stale.pk, fresh.pk]).update(last_login="2026-01-04T09:00:00+08:00")
    call_command("disable_stale_accounts", stdout=io.StringIO())
    assert list(User.objects.filter(is_active=False).values_list("username", flat=True)) == [stale.username]
    assert User.objects.filter(is_active=True, last_login__lt="2025-10-07T00:00:00+08:00").count() == 0
    print("FIGURE #10: 0 default names; 0 stale active accounts")
