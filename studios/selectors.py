"""Role-aware reads of studios and applications."""

from django.db.models import Q, QuerySet

from portal import roles
from portal.enums import ChannelKind, Role
from studios.enums import RECOMMENDED_OR_LATER, ApplicationStatus
from studios.models import Application, Studio


def applications_visible_to(user) -> QuerySet[Application]:
    """Applications `user` may see: a unit its own (drafts included); a channel officer the
    submitted cases of its channel; the city every submitted case (and the direct-to-city
    channel's queue); auditors everything submitted. Others: none."""
    qs = Application.objects.select_related("unit", "channel", "campaign", "studio")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    held = roles.role_set(user)
    condition = Q(pk__in=[])
    if Role.UNIT in held:
        condition |= Q(unit_id__in=roles.unit_ids(user))
    past_draft = ~Q(status=ApplicationStatus.DRAFT)
    if held & {Role.CITY_OFFICER, Role.CITY_APPROVER, Role.AUDITOR}:
        condition |= past_draft
    if Role.CHANNEL in held:
        condition |= past_draft & Q(channel_id__in=roles.channel_ids(user))
    return qs.filter(condition)


def prereview_queue(user, campaign) -> QuerySet[Application]:
    """Submitted-or-later cases of the channels `user` pre-reviews, in one campaign."""
    channel_filter = Q(channel_id__in=roles.channel_ids(user))
    if roles.is_city(user):
        channel_filter |= Q(channel__kind=ChannelKind.DIRECT_CITY)
    return (
        applications_visible_to(user)
        .filter(channel_filter, campaign=campaign)
        .exclude(status=ApplicationStatus.DRAFT)
    )


def recommended_count(*, campaign, channel) -> int:
    """Places of the channel's quota already taken in the campaign."""
    return Application.objects.filter(campaign=campaign, channel=channel, status__in=RECOMMENDED_OR_LATER).count()


def channel_quota(*, campaign, channel) -> int:
    return campaign.direct_city_quota_max if channel.kind == ChannelKind.DIRECT_CITY else campaign.channel_quota_max


def studios_visible_to(user) -> QuerySet[Studio]:
    qs = Studio.objects.select_related("unit", "unit__channel")
    if roles.is_city(user) or roles.has_role(user, Role.AUDITOR):
        return qs
    if roles.has_role(user, Role.CHANNEL):
        return qs.filter(unit__channel_id__in=roles.channel_ids(user))
    if roles.has_role(user, Role.UNIT):
        return qs.filter(unit_id__in=roles.unit_ids(user))
    return qs.none()


def latest_return_reasons(application: Application) -> dict[str, str]:
    """{section_key: reason} of the latest return of the case (empty if never returned, or if it
    was resubmitted since). The channel's review stores them in TransitionLog.data["sections"]."""
    from portal.selectors import transitions_for

    last = transitions_for(application).filter(action__in=["return", "submit"]).order_by("-id").first()
    if last is None or last.action != "return":
        return {}
    sections = (last.data or {}).get("sections") or {}
    return {str(k): str(v) for k, v in sections.items() if v}
