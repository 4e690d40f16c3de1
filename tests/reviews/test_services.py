"""Services of the channel pre-review: return, reject, recommend (quota, rank), unrecommend."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from portal.models import TransitionLog
from portal.workflow import TransitionError
from reviews.models import Recommendation
from reviews.services import (
    application_recommend,
    application_reject,
    application_return,
    application_unrecommend,
)
from studios.enums import ApplicationStatus as S
from studios.models import Application

pytestmark = pytest.mark.django_db


def logs(app):
    return list(TransitionLog.objects.filter(object_id=app.pk).order_by("id").values_list("action", flat=True))


def test_return_keeps_reasons_per_section(world, in_review, submit):
    app = submit()
    officer = world.users["channel"]
    app = application_return(application=app, actor=officer, reasons={
        "lead": "  身份证复印件不清晰，请重新上传。 ", "report": "申办报告缺少经费预算。", "evidence": "",
    })
    assert app.status == S.RETURNED
    log = TransitionLog.objects.filter(object_id=app.pk, action="return").get()
    assert log.data == {"sections": {"lead": "身份证复印件不清晰，请重新上传。", "report": "申办报告缺少经费预算。"}}
    assert log.reason == "【领衔人基本情况】身份证复印件不清晰，请重新上传。\n【申办报告】申办报告缺少经费预算。"
    assert log.actor == officer
    assert (log.from_status, log.to_status) == (S.SUBMITTED, S.RETURNED)


def test_return_needs_one_reason(world, in_review, submit):
    app = submit()
    with pytest.raises(TransitionError) as exc:
        application_return(application=app, actor=world.users["channel"], reasons={"lead": "  ", "cover": ""})
    assert exc.value.code == "reason_required"
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED
    assert logs(app) == ["submit"]


def test_return_rejects_unknown_sections(world, in_review, submit):
    app = submit()
    with pytest.raises(ValueError, match="unknown Annex 1 sections"):
        application_return(application=app, actor=world.users["channel"], reasons={"nonsense": "x"})


def test_reject_needs_reason(world, in_review, submit):
    app = submit()
    with pytest.raises(TransitionError) as exc:
        application_reject(application=app, actor=world.users["channel"], reason="  ")
    assert exc.value.code == "reason_required"
    app = application_reject(application=app, actor=world.users["channel"], reason="领衔人不具备申报条件。")
    assert app.status == S.CHANNEL_REJECTED
    assert TransitionLog.objects.get(object_id=app.pk, action="reject").reason == "领衔人不具备申报条件。"


def test_recommend_writes_recommendation_and_history(world, in_review, submit):
    app = submit()
    officer = world.users["channel"]
    app = application_recommend(application=app, actor=officer, rank=1, opinion="材料齐全，同意推荐。")
    assert app.status == S.RECOMMENDED
    rec = Recommendation.objects.get(application=app)
    assert (rec.rank, rec.opinion, rec.channel, rec.campaign, rec.recommended_by) == (
        1, "材料齐全，同意推荐。", world.jingkou, world.campaign, officer)
    log = TransitionLog.objects.get(object_id=app.pk, action="recommend")
    assert (log.reason, log.data) == ("材料齐全，同意推荐。", {"rank": 1})


def test_recommend_needs_opinion(world, in_review, submit):
    app = submit()
    with pytest.raises(TransitionError) as exc:
        application_recommend(application=app, actor=world.users["channel"], rank=1, opinion=" ")
    assert exc.value.code == "opinion_required"
    assert exc.value.messages == ["请填写审核推荐意见。"]
    assert not Recommendation.objects.exists()
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_third_recommendation_refused_over_quota(world, in_review, submit):
    assert world.campaign.channel_quota_max == 2
    officer = world.users["channel"]
    first, second, third = submit(), submit(), submit()
    application_recommend(application=first, actor=officer, rank=1, opinion="同意推荐。")
    application_recommend(application=second, actor=officer, rank=2, opinion="同意推荐。")
    with pytest.raises(TransitionError) as exc:
        application_recommend(application=third, actor=officer, rank=2, opinion="同意推荐。")
    assert exc.value.code == "quota_full"
    assert exc.value.messages == [
        "京口区本年度推荐名额已满（已推荐 2 / 2），不能再推荐。如需调整，请先撤销一项已有推荐。"
    ]
    assert Application.objects.get(pk=third.pk).status == S.SUBMITTED
    assert logs(third) == ["submit"]
    assert Recommendation.objects.count() == 2


def test_quota_is_per_channel(world, in_review, submit):
    officer, other = world.users["channel"], world.users["other_channel"]
    for rank in (1, 2):
        application_recommend(application=submit(), actor=officer, rank=rank, opinion="同意推荐。")
    app = application_recommend(application=submit(world.unit_b), actor=other, rank=1, opinion="同意推荐。")
    assert app.status == S.RECOMMENDED


def test_direct_channel_uses_its_own_quota(world, in_review, submit):
    world.campaign.direct_city_quota_max = 1
    world.campaign.save()
    city = world.users["city_officer"]
    application_recommend(application=submit(world.unit_direct), actor=city, rank=1, opinion="同意推荐。")
    with pytest.raises(TransitionError) as exc:
        application_recommend(application=submit(world.unit_direct), actor=city, rank=1, opinion="同意推荐。")
    assert exc.value.code == "quota_full"
    assert "已推荐 1 / 1" in exc.value.messages[0]


@pytest.mark.parametrize("rank", [0, 3, -1])
def test_rank_must_be_within_quota(world, in_review, submit, rank):
    app = submit()
    with pytest.raises(TransitionError) as exc:
        application_recommend(application=app, actor=world.users["channel"], rank=rank, opinion="同意推荐。")
    assert exc.value.code == "rank_range"
    assert exc.value.messages == ["推荐排序应为 1 至 2 之间的整数。"]


def test_rank_must_be_free(world, in_review, submit):
    officer = world.users["channel"]
    application_recommend(application=submit(), actor=officer, rank=1, opinion="同意推荐。")
    with pytest.raises(TransitionError) as exc:
        application_recommend(application=submit(), actor=officer, rank=1, opinion="同意推荐。")
    assert exc.value.code == "rank_taken"
    assert exc.value.messages == ["推荐排序第 1 位已有申报，请选择其他排序。"]


def test_returned_application_uses_no_quota(world, in_review, submit):
    officer = world.users["channel"]
    returned = submit()
    application_return(application=returned, actor=officer, reasons={"cover": "工作室名称与申办报告不一致。"})
    for rank in (1, 2):
        application_recommend(application=submit(), actor=officer, rank=rank, opinion="同意推荐。")
    assert Application.objects.filter(status__in=[S.RECOMMENDED]).count() == 2


def test_unrecommend_frees_the_place_and_closes_the_gap(world, in_review, submit):
    officer = world.users["channel"]
    first, second, third = submit(), submit(), submit()
    application_recommend(application=first, actor=officer, rank=1, opinion="排序第一。")
    application_recommend(application=second, actor=officer, rank=2, opinion="排序第二。")
    app = application_unrecommend(application=first, actor=officer, reason="单位申请暂缓推荐。")
    assert app.status == S.SUBMITTED
    assert not Recommendation.objects.filter(application=first).exists()
    assert Recommendation.objects.get(application=second).rank == 1
    log = TransitionLog.objects.filter(object_id=first.pk, action="unrecommend").get()
    assert (log.reason, log.data) == ("单位申请暂缓推荐。", {"rank": 1})
    application_recommend(application=third, actor=officer, rank=2, opinion="递补推荐。")
    assert sorted(Recommendation.objects.values_list("application_id", "rank")) == sorted(
        [(second.pk, 1), (third.pk, 2)])


def test_unrecommend_needs_reason(world, in_review, submit):
    officer = world.users["channel"]
    app = application_recommend(application=submit(), actor=officer, rank=1, opinion="同意推荐。")
    with pytest.raises(TransitionError) as exc:
        application_unrecommend(application=app, actor=officer, reason="")
    assert exc.value.code == "reason_required"
    assert Recommendation.objects.filter(application=app).exists()


@pytest.mark.parametrize("persona", ["other_channel", "unit", "city_officer", "expert", "auditor"])
def test_only_the_channels_reviewer_may_act(world, in_review, submit, persona):
    app = submit()
    with pytest.raises(PermissionDenied):
        application_recommend(application=app, actor=world.users[persona], rank=1, opinion="同意推荐。")
    with pytest.raises(PermissionDenied):
        application_return(application=app, actor=world.users[persona], reasons={"cover": "请修改。"})
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED
    assert logs(app) == ["submit"]


def test_city_officer_reviews_the_direct_channel(world, in_review, submit):
    app = submit(world.unit_direct)
    app = application_recommend(application=app, actor=world.users["city_officer"], rank=1, opinion="同意推荐。")
    assert app.status == S.RECOMMENDED
    with pytest.raises(PermissionDenied):
        application_unrecommend(application=app, actor=world.users["channel"], reason="无权操作")


ACTIONS = {
    "return": lambda app, user: application_return(application=app, actor=user, reasons={"cover": "请修改。"}),
    "reject": lambda app, user: application_reject(application=app, actor=user, reason="不符合条件。"),
    "recommend": lambda app, user: application_recommend(application=app, actor=user, rank=1, opinion="同意。"),
}


@pytest.mark.parametrize("action", [*ACTIONS, "unrecommend"])
def test_every_action_refused_after_the_channel_deadline(world, submit, action):
    officer = world.users["channel"]
    with time_machine.travel(world.campaign.channel_review_deadline - timedelta(hours=1), tick=False):
        app = submit()
        if action == "unrecommend":
            app = application_recommend(application=app, actor=officer, rank=1, opinion="同意。")
    before = logs(app)
    with (time_machine.travel(world.campaign.channel_review_deadline + timedelta(minutes=1), tick=False),
          pytest.raises(TransitionError) as exc):
        if action == "unrecommend":
            application_unrecommend(application=app, actor=officer, reason="撤销。")
        else:
            ACTIONS[action](app, officer)
    assert exc.value.code == "deadline"
    assert exc.value.messages == ["初审推荐已截止，不能再办理。"]
    assert logs(app) == before


def test_returned_case_can_be_resubmitted_until_the_review_deadline(world, in_review, submit):
    from tests.factories.reviews import resubmit

    app = application_return(application=submit(), actor=world.users["channel"], reasons={"cover": "请修改。"})
    app = resubmit(application=app, actor=world.users["unit"], fields={"studio_name": "王建军数控技能大师工作室"})
    assert (app.status, app.version) == (S.SUBMITTED, 2)


def test_returned_case_cannot_be_resubmitted_after_the_review_deadline(world, submit):
    from tests.factories.reviews import resubmit

    with time_machine.travel(world.campaign.channel_review_deadline - timedelta(days=1), tick=False):
        app = application_return(application=submit(), actor=world.users["channel"], reasons={"cover": "请修改。"})
    with (time_machine.travel(world.campaign.channel_review_deadline + timedelta(minutes=1), tick=False),
          pytest.raises(TransitionError) as exc):
        resubmit(application=app, actor=world.users["unit"], fields={"work_field": "精密检测"})
    assert exc.value.code == "deadline"
    assert Application.objects.get(pk=app.pk).status == S.RETURNED
