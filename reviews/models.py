"""Channel pre-review: the recommendation a district bureau (or the city, for the direct channel)
gives an application within its quota.

A Recommendation exists exactly while its application holds one of the channel's places
(studios.enums.RECOMMENDED_OR_LATER); it is written and removed only by reviews.services,
under the channel's row lock.
"""

from django.conf import settings
from django.db import models
from django.db.models import Deferrable, Q
from django.utils.translation import gettext_lazy as _

from portal.tracking import tracked


@tracked()
class Recommendation(models.Model):
    """审核推荐意见 of one application: its rank within the channel's list and the opinion."""

    application = models.OneToOneField(
        "studios.Application", on_delete=models.PROTECT, related_name="recommendation", verbose_name=_("申报")
    )
    campaign = models.ForeignKey(
        "portal.Campaign", on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("年度")
    )
    channel = models.ForeignKey(
        "portal.Channel", on_delete=models.PROTECT, related_name="recommendations", verbose_name=_("推荐渠道")
    )
    rank = models.PositiveSmallIntegerField(_("推荐排序"))
    opinion = models.TextField(_("审核推荐意见"))
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("推荐人")
    )
    created_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")
        ordering = ["campaign", "channel", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1), name="recommendation_rank_positive"),
            models.CheckConstraint(condition=~Q(opinion=""), name="recommendation_opinion_required"),
            # Checked at commit, so closing a gap (UPDATE rank = rank - 1) is one safe statement.
            models.UniqueConstraint(
                fields=["campaign", "channel", "rank"], name="recommendation_unique_rank",
                deferrable=Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.rank} {self.application}"
