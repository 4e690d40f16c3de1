"""security.md #15: workflow order. Nothing happens out of order, through the one door or the views.

- Every (status, action) pair APPLICATION_WORKFLOW does not declare is tried through
  `portal.workflow.apply_transition` itself (no app guard, the actor who would be allowed in the
  right state) and through the action's view as that actor: refused, with no status change, no
  TransitionLog row, no snapshot and no recommendation written.
- Actions of stages not built yet (formal check, scoring, publishing, accreditation …) are
  unknown to the workflow and refused.
- The unit cannot change a case after submitting it (every step, autosave, evidence upload and
  delete, in every non-editable status), nor submit after the filing deadline; the channel cannot
  act after its review deadline, nor recommend beyond its quota.

Scoring and publishing do not exist yet: when they land, their actions join the workflow and this
test covers their undeclared pairs automatically (the "future" list then needs updating).
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.models import TransitionLog
from portal.workflow import TransitionError, apply_transition
from reviews.models import Recommendation
from reviews.services import application_recommend
from studios.enums import EDITABLE_STATUSES
from studios.enums import ApplicationStatus as S
from studios.models import Application, ApplicationMember, ApplicationSnapshot, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.selectors import channel_quota
from studios.services import application_save, application_submit, application_transition
from studios.workflow import APPLICATION_WORKFLOW
from tests.factories.reviews import draft_application, open_review_window, submitted_application
from tests.factories.studios import pdf_bytes
from tests.helpers import login

pytestmark = pytest.mark.django_db

UNIT_ACTIONS = {"submit", "withdraw"}
ACTIONS = [t.action for t in APPLICATION_WORKFLOW.transitions]
# Stages that are declared as statuses but have no transitions yet (scoring, publishing …).
FUTURE_ACTIONS = ["formal_check", "assign_experts", "score", "finish_scoring", "shortlist", "publish",
                  "object", "accredit", "reject_after_objection", "approve"]
NOTICE = {"notice_accepted": "on", "notice_version": PRIVACY_NOTICE_VERSION}
VIEW = {
    "submit": ("studios:application-submit", NOTICE),
    "withdraw": ("studios:application-withdraw", {"reason": "单位决定撤回本次申报。"}),
    "return": ("reviews:application-return", {"return-lead": "请补充领衔人身份证明材料。"}),
    "reject": ("reviews:application-reject", {"reject-reason": "不符合申报条件。"}),
    "recommend": ("reviews:application-recommend", {"recommend-rank": "1", "recommend-opinion": "同意推荐。"}),
    "unrecommend": ("reviews:application-unrecommend", {"unrecommend-reason": "暂缓推荐。"}),
}

_results: dict[str, tuple[int, int]] = {}


def undeclared_pairs() -> list[tuple[str, str]]:
    return [(status, action) for status in S.values for action in ACTIONS
            if status not in APPLICATION_WORKFLOW.get(action).sources]


def case_state(app_pk: int):
    """Everything a transition writes."""
    app = Application.objects.get(pk=app_pk)
    return (app.status, app.version, app.submitted_at,
            TransitionLog.objects.filter(object_id=app_pk).count(),
            ApplicationSnapshot.objects.filter(application_id=app_pk).count(),
            list(Recommendation.objects.filter(application_id=app_pk).values_list("rank", "opinion")))


def actor_for(action: str, world):
    return world.users["unit"] if action in UNIT_ACTIONS else world.users["channel"]


@pytest.fixture
def case(world):
    """A complete draft of unit_a (京口区) with both the filing and the review window open now."""
    open_review_window(world.campaign)
    world.campaign.refresh_from_db()
    return draft_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])


def put_in(app, status):
    """Test set-up only: place the case in `status`."""
    Application.objects.filter(pk=app.pk).update(status=status)


def test_undeclared_pairs_are_refused_by_the_one_door_and_the_views(world, case):
    pairs = undeclared_pairs()
    assert len(pairs) == len(S.values) * len(ACTIONS) - sum(len(t.sources) for t in APPLICATION_WORKFLOW.transitions)
    clients = {"unit": login(Client(), world.users["unit"]), "channel": login(Client(), world.users["channel"])}
    accepted, tried = [], 0
    for status, action in pairs:
        put_in(case, status)
        before = case_state(case.pk)
        actor = actor_for(action, world)
        # 1. The one door, without the app's guards: only the declared sources may move.
        try:
            apply_transition(workflow=APPLICATION_WORKFLOW, model=Application, pk=case.pk, action=action,
                             actor=actor, reason="越序操作测试。")
        except TransitionError as exc:
            if exc.code != "wrong_state":
                accepted.append(f"{status}→{action} (apply_transition): refused as {exc.code}, not wrong_state")
        else:
            accepted.append(f"{status}→{action} (apply_transition)")
        tried += 1
        if case_state(case.pk) != before:
            accepted.append(f"{status}→{action} (apply_transition) wrote {case_state(case.pk)}")
            put_in(case, status)
        # 2. The view, as the user who may take the action in its proper state.
        name, data = VIEW[action]
        persona = "unit" if action in UNIT_ACTIONS else "channel"
        response = clients[persona].post(reverse(name, kwargs={"pk": case.pk}), data)
        tried += 1
        if response.status_code >= 500 or case_state(case.pk) != before:
            accepted.append(f"{status}→{action} (view {name}): {response.status_code}, {case_state(case.pk)}")
            put_in(case, status)
    # Stages not built yet: their actions are unknown to the workflow, from every status.
    for status in S.values:
        put_in(case, status)
        before = case_state(case.pk)
        for action in FUTURE_ACTIONS:
            with pytest.raises(ValidationError) as exc:
                apply_transition(workflow=APPLICATION_WORKFLOW, model=Application, pk=case.pk, action=action,
                                 actor=world.users["city_approver"], reason="越序操作测试。")
            assert exc.value.messages == ["未知的操作。"]
            tried += 1
        assert case_state(case.pk) == before
    # Positive control: the declared pairs pass through the same views.
    put_in(case, S.DRAFT)
    clients["unit"].post(reverse("studios:application-submit", kwargs={"pk": case.pk}), NOTICE)
    clients["channel"].post(reverse("reviews:application-recommend", kwargs={"pk": case.pk}),
                            VIEW["recommend"][1])
    assert Application.objects.get(pk=case.pk).status == S.RECOMMENDED
    _results["order"] = (len(accepted), tried)
    print(f"undeclared pairs: {len(pairs)} × (apply_transition, view) + {len(FUTURE_ACTIONS)} future actions × "
          f"{len(S.values)} statuses = {tried} attempts, {len(accepted)} accepted")
    assert accepted == []


def _edit_attempts(client, app, world, *, full: bool = True):
    """Every way the unit changes a case: the editing steps, autosave, upload, delete (`full`
    False: the lead step, upload and delete only)."""
    app.refresh_from_db()
    base = {"lock_version": app.lock_version}
    step = lambda key: reverse("studios:application-step", kwargs={"pk": app.pk, "step": key})  # noqa: E731
    attachment = Attachment.objects.filter(application=app).first()
    yield "lead", client.post(step("lead"), {**base, "lead_name": "提交后改名", "lead_phone": "13912345678"})
    yield "upload", client.post(reverse("studios:attachment-upload", kwargs={"pk": app.pk}),
                                {"slot": "other", "file": SimpleUploadedFile("补充.pdf", pdf_bytes())})
    if attachment is not None:
        yield "delete", client.post(reverse("studios:attachment-delete", kwargs={"pk": attachment.pk}))
    if not full:
        return
    yield "cover", client.post(step("cover"), {**base, "studio_name": "提交后改名的工作室", "work_field": "改"})
    yield "members", client.post(step("members"), {
        **base, "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0", "members-0-name": "新成员",
        "members-0-age": "30"})
    yield "achievements", client.post(step("achievements"), {**base, "lead_achievements": "提交后补写。"})
    yield "conditions", client.post(step("conditions"), {**base, "claim_1": "on", "claim_1_text": "提交后补写。"})
    yield "unit", client.post(step("unit"), {**base, "work_plan": "提交后补写。"})
    yield "report", client.post(step("report"), {**base, "report_work_plan": "提交后补写。"})
    yield "autosave", client.post(reverse("studios:application-autosave", kwargs={"pk": app.pk, "step": "cover"}),
                                  {**base, "work_field": "自动保存改写"})


def form_state(app_pk: int):
    app = Application.objects.get(pk=app_pk)
    return (app.lock_version, app.updated_at, app.studio_name, app.lead_name, app.work_field,
            app.lead_achievements, app.condition_claims, app.work_plan, app.report_work_plan,
            list(ApplicationMember.objects.filter(application_id=app_pk).values_list("pk", "name")),
            list(app.awards.values_list("pk", "project")), list(app.attachments.values_list("pk", "sha256")))


def test_no_edit_after_submission(world, case):
    client = login(Client(), world.users["unit"])
    accepted, tried = [], 0
    for status in sorted(set(S.values) - EDITABLE_STATUSES):
        put_in(case, status)
        before = form_state(case.pk)
        with pytest.raises(ValidationError) as exc:
            application_save(application=case, lock_version=case.lock_version, fields={"studio_name": "改"},
                             actor=world.users["unit"])
        assert exc.value.code == "not_editable"
        tried += 1
        # Every path in the first states past filing; the lead step, upload and delete in the rest.
        full = status in {S.SUBMITTED, S.RECOMMENDED, S.CHANNEL_REJECTED}
        for what, response in _edit_attempts(client, case, world, full=full):
            tried += 1
            if response.status_code >= 500 or form_state(case.pk) != before:
                accepted.append(f"{status}: {what} → {response.status_code}")
    _results["edit"] = (len(accepted), tried)
    print(f"edits after submission: {tried} attempts in {len(set(S.values) - EDITABLE_STATUSES)} statuses, "
          f"{len(accepted)} accepted")
    assert accepted == []


def test_no_submission_after_the_filing_deadline(world, case):
    """DRAFT after the filing deadline; RETURNED after the channel review deadline (extension
    none). The service and the view refuse with `deadline`; the case keeps its status."""
    accepted, tried = [], 0
    campaign = world.campaign
    for status, moment in ((S.DRAFT, campaign.unit_filing_deadline + timedelta(minutes=1)),
                           (S.RETURNED, campaign.channel_review_deadline + timedelta(minutes=1))):
        put_in(case, status)
        before = case_state(case.pk)
        with time_machine.travel(moment, tick=False):
            with pytest.raises(TransitionError) as exc:
                application_submit(application=case, actor=world.users["unit"], notice_version=PRIVACY_NOTICE_VERSION)
            assert exc.value.code == "deadline"
            client = login(Client(), world.users["unit"])
            response = client.post(reverse("studios:application-submit", kwargs={"pk": case.pk}), NOTICE)
            tried += 2
            if response.status_code >= 500 or case_state(case.pk) != before:
                accepted.append(f"{status}: submit view after the deadline → {response.status_code}")
    _results["late_submit"] = (len(accepted), tried)
    assert accepted == []


def test_no_channel_action_after_the_review_deadline(world, case):
    campaign = world.campaign
    late = campaign.channel_review_deadline + timedelta(minutes=1)
    accepted, tried = [], 0
    for action in ("return", "reject", "recommend", "unrecommend"):
        status = next(iter(APPLICATION_WORKFLOW.get(action).sources))
        put_in(case, status)
        before = case_state(case.pk)
        with time_machine.travel(late, tick=False):
            with pytest.raises(TransitionError) as exc:
                application_transition(application=case, action=action, actor=world.users["channel"],
                                       reason="截止后操作。")
            assert exc.value.code == "deadline"
            name, data = VIEW[action]
            response = login(Client(), world.users["channel"]).post(reverse(name, kwargs={"pk": case.pk}), data)
            tried += 2
            if response.status_code >= 500 or case_state(case.pk) != before:
                accepted.append(f"{action} after the review deadline → {response.status_code}")
    _results["late_channel"] = (len(accepted), tried)
    assert accepted == []


def test_no_recommendation_beyond_the_quota(world, case):
    campaign = world.campaign
    quota = channel_quota(campaign=campaign, channel=world.jingkou)
    officer = world.users["channel"]
    apps = [submitted_application(unit=world.unit_a, campaign=campaign, actor=world.users["unit"])
            for _ in range(quota + 2)]
    for rank, app in enumerate(apps[:quota], start=1):
        application_recommend(application=app, actor=officer, rank=rank, opinion="同意推荐。")
    extra, last = apps[quota], apps[quota + 1]
    accepted, tried = [], 0
    before = case_state(extra.pk)
    for rank in [*range(1, quota + 2), 0]:
        try:
            application_recommend(application=extra, actor=officer, rank=rank, opinion="同意推荐。")
        except TransitionError as exc:
            assert exc.code == "quota_full"
        except PermissionDenied:
            accepted.append("PermissionDenied instead of quota_full")
        else:
            accepted.append(f"service recommended beyond the quota at rank {rank}")
        tried += 1
    client = login(Client(), officer)
    for app in (extra, last):
        state = case_state(app.pk)
        for rank in range(1, quota + 2):
            response = client.post(reverse("reviews:application-recommend", kwargs={"pk": app.pk}),
                                   {"recommend-rank": str(rank), "recommend-opinion": "同意推荐。"})
            tried += 1
            if response.status_code >= 500 or case_state(app.pk) != state:
                accepted.append(f"view recommended {app.case_number} at rank {rank} → {response.status_code}")
    assert case_state(extra.pk) == before
    assert Recommendation.objects.filter(campaign=campaign, channel=world.jingkou).count() == quota
    _results["quota"] = (len(accepted), tried)
    print(f"quota {quota}: {tried} recommendations beyond it tried, {len(accepted)} accepted")
    assert accepted == []


def test_drafts_edited_after_the_deadline_cannot_be_submitted(world, case):
    """Draft edits after the filing deadline are kept (domain R2 locks stage transitions, and an
    extension reopens submission), but the edited draft still cannot be submitted."""
    late = world.campaign.unit_filing_deadline + timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        client = login(Client(), world.users["unit"])
        case.refresh_from_db()
        url = reverse("studios:application-step", kwargs={"pk": case.pk, "step": "cover"})
        client.post(url, {"lock_version": case.lock_version, "studio_name": "截止后修改的名称",
                          "work_field": case.work_field})
        before = case_state(case.pk)
        response = client.post(reverse("studios:application-submit", kwargs={"pk": case.pk}), NOTICE)
        assert response.status_code == 302
        assert case_state(case.pk) == before
    assert timezone.now() < late


def test_figure_15():
    if set(_results) != {"order", "edit", "late_submit", "late_channel", "quota"}:
        pytest.skip("run the whole module for the figure")
    accepted = sum(a for a, _t in _results.values())
    tried = sum(t for _a, t in _results.values())
    print(f"FIGURE #15: {accepted}/{tried} out-of-order transitions accepted "
          f"(undeclared pairs + future actions {_results['order'][1]}, edits after submission "
          f"{_results['edit'][1]}, after deadlines {_results['late_submit'][1] + _results['late_channel'][1]}, "
          f"beyond quota {_results['quota'][1]}); scoring and publishing not built yet")
