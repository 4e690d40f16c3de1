"""Role-aware reads. Every view that lists or fetches a portal entity starts here."""

from django.db.models import QuerySet

from portal import roles
from portal.enums import ChannelKind
from portal.models import AuditEvent, Campaign, Channel, TransitionLog, Unit


def current_campaign() -> Campaign | None:
    """The newest published campaign (the year's notice), or None."""
    return Campaign.objects.filter(is_published=True).order_by("-year").first()


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    if roles.is_city(user) or roles.has_role(user, "auditor"):
        return Campaign.objects.all()
    return Campaign.objects.filter(is_published=True)


def channels_reviewed_by(user) -> QuerySet[Channel]:
    """Channels whose cases `user` pre-reviews (the city reviews the direct-to-city channel)."""
    if roles.is_city(user):
        return Channel.objects.filter(kind=ChannelKind.DIRECT_CITY) | Channel.objects.filter(
            id__in=roles.channel_ids(user)
        )
    return Channel.objects.filter(id__in=roles.channel_ids(user))


def units_visible_to(user) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("channel")
    if roles.is_city(user) or roles.has_role(user, "auditor"):
        return qs
    if roles.has_role(user, "channel"):
        return qs.filter(channel_id__in=roles.channel_ids(user))
    if roles.has_role(user, "unit"):
        return qs.filter(id__in=roles.unit_ids(user))
    return qs.none()


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    if roles.has_role(user, "auditor", "secadmin"):
        return AuditEvent.objects.all()
    return AuditEvent.objects.none()


def transitions_for(case) -> QuerySet[TransitionLog]:
    """The workflow history of one case, oldest first, with actors."""
    from django.contrib.contenttypes.models import ContentType

    return TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(case)), object_id=case.pk
    ).select_related("actor")
