"""Writes of the channel pre-review. Every status change goes through
`studios.services.application_transition` (state, permission, deadline, history row).

Quota (domain.md R1): a channel recommends at most `studios.selectors.channel_quota` cases per
campaign, even when two officers press 推荐 at the same moment. `application_recommend` and
`application_unrecommend` therefore lock the channel's row first (SELECT … FOR NO KEY UPDATE),
and only then lock the application and count the places taken, all in one transaction: a
second recommender waits on the channel row until the first commits, and then counts the
first one's recommendation (READ COMMITTED takes a fresh snapshot per statement).

Lock order, to stay free of deadlocks: channel row → application row (→ inserts). Nothing in
the project locks an application and then its channel. NO KEY UPDATE (not FOR UPDATE) so that
foreign-key inserts referencing the channel (a unit starting a draft) are not blocked by it.

Returning or rejecting a case only moves it out of SUBMITTED, which never holds a place, so those
need no channel lock.
"""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from portal.models import Channel, User
from portal.workflow import TransitionError
from reviews.models import Recommendation
from studios.models import Application
from studios.sections import SECTIONS
from studios.selectors import channel_quota, recommended_count
from studios.services import application_transition


def _lock_channel(application: Application) -> Channel:
    """Serialise every change of the channel's recommendation list (see module docstring)."""
    return Channel.objects.select_for_update(no_key=True).get(pk=application.channel_id)


def return_summary(sections: dict[str, str]) -> str:
    """The TransitionLog reason of a return: one line per section, in form order."""
    labels = {key: label for key, label, _fields in SECTIONS}
    return "\n".join(f"【{labels[key]}】{text}" for key, text in sections.items())


@transaction.atomic
def application_return(*, application: Application, actor: User, reasons: dict[str, str]) -> Application:
    """Send a submitted application back to its unit with a reason per section (at least one).

    The history row keeps the reasons per section (`data["sections"]`) and a joined summary as
    its reason; the unit sees them next to each section when it edits.
    """
    order = [key for key, _label, _fields in SECTIONS]
    unknown = set(reasons) - set(order)
    if unknown:
        raise ValueError(f"unknown Annex 1 sections: {sorted(unknown)}")
    sections = {key: reasons[key].strip() for key in order if (reasons.get(key) or "").strip()}
    return application_transition(
        application=application, action="return", actor=actor, reason=return_summary(sections),
        data={"sections": sections},
    )


@transaction.atomic
def application_reject(*, application: Application, actor: User, reason: str) -> Application:
    """初审不通过: the case ends for this campaign (reason required)."""
    return application_transition(application=application, action="reject", actor=actor, reason=(reason or "").strip())


@transaction.atomic
def application_recommend(*, application: Application, actor: User, rank: int, opinion: str) -> Application:
    """Recommend a submitted case to the city at `rank` in the channel's list, with the
    审核推荐意见. Refused when the opinion is empty, the channel's quota is used up, or the rank
    is outside 1..quota or already given."""
    opinion = (opinion or "").strip()
    channel = _lock_channel(application)

    def guard(case, transition):
        if not opinion:
            raise TransitionError(_("请填写审核推荐意见。"), code="opinion_required")
        campaign = case.campaign
        quota = channel_quota(campaign=campaign, channel=channel)
        used = recommended_count(campaign=campaign, channel=channel)
        if used >= quota:
            raise TransitionError(
                _("%(channel)s本年度推荐名额已满（已推荐 %(used)d / %(quota)d），不能再推荐。"
                  "如需调整，请先撤销一项已有推荐。")
                % {"channel": channel.name, "used": used, "quota": quota},
                code="quota_full",
            )
        if not isinstance(rank, int) or not 1 <= rank <= quota:
            raise TransitionError(
                _("推荐排序应为 1 至 %(quota)d 之间的整数。") % {"quota": quota}, code="rank_range"
            )
        if Recommendation.objects.filter(campaign=campaign, channel=channel, rank=rank).exists():
            raise TransitionError(
                _("推荐排序第 %(rank)d 位已有申报，请选择其他排序。") % {"rank": rank}, code="rank_taken"
            )

    case = application_transition(
        application=application, action="recommend", actor=actor, reason=opinion, guard=guard,
        data={"rank": rank},
    )
    recommendation = Recommendation(
        application=case, campaign_id=case.campaign_id, channel=channel, rank=rank, opinion=opinion,
        recommended_by=actor,
    )
    recommendation.full_clean()
    recommendation.save()
    return case


@transaction.atomic
def application_unrecommend(*, application: Application, actor: User, reason: str) -> Application:
    """Withdraw a recommendation before the deadline: the case goes back to 待初审, its place is
    freed, and the ranks below it move up one (the unique rank constraint is deferred to commit)."""
    _lock_channel(application)
    recommendation = Recommendation.objects.filter(application_id=application.pk).first()
    freed = recommendation.rank if recommendation is not None else None
    case = application_transition(
        application=application, action="unrecommend", actor=actor, reason=(reason or "").strip(),
        data={"rank": freed},
    )
    if recommendation is not None:
        recommendation.delete()
        Recommendation.objects.filter(
            campaign_id=recommendation.campaign_id, channel_id=recommendation.channel_id, rank__gt=freed,
        ).update(rank=F("rank") - 1)
    return case
