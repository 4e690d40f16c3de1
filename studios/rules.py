"""Object permissions on applications (django-rules)."""

import rules

from portal import roles
from portal.crypto import mask_id_number, mask_phone
from portal.enums import ChannelKind, Role
from portal.pi import register_revealable
from portal.rules import (
    is_auditor,
    is_channel_officer,
    is_city_officer,
    is_city_staff,
    is_unit_user,
    reviews_channel,
)
from studios.enums import EDITABLE_STATUSES, ApplicationStatus


@rules.predicate
def is_applicant(user, application):
    return application is not None and application.unit_id in roles.unit_ids(user)


@rules.predicate
def is_editable(user, application):
    return application is not None and application.status in EDITABLE_STATUSES


@rules.predicate
def is_channel_reviewer(user, application):
    return application is not None and reviews_channel(user, application.channel)


@rules.predicate
def decides_prereview(user, application):
    """Who takes the pre-review decisions (return, reject, recommend): the channel's own officers,
    and for the direct-to-city channel the city's 经办人 only. The 审批人 sees those cases but does
    not pre-review what they later approve (审核与审批分离)."""
    if application is None or application.channel is None:
        return False
    if application.channel_id in roles.channel_ids(user):
        return True
    return application.channel.kind == ChannelKind.DIRECT_CITY and roles.has_role(user, Role.CITY_OFFICER)


@rules.predicate
def is_past_draft(user, application):
    return application is not None and application.status != ApplicationStatus.DRAFT


@rules.predicate
def is_withdrawable(user, application):
    return application is not None and application.status in {
        ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED}


can_view = is_applicant | (is_past_draft & (is_channel_reviewer | is_city_staff | is_auditor))

rules.add_perm("studios.create_application", is_unit_user)
rules.add_perm("studios.list_applications", is_unit_user | is_city_staff | is_auditor | is_channel_officer)
rules.add_perm("studios.view_application", can_view)
rules.add_perm("studios.change_application", is_applicant & is_editable)
rules.add_perm("studios.submit_application", is_applicant & is_editable)
rules.add_perm("studios.withdraw_application", is_applicant & is_withdrawable)
rules.add_perm("studios.prereview_application", decides_prereview & is_past_draft)
rules.add_perm("studios.download_application_pdf", can_view)
rules.add_perm("studios.view_attachment", can_view)
rules.add_perm("studios.grant_extension", is_city_officer)
rules.add_perm("studios.reveal_lead_id", is_applicant | (is_past_draft & (is_channel_reviewer | is_city_staff)))


# Fields revealed in full through portal:reveal (one REVEAL audit row each; see portal/pi.py and
# pi_inventory.yaml). Outside applications_visible_to(user) the reveal answers 404.
def _applications_for(user):
    from studios.selectors import applications_visible_to

    return applications_visible_to(user)


register_revealable("studios.Application", "lead_id_number", "studios.reveal_lead_id",
                    mask=mask_id_number, queryset=_applications_for)
register_revealable("studios.Application", "lead_phone", "studios.reveal_lead_id",
                    mask=mask_phone, queryset=_applications_for)
