"""Database constraints of the portal models: enforced by PostgreSQL, not only by forms."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from portal.enums import ChannelKind, Role
from portal.models import Campaign, Channel, RoleAssignment
from tests.factories.portal import DANYANG, DIRECT, JINGKOU, CampaignFactory, UnitFactory, UserFactory, channel

pytestmark = pytest.mark.django_db


def violated(constraint: str, create) -> None:
    """`create()` fails in the database with the named constraint."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    assert constraint in str(excinfo.value)


def test_data_migration_loaded_the_channels():
    assert list(Channel.objects.filter(code__in=[JINGKOU, DANYANG, DIRECT]).values_list("code", "name", "kind")) == [
        (JINGKOU, "京口区", ChannelKind.DISTRICT),
        (DANYANG, "丹阳市", ChannelKind.COUNTY_CITY),
        (DIRECT, "驻镇省属、市直单位", ChannelKind.DIRECT_CITY),
    ]


@pytest.mark.parametrize(
    "role, scope",
    [
        (Role.UNIT, {}),  # unit role without a unit
        (Role.UNIT, {"channel": True}),  # unit role with a channel instead
        (Role.CHANNEL, {}),  # channel role without a channel
        (Role.CHANNEL, {"unit": True}),  # channel role with a unit
        (Role.CHANNEL, {"unit": True, "channel": True}),
        (Role.EXPERT, {"unit": True}),  # unscoped roles carry no scope
        (Role.CITY_OFFICER, {"channel": True}),
        (Role.AUDITOR, {"unit": True}),
    ],
    ids=["unit-without-unit", "unit-with-channel", "channel-without-channel", "channel-with-unit",
         "channel-with-both", "expert-with-unit", "city-officer-with-channel", "auditor-with-unit"],
)
def test_role_scope_must_match_the_role(role, scope):
    user = UserFactory()
    unit = UnitFactory() if scope.get("unit") else None
    chan = channel(JINGKOU) if scope.get("channel") else None
    violated(
        "roleassignment_scope_matches_role",
        lambda: RoleAssignment.objects.create(user=user, role=role, unit=unit, channel=chan),
    )


def test_well_scoped_roles_are_stored():
    user = UserFactory()
    unit = UnitFactory()
    RoleAssignment.objects.create(user=user, role=Role.UNIT, unit=unit)
    RoleAssignment.objects.create(user=user, role=Role.CHANNEL, channel=channel(DANYANG))
    RoleAssignment.objects.create(user=user, role=Role.EXPERT)
    assert sorted(user.role_assignments.values_list("role", flat=True)) == ["channel", "expert", "unit"]


def test_nobody_grants_a_role_to_themselves():
    user = UserFactory()
    violated(
        "roleassignment_no_self_grant",
        lambda: RoleAssignment.objects.create(user=user, role=Role.SECADMIN, granted_by=user),
    )


def test_unknown_role_is_refused():
    user = UserFactory()
    violated("roleassignment_role_valid", lambda: RoleAssignment.objects.create(user=user, role="superuser"))


def test_same_role_twice_is_refused_even_without_scope():
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.EXPERT)
    violated("roleassignment_unique", lambda: RoleAssignment.objects.create(user=user, role=Role.EXPERT))


@pytest.mark.parametrize(
    "later, earlier",
    [
        ("unit_filing_deadline", "channel_review_deadline"),
        ("channel_review_deadline", "expert_review_deadline"),
        ("expert_review_deadline", "city_decision_deadline"),
    ],
)
def test_campaign_deadlines_must_run_in_order(later, earlier):
    campaign = CampaignFactory.build(year=2030)
    # Move the earlier stage's deadline one day past the next one.
    setattr(campaign, later, getattr(campaign, earlier) + timedelta(days=1))
    violated("campaign_deadlines_ordered", campaign.save)


def test_campaign_deadlines_may_coincide():
    campaign = CampaignFactory.build(year=2030)
    campaign.channel_review_deadline = campaign.unit_filing_deadline
    campaign.save()
    assert Campaign.objects.filter(year=2030).count() == 1


def test_campaign_quota_min_must_not_exceed_max():
    violated("campaign_quota_min_le_max", lambda: CampaignFactory(year=2030, channel_quota_min=3, channel_quota_max=2))


def test_campaign_needs_at_least_one_accreditation():
    violated("campaign_accreditation_max_pos", lambda: CampaignFactory(year=2030, accreditation_max=0))


@pytest.mark.parametrize("days", [0, 31])
def test_campaign_publicity_period_is_bounded(days):
    violated("campaign_publicity_days_range", lambda: CampaignFactory(year=2030, publicity_working_days=days))


def test_one_campaign_per_year():
    CampaignFactory(year=2030)
    violated("portal_campaign_year_key", lambda: CampaignFactory(year=2030))


def test_only_one_direct_to_city_channel():
    violated(
        "channel_single_direct_city",
        lambda: Channel.objects.create(code="DIRECT2", name="另一个直报渠道", kind=ChannelKind.DIRECT_CITY,
                                       authority="镇江市人力资源和社会保障局"),
    )


def test_channel_kind_must_be_known():
    violated(
        "channel_kind_valid",
        lambda: Channel.objects.create(code="X1", name="未知渠道", kind="province", authority="—"),
    )
