"""Role-aware reads of the channel pre-review. Views take every queryset from here."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Campaign, Channel
from portal.selectors import channels_reviewed_by
from reviews.models import Recommendation
from studios.enums import RECOMMENDED_OR_LATER, ApplicationStatus
from studios.models import Application
from studios.selectors import applications_visible_to, channel_quota, prereview_queue

# Queue tabs: key, label, the statuses listed under it.
QUEUE_TABS: list[tuple[str, str, frozenset[str]]] = [
    ("pending", _("待初审"), frozenset({ApplicationStatus.SUBMITTED})),
    ("returned", _("已退回"), frozenset({ApplicationStatus.RETURNED})),
    ("recommended", _("已推荐"), RECOMMENDED_OR_LATER),
    ("rejected", _("未通过"), frozenset({ApplicationStatus.CHANNEL_REJECTED, ApplicationStatus.WITHDRAWN})),
]
TAB_KEYS = [key for key, _tab_label, _statuses in QUEUE_TABS]


def reviewable_applications(user) -> QuerySet[Application]:
    """Every submitted-or-later application of the channels `user` pre-reviews (any campaign):
    the review page's queryset, so a case of another channel is a 404."""
    channel_ids = channels_reviewed_by(user).values("id")
    return (
        applications_visible_to(user)
        .filter(channel_id__in=channel_ids)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("recommendation", "recommendation__recommended_by")
    )


def review_queue(user, campaign: Campaign, tab: str | None = None) -> QuerySet[Application]:
    """The queue rows of one tab (all tabs when `tab` is None), in the order officers work them:
    recommended ones by rank, the others oldest submission first."""
    qs = prereview_queue(user, campaign).select_related("recommendation")
    for key, _tab_label, statuses in QUEUE_TABS:
        if key == tab:
            qs = qs.filter(status__in=statuses)
    return qs.order_by("channel__sort_order", "recommendation__rank", "submitted_at", "id")


def queue_tab_counts(user, campaign: Campaign) -> dict[str, int]:
    """Rows per tab, in one query."""
    counts = prereview_queue(user, campaign).aggregate(**{
        key: Count("id", filter=Q(status__in=statuses)) for key, _tab_label, statuses in QUEUE_TABS
    })
    return {key: counts[key] or 0 for key in TAB_KEYS}


@dataclass(frozen=True)
class QuotaState:
    channel: Channel
    used: int
    quota: int
    to_review: int
    returned: int

    @property
    def full(self) -> bool:
        return self.used >= self.quota

    @property
    def free(self) -> int:
        return max(self.quota - self.used, 0)


def quota_states(user, campaign: Campaign) -> list[QuotaState]:
    """For each channel `user` pre-reviews: places used / quota and cases waiting, in one query
    for the counts (plus one for the channels)."""
    channels = list(channels_reviewed_by(user).order_by("sort_order", "code"))
    rows = {
        row["channel_id"]: row
        for row in Application.objects.filter(campaign=campaign, channel__in=channels)
        .values("channel_id")
        .annotate(
            used=Count("id", filter=Q(status__in=RECOMMENDED_OR_LATER)),
            to_review=Count("id", filter=Q(status=ApplicationStatus.SUBMITTED)),
            returned=Count("id", filter=Q(status=ApplicationStatus.RETURNED)),
        )
    }
    states = []
    for channel in channels:
        row = rows.get(channel.id, {})
        states.append(QuotaState(
            channel=channel, used=row.get("used", 0), quota=channel_quota(campaign=campaign, channel=channel),
            to_review=row.get("to_review", 0), returned=row.get("returned", 0),
        ))
    return states


def taken_ranks(*, campaign: Campaign, channel: Channel) -> set[int]:
    return set(Recommendation.objects.filter(campaign=campaign, channel=channel).values_list("rank", flat=True))


def free_ranks(*, campaign: Campaign, channel: Channel) -> list[int]:
    """Ranks 1..quota not yet given in the channel's list."""
    taken = taken_ranks(campaign=campaign, channel=channel)
    return [r for r in range(1, channel_quota(campaign=campaign, channel=channel) + 1) if r not in taken]


def recommendations_for_export(user, campaign: Campaign) -> QuerySet[Recommendation]:
    """The 推荐汇总表 rows: recommendations of the channels `user` pre-reviews, by channel and rank."""
    return (
        Recommendation.objects.filter(campaign=campaign, channel__in=channels_reviewed_by(user))
        .select_related("application", "application__unit", "channel", "recommended_by")
        .order_by("channel__sort_order", "channel__code", "rank")
    )


def channel_review_open(campaign: Campaign, at: datetime | None = None) -> bool:
    return (at or timezone.now()) <= campaign.channel_review_deadline
