"""Dashboard panel of the channel pre-review (registered in ReviewsConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.selectors import current_campaign
from reviews import selectors


def prereview_panel(request):
    """Cases to review, quota used and the deadline, per channel the user pre-reviews."""
    campaign = current_campaign()
    if campaign is None:
        return None
    quotas = selectors.quota_states(request.user, campaign)
    if not quotas:
        return None
    return {
        "title": _("初审推荐"),
        "template": "reviews/panels/prereview.html",
        "context": {
            "campaign": campaign, "quotas": quotas, "review_open": selectors.channel_review_open(campaign),
        },
        "link": reverse("reviews:queue"),
        "link_label": _("进入初审"),
        "order": 10,
    }
