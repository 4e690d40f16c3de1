"""Shared test helpers: the one way to sign in, and the persona world.

`login(client, user)` is THE way tests sign a user in (the security work extends it to satisfy
two-factor verification for privileged roles); never call `client.force_login` in a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client

from portal.enums import Role
from portal.models import Campaign, Channel, Unit, User
from tests.factories.portal import (
    DANYANG,
    DIRECT,
    JINGKOU,
    CampaignFactory,
    UnitFactory,
    channel,
    user_with_role,
)

# The personas of the URL × persona matrix, in the order the matrix prints them.
PERSONAS: tuple[str, ...] = (
    "anonymous",
    "unit",
    "other_unit",
    "channel",
    "other_channel",
    "expert",
    "unassigned_expert",
    "city_officer",
    "city_approver",
    "auditor",
    "sysadmin",
    "secadmin",
)
SIGNED_IN: frozenset[str] = frozenset(PERSONAS) - {"anonymous"}

# The campaign year of the world: chinese-calendar covers it, so no "enter holidays" warning.
WORLD_YEAR = 2026


def login(client: Client, user: User, *, otp: bool = True) -> Client:
    """Sign `user` in on `client` (the only sign-in tests use).

    Privileged roles must pass the TOTP step (portal.security.AccountPolicyMiddleware): the user
    gets a confirmed TOTP device if it has none and the session is marked OTP-verified, as
    django_otp.login does after a correct code. `otp=False` leaves a password-only session.
    A user whose password was set without `set_password` (factory-boy's Password declaration)
    has no password_changed_at; it is stamped now so the 90-day rotation counts from here.
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    from portal.otp import confirmed_totp
    from portal.security import requires_otp

    if user.password_changed_at is None and not user.must_change_password:
        from django.utils import timezone

        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        user.refresh_from_db(fields=["password_changed_at"])
    client.force_login(user)
    if otp and requires_otp(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = confirmed_totp(user) or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    if otp:
        # A real sign-in (password, then TOTP) opens the 15-minute re-authentication window.
        import time

        from portal.security import SESSION_REAUTH_AT

        session = client.session
        session[SESSION_REAUTH_AT] = time.time()
        session.save()
    return client


@dataclass
class World:
    """Two channels with a unit each, a direct-to-city unit, one user per persona, a campaign.

    unit_a (京口区) is the "own" unit of the `unit` and `channel` personas; unit_b (丹阳市) belongs
    to `other_unit` and `other_channel`, so a scoping leak has somewhere to show. `expert` and
    `unassigned_expert` are both experts; apps that assign work (reviews) give `expert` an
    assignment in their policy module's `extend_world`. Apps may hang more objects on the world.
    """

    jingkou: Channel
    danyang: Channel
    direct: Channel
    unit_a: Unit
    unit_b: Unit
    unit_direct: Unit
    campaign: Campaign
    users: dict[str, User] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    def user(self, persona: str) -> User | None:
        """The persona's user; None for `anonymous`."""
        if persona == "anonymous":
            return None
        return self.users[persona]

    def __getattr__(self, name: str):
        # Objects apps add in extend_world (world.application, world.assignment …).
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(name)

    def add(self, **objects) -> None:
        self.extra.update(objects)


def build_world() -> World:
    jingkou, danyang, direct = channel(JINGKOU), channel(DANYANG), channel(DIRECT)
    unit_a = UnitFactory(name="镇江华晟精密机械有限公司", channel=jingkou)
    unit_b = UnitFactory(name="丹阳市天工眼镜光学有限公司", channel=danyang, address="丹阳市开发区眼镜城路22号",
                         postcode="212300")
    unit_direct = UnitFactory(name="镇江市机电高级技工学校", channel=direct, unit_type="30",
                              address="镇江市润州区南徐大道218号", postcode="212003")
    campaign = CampaignFactory(year=WORLD_YEAR)
    scoped = {
        "unit": (Role.UNIT, {"unit": unit_a}),
        "other_unit": (Role.UNIT, {"unit": unit_b}),
        "direct_unit": (Role.UNIT, {"unit": unit_direct}),
        "channel": (Role.CHANNEL, {"channel": jingkou}),
        "other_channel": (Role.CHANNEL, {"channel": danyang}),
        "expert": (Role.EXPERT, {}),
        "unassigned_expert": (Role.EXPERT, {}),
        "city_officer": (Role.CITY_OFFICER, {}),
        "city_approver": (Role.CITY_APPROVER, {}),
        "auditor": (Role.AUDITOR, {}),
        "sysadmin": (Role.SYSADMIN, {}),
        "secadmin": (Role.SECADMIN, {}),
    }
    users = {
        persona: user_with_role(role, username=f"p_{persona}", full_name=f"{Role(role).label}·{persona}", **scope)
        for persona, (role, scope) in scoped.items()
    }
    return World(jingkou=jingkou, danyang=danyang, direct=direct, unit_a=unit_a, unit_b=unit_b,
                 unit_direct=unit_direct, campaign=campaign, users=users)
