"""Every status × action pair of APPLICATION_WORKFLOW through the one door
(studios.services.application_transition, via the services that use it): allowed with its
history row, or refused as wrong-state with nothing written."""

from itertools import product

import pytest
import time_machine

from portal.models import TransitionLog
from portal.workflow import TransitionError
from reviews.models import Recommendation
from reviews.services import (
    application_recommend,
    application_reject,
    application_return,
    application_unrecommend,
)
from studios.enums import RECOMMENDED_OR_LATER
from studios.enums import ApplicationStatus as S
from studios.models import Application
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_submit, application_transition
from studios.workflow import APPLICATION_WORKFLOW
from tests.factories.reviews import draft_application

pytestmark = pytest.mark.django_db

ACTIONS = [t.action for t in APPLICATION_WORKFLOW.transitions]
UNIT_ACTIONS = {"submit", "withdraw"}


def test_matrix_covers_the_whole_workflow():
    assert set(ACTIONS) == {"submit", "withdraw", "return", "reject", "recommend", "unrecommend"}
    assert APPLICATION_WORKFLOW.statuses() <= set(S.values)


def run(action, app, world):
    unit_user, officer = world.users["unit"], world.users["channel"]
    if action == "submit":
        return application_submit(application=app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    if action == "withdraw":
        return application_transition(application=app, action="withdraw", actor=unit_user, reason="单位决定撤回。")
    if action == "return":
        return application_return(application=app, actor=officer, reasons={"lead": "请补充身份证明。"})
    if action == "reject":
        return application_reject(application=app, actor=officer, reason="不符合申报条件。")
    if action == "recommend":
        return application_recommend(application=app, actor=officer, rank=1, opinion="同意推荐。")
    if action == "unrecommend":
        return application_unrecommend(application=app, actor=officer, reason="暂缓推荐。")
    raise AssertionError(action)


def put_in(app, status, world):
    """Test set-up only: place the case in `status` (with the recommendation a place implies)."""
    Application.objects.filter(pk=app.pk).update(status=status)
    if status in RECOMMENDED_OR_LATER:
        Recommendation.objects.create(application=app, campaign=world.campaign, channel=app.channel, rank=2,
                                      opinion="同意推荐。", recommended_by=world.users["channel"])
    return Application.objects.get(pk=app.pk)


@pytest.mark.parametrize(("status", "action"), list(product(S.values, ACTIONS)),
                         ids=[f"{s}-{a}" for s, a in product(S.values, ACTIONS)])
def test_status_action(world, status, action):
    transition = APPLICATION_WORKFLOW.get(action)
    app = draft_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    app = put_in(app, status, world)
    # Inside the window of the action's stage: filing for the unit's actions, review for the channel's.
    moment = (world.campaign.unit_filing_deadline if action in UNIT_ACTIONS
              else world.campaign.channel_review_deadline)
    before = TransitionLog.objects.count()
    with time_machine.travel(moment.replace(hour=9), tick=False):
        if status in transition.sources:
            result = run(action, app, world)
            assert result.status == transition.target
            assert Application.objects.get(pk=app.pk).status == transition.target
            log = TransitionLog.objects.get(object_id=app.pk)
            actor = world.users["unit"] if action in UNIT_ACTIONS else world.users["channel"]
            assert (log.action, log.from_status, log.to_status, log.actor) == (
                action, status, transition.target, actor)
            if action == "recommend":
                assert Recommendation.objects.get(application=app).rank == 1
            if action == "unrecommend":
                assert not Recommendation.objects.filter(application=app).exists()
        else:
            with pytest.raises(TransitionError) as exc:
                run(action, app, world)
            assert exc.value.code == "wrong_state"
            assert exc.value.messages == [
                f"当前状态为“{S(status).label}”，不能执行“{transition.label}”。"
            ]
            assert Application.objects.get(pk=app.pk).status == status
            assert TransitionLog.objects.count() == before
