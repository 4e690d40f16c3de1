"""Demo data (manage.py seed_demo): idempotent, and every README account signs in."""

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from pghistory.models import Event

from portal.demo import ACCOUNTS, DEMO_PASSWORD, UNITS
from portal.enums import Role
from portal.models import AuditEvent, Campaign, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db

# Rows that record activity rather than state: signing in during a test adds some.
ACTIVITY = ("sessions.Session", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")


def state_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if not issubclass(model, Event | AuditEvent) and model._meta.label not in ACTIVITY
        and model._meta.managed and not model._meta.proxy
    }


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent():
    output = seed()
    first = state_counts()
    assert "Demo data ready. Password for every account: Zhenjiang-2026-demo" in output
    assert (first["portal.Unit"], first["portal.Campaign"]) == (len(UNITS), 1)
    assert first["portal.User"] >= len(ACCOUNTS)  # apps' demo data may add accounts of their own
    seed()
    assert state_counts() == first


def test_demo_accounts_match_the_readme_roles():
    seed()
    found = {
        a.user.username: (a.user.full_name, a.role, a.unit.name if a.unit else a.channel.code if a.channel else None)
        for a in RoleAssignment.objects.select_related("user", "unit", "channel")
        .filter(user__username__in=[a[0] for a in ACCOUNTS])
    }
    assert found == {username: (name, role, scope) for username, name, role, scope in ACCOUNTS}
    campaign = Campaign.objects.get()
    assert campaign.is_published
    assert Unit.objects.get(name="镇江市机电高级技工学校").channel.code == "DIRECT"


def test_every_demo_account_can_sign_in(client):
    seed()
    signed_in = []
    for username, _name, role, _scope in ACCOUNTS:
        user = User.objects.get(username=username)
        request = RequestFactory().post(reverse("login"))
        assert authenticate(request=request, username=username, password=DEMO_PASSWORD) == user, username
        client.logout()
        response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        if role == Role.UNIT:  # password only: straight to the dashboard; others continue to the TOTP step
            assert response["Location"] == reverse("portal:dashboard"), username
        if client.session.get("_auth_user_id") == str(user.pk):
            signed_in.append(username)
    assert signed_in == [a[0] for a in ACCOUNTS]


@pytest.mark.django_db
def test_demo_codes_are_all_on_their_reference_lists():
    """Every coded field of the demo applications shows a label, never a bare code."""
    from portal import reference
    from studios.models import Application

    call_command("seed_demo", stdout=io.StringIO())
    coded = {"lead_education": "education", "lead_ethnicity": "ethnic_group",
             "lead_political_status": "political_status", "lead_skill_level": "skill_level"}
    for app in Application.objects.all():
        for field, kind in coded.items():
            code = getattr(app, field)
            if code:
                assert reference.label(kind, code) != code, (app.case_number, field, code)
