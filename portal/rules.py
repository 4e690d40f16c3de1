"""Portal-level predicates and permissions (django-rules). Apps compose these in their own rules.py."""

import rules

from portal import roles
from portal.crypto import mask_phone
from portal.enums import ChannelKind, Role
from portal.pi import register_revealable


@rules.predicate
def is_unit_user(user):
    return roles.has_role(user, Role.UNIT)


@rules.predicate
def is_channel_officer(user):
    return roles.has_role(user, Role.CHANNEL)


@rules.predicate
def is_expert(user):
    return roles.has_role(user, Role.EXPERT)


@rules.predicate
def is_city_officer(user):
    return roles.has_role(user, Role.CITY_OFFICER)


@rules.predicate
def is_city_approver(user):
    return roles.has_role(user, Role.CITY_APPROVER)


@rules.predicate
def is_city_staff(user):
    return roles.is_city(user)


@rules.predicate
def is_auditor(user):
    return roles.has_role(user, Role.AUDITOR)


@rules.predicate
def is_sysadmin(user):
    return roles.has_role(user, Role.SYSADMIN)


@rules.predicate
def is_secadmin(user):
    return roles.has_role(user, Role.SECADMIN)


@rules.predicate
def has_any_role(user):
    return bool(roles.role_set(user))


def reviews_channel(user, channel) -> bool:
    """Whether `user` does the preliminary review for `channel`: its own officers, and the city
    bureau for the direct-to-city channel."""
    if channel is None:
        return False
    if channel.id in roles.channel_ids(user):
        return True
    return channel.kind == ChannelKind.DIRECT_CITY and roles.is_city(user)


@rules.predicate
def is_unit_member(user, unit):
    return unit is not None and unit.id in roles.unit_ids(user)


@rules.predicate
def is_reviewer_of_unit_channel(user, unit):
    return unit is not None and reviews_channel(user, unit.channel)


rules.add_perm("portal.view_dashboard", rules.is_authenticated)
rules.add_perm("portal.change_own_password", rules.is_authenticated)
rules.add_perm("portal.manage_campaign", is_city_officer)
rules.add_perm("portal.view_campaign", is_city_staff | is_auditor | is_channel_officer)
rules.add_perm("portal.manage_units", is_city_officer)
rules.add_perm("portal.view_units", is_city_staff | is_channel_officer | is_auditor)
rules.add_perm("portal.view_unit", is_city_staff | is_auditor | is_reviewer_of_unit_channel | is_unit_member)
rules.add_perm("portal.export_units", is_city_staff)
rules.add_perm("portal.manage_channels", is_city_officer)
rules.add_perm("portal.manage_calendar", is_city_officer)
rules.add_perm("portal.manage_reference", is_city_officer)
rules.add_perm("portal.view_audit", is_auditor)
rules.add_perm("portal.manage_users", is_sysadmin)
rules.add_perm("portal.manage_roles", is_secadmin)
rules.add_perm("portal.view_security_events", is_secadmin | is_auditor)

# Security (issue 4): account administration with separated duties, own security, PI reveal.
rules.add_perm("portal.view_accounts", is_sysadmin | is_secadmin)
rules.add_perm("portal.unlock_accounts", is_secadmin)
rules.add_perm("portal.manage_account_security", is_secadmin)
rules.add_perm("portal.reveal_pi", has_any_role)
rules.add_perm("portal.reveal_unit_contact", is_city_staff | is_reviewer_of_unit_channel | is_unit_member)

# Fields that may be revealed in full through portal:reveal (see portal/pi.py and pi_inventory.yaml).
def _units_for(user):
    from portal.selectors import units_visible_to

    return units_visible_to(user)


register_revealable("portal.Unit", "contact_phone", "portal.reveal_unit_contact", mask=mask_phone, queryset=_units_for)
