"""security.md #13: protected fields cannot be set by posting extra form fields.

Every form a unit or officer can post ignores fields it does not declare: status, channel, unit,
case number, version, rank, is_staff. The attacker here is a legitimate user of each form.
"""

import pytest
from django.urls import reverse

from studios.enums import ApplicationStatus
from tests.factories import studios as sf
from tests.helpers import login

pytestmark = pytest.mark.django_db

EXTRA = {
    "status": "accredited", "channel": "", "channel_id": "0", "unit": "", "unit_id": "0", "case_number": "X-1",
    "version": "99", "lock_version_override": "0", "is_staff": "on", "is_superuser": "on", "created_by": "1",
    "lead_id_index": "deadbeef", "deadline_extension": "2099-01-01T00:00",
}
PROTECTED = ("status", "channel_id", "unit_id", "case_number", "version", "lead_id_index", "deadline_extension",
             "created_by_id")


def _protected(app):
    app.refresh_from_db()
    return {name: getattr(app, name) for name in PROTECTED}


@pytest.mark.parametrize("step", ["cover", "lead", "achievements", "conditions", "unit", "report"])
def test_application_steps_ignore_protected_fields(client, world, step):
    app = sf.draft(unit=world.unit_a, campaign=world.campaign, actor=world.user("unit"), complete=True)
    before = _protected(app)
    login(client, world.user("unit"))
    url = reverse("studios:application-step", kwargs={"pk": app.pk, "step": step})
    # The real ID number is posted too, so only the forged extras could change the protected fields.
    client.post(url, {**EXTRA, "lock_version": app.lock_version, "studio_name": "改名后的工作室",
                      "lead_id_number": app.lead_id_number})
    assert _protected(app) == before
    assert app.status == ApplicationStatus.DRAFT


def test_unit_form_ignores_staff_flags_and_keeps_role_scope(client, world):
    officer = world.user("city_officer")
    login(client, officer)
    unit = world.unit_a
    url = reverse("portal:unit-update", kwargs={"pk": unit.pk})
    page = client.get(url)
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update({"contact_phone": "0511-85340338", "is_staff": "on", "is_superuser": "on", "id": "999999"})
    client.post(url, data)
    officer.refresh_from_db()
    unit.refresh_from_db()
    assert (officer.is_staff, officer.is_superuser, unit.pk) == (False, False, world.unit_a.pk)


def test_password_change_cannot_grant_staff(client, world):
    user = world.user("unit")
    login(client, user)
    client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "x", "new_password2": "x",
                                             "is_staff": "on", "is_superuser": "on"})
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
