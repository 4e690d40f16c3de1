"""Pages of the channel pre-review: queue, review page, actions, export, dashboard panel."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from portal.enums import AuditAction
from portal.models import AuditEvent, TransitionLog
from reviews.models import Recommendation
from reviews.services import application_recommend, application_return
from studios.enums import ApplicationStatus as S
from studios.models import Application
from tests.factories.reviews import resubmit
from tests.helpers import login

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, whitespace collapsed (for exact phrase checks)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def review_url(app, action=None):
    name = f"reviews:application-{action}" if action else "reviews:application-review"
    return reverse(name, kwargs={"pk": app.pk})


def test_queue_lists_pending_cases_with_quota_and_deadline(client, world, in_review, submit):
    first, second = submit(), submit()
    submit(world.unit_b)  # another channel's: not listed
    application_recommend(application=second, actor=world.users["channel"], rank=1, opinion="同意推荐。")
    login(client, world.users["channel"])
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 200
    page = text(response)
    assert "已推荐 1 / 2" in page
    assert "还可推荐 1 家" in page
    assert "2026年5月29日 17:30" in page
    assert "距截止还有 1天" in page
    assert [a.pk for a in response.context["applications"]] == [first.pk]
    assert first.case_number in page and first.studio_name in page and first.lead_name in page
    assert world.unit_a.name in page and "第 1 版" in page
    assert {t["key"]: t["count"] for t in response.context["tabs"]} == {
        "pending": 1, "returned": 0, "recommended": 1, "rejected": 0}

    response = client.get(reverse("reviews:queue") + "?tab=recommended")
    assert [a.pk for a in response.context["applications"]] == [second.pk]


def test_queue_query_count_does_not_grow(client, world, in_review, submit, django_assert_num_queries):
    login(client, world.users["channel"])
    submit()
    client.get(reverse("reviews:queue"))  # warm the session and caches
    with django_assert_num_queries(11):
        response = client.get(reverse("reviews:queue"))
    assert len(response.context["applications"]) == 1
    submit(), submit()
    with django_assert_num_queries(11):
        response = client.get(reverse("reviews:queue"))
    assert len(response.context["applications"]) == 3


def test_review_page_shows_annex_history_and_actions(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.get(review_url(app))
    assert response.status_code == 200
    page = text(response)
    for phrase in ("领衔人基本情况", app.lead_name, "321**********", "中共党员", "一级/高级技师",
                   "办公面积（平方米） 260", "江苏省技术能手", "技术攻关：", "李䶮", "镇江市科学技术进步奖",
                   "江苏省技术能手证书", "提交申报"):
        assert phrase in page, phrase
    assert [a["transition"].action for a in response.context["actions"]] == ["return", "reject", "recommend"]
    assert "与上一版相比的修改" not in page


def test_return_through_the_form(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.post(review_url(app, "return"), {"return-lead": "身份证复印件不清晰。", "return-cover": ""})
    assert response.status_code == 302
    assert response.url == review_url(app)
    assert Application.objects.get(pk=app.pk).status == S.RETURNED
    log = TransitionLog.objects.get(object_id=app.pk, action="return")
    assert log.data == {"sections": {"lead": "身份证复印件不清晰。"}}


def test_return_without_any_reason_is_refused(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.post(review_url(app, "return"), {"return-lead": "   "})
    assert response.status_code == 400
    assert "请至少在一个部分填写退回修改意见。" in text(response)
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_reject_through_the_form(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.post(review_url(app, "reject"), {"reject-reason": "领衔人不具备申报条件。"})
    assert response.status_code == 302
    assert Application.objects.get(pk=app.pk).status == S.CHANNEL_REJECTED


def test_recommend_through_the_form(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.post(review_url(app, "recommend"), {"recommend-rank": "2", "recommend-opinion": "同意推荐。"})
    assert response.status_code == 302
    assert Recommendation.objects.get(application=app).rank == 2
    page = text(client.get(review_url(app)))
    assert "推荐排序：第 2 位" in page and "已推荐 1 / 2" in page
    assert [a["transition"].action for a in client.get(review_url(app)).context["actions"]] == ["unrecommend"]


def test_recommend_without_opinion_is_refused(client, world, in_review, submit):
    app = submit()
    login(client, world.users["channel"])
    response = client.post(review_url(app, "recommend"), {"recommend-rank": "1", "recommend-opinion": ""})
    assert response.status_code == 400
    assert "请填写审核推荐意见。" in text(response)
    assert not Recommendation.objects.exists()


def test_recommend_over_quota_shows_the_message(client, world, in_review, submit):
    officer = world.users["channel"]
    for rank in (1, 2):
        application_recommend(application=submit(), actor=officer, rank=rank, opinion="同意推荐。")
    app = submit()
    login(client, officer)
    page = text(client.get(review_url(app)))
    assert "推荐名额已满（已推荐 2 / 2）" in page
    # A stale form (opened before the places ran out) is refused by the service with the reason.
    response = client.post(review_url(app, "recommend"), {"recommend-rank": "1", "recommend-opinion": "同意。"})
    assert response.status_code == 400  # no free rank left to choose
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_refusal_from_the_service_is_shown(client, world, in_review, submit):
    officer = world.users["channel"]
    app = submit()
    login(client, officer)
    application_return(application=app, actor=officer, reasons={"cover": "请修改。"})  # in another tab
    response = client.post(review_url(app, "reject"), {"reject-reason": "不符合条件。"})
    assert response.status_code == 409
    assert "当前状态为“退回修改”，不能执行“初审不通过”。" in text(response)
    assert Application.objects.get(pk=app.pk).status == S.RETURNED


def test_after_the_deadline_the_actions_are_gone(client, world, submit):
    with time_machine.travel(world.campaign.channel_review_deadline - timedelta(days=1), tick=False):
        app = submit()
    with time_machine.travel(world.campaign.channel_review_deadline + timedelta(minutes=1), tick=False):
        login(client, world.users["channel"])
        response = client.get(review_url(app))
        assert response.context["actions"] == []
        page = text(response)
        assert "初审推荐已于 2026年5月29日 17:30 截止，不能再退回修改、推荐、撤销推荐或作出初审不通过决定。" in page
        response = client.post(review_url(app, "recommend"), {"recommend-rank": "1", "recommend-opinion": "同意。"})
        assert response.status_code == 409
        assert "初审推荐已截止，不能再办理。" in text(response)
        assert "初审推荐已截止" in text(client.get(reverse("reviews:queue")))
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED


def test_return_edit_resubmit_shows_the_diff(client, world, in_review, submit):
    app = submit()
    officer = world.users["channel"]
    application_return(application=app, actor=officer, reasons={"cover": "工作室名称应与申办报告一致。"})
    app = Application.objects.get(pk=app.pk)
    old_name = app.studio_name
    new_name = old_name.replace("技能大师", "精密数控技能大师")
    resubmit(application=app, actor=world.users["unit"], fields={"studio_name": new_name, "office_area": "300"})
    login(client, officer)
    response = client.get(review_url(app))
    page = text(response)
    assert "与上一版相比的修改（第 1 版 → 第 2 版）" in page
    changes = {c.name: c for c in response.context["changes"]}
    assert set(changes) == {"studio_name", "office_area"}
    assert changes["studio_name"].label == "工作室名称"
    assert changes["office_area"].label == "办公面积（平方米）"
    html = response.content.decode()
    assert '<mark class="diff-added bg-warning bg-opacity-50">精密数控</mark>' in html
    assert old_name in page
    assert "上次退回意见： 工作室名称应与申办报告一致。" in page
    assert f'data-field="studio_name">{new_name}' in html
    office = changes["office_area"]
    before, after = ("".join(s.text for s in segments) for segments in (office.before, office.after))
    assert (before, after) == ("260", "300")
    # The queue marks it as a resubmission.
    assert "重新提交" in text(client.get(reverse("reviews:queue")))


def test_export_recommendation_summary(client, world, in_review, submit):
    officer = world.users["channel"]
    app = submit()
    application_recommend(application=app, actor=officer, rank=1, opinion="材料齐全，同意推荐。")
    application_recommend(application=submit(world.unit_b), actor=world.users["other_channel"], rank=1,
                          opinion="同意。")
    login(client, officer)
    response = client.get(reverse("reviews:recommendation-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("推荐渠道", "推荐排序", "案卷号", "申报类型")
    assert len(rows) == 2
    assert rows[1][:4] == ("京口区", 1, app.case_number, "申报认定")
    assert "材料齐全，同意推荐。" in rows[1]
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert event.detail == {"what": "recommendations", "campaign": 2026, "rows": 1}
    assert event.actor_id == officer.pk


def test_dashboard_panel_for_channel_officer(client, world, in_review, submit):
    submit()
    application_recommend(application=submit(), actor=world.users["channel"], rank=1, opinion="同意。")
    login(client, world.users["channel"])
    response = client.get(reverse("portal:dashboard"))
    page = text(response)
    assert "初审推荐" in page and "1 / 2" in page and "待初审" in page
    assert reverse("reviews:queue") in response.content.decode()


def test_dashboard_panel_for_city_officer_shows_direct_channel(client, world, in_review, submit):
    submit(world.unit_direct)
    login(client, world.users["city_officer"])
    response = client.get(reverse("portal:dashboard"))
    panel = next(p for s in response.context["sections"] for p in s["panels"] if p["title"] == "初审推荐")
    [state] = panel["context"]["quotas"]
    assert (state.channel, state.to_review, state.used, state.quota) == (world.direct, 1, 0, 2)


def test_nav_link_only_for_prereviewers(client, world):
    link = f'href="{reverse("reviews:queue")}"'
    login(client, world.users["channel"])
    assert link in client.get(reverse("portal:dashboard")).content.decode()
    login(client, world.users["unit"])
    assert link not in client.get(reverse("portal:dashboard")).content.decode()


def test_review_page_query_count_does_not_grow_with_rows(client, world, in_review, submit,
                                                         django_assert_num_queries):
    from studios.models import ApplicationAward, ApplicationMember, Attachment

    small, big = submit(), submit()
    for i in range(2, 5):
        ApplicationMember.objects.create(application=big, position=i, name=f"成员{i}", qualification="技师", age=30)
        ApplicationAward.objects.create(application=big, position=i, project=f"项目{i}", award_name="镇江市技术能手")
        Attachment.objects.create(application=big, slot="other", file=f"applications/{big.pk}/x{i}",
                                  original_name=f"材料{i}.pdf", content_type="application/pdf", size=10,
                                  sha256="0" * 64, uploaded_by=world.users["unit"])
    login(client, world.users["channel"])
    client.get(review_url(small))  # warm the session and the reference-list cache
    with django_assert_num_queries(14):
        client.get(review_url(small))
    with django_assert_num_queries(14):
        response = client.get(review_url(big))
    assert len(response.context["members"]) == 5


def test_decisions_demand_recent_authentication(client, world, in_review, submit):
    """security.md #8: a session whose last password + TOTP entry is older than 15 minutes is sent to
    re-authenticate, and the decision is not taken."""
    from portal.security import SESSION_REAUTH_AT

    app = submit()
    login(client, world.users["channel"])
    session = client.session
    session[SESSION_REAUTH_AT] = 0
    session.save()
    response = client.post(review_url(app, "recommend"), {"recommend-rank": "1", "recommend-opinion": "同意推荐。"})
    app.refresh_from_db()
    assert (response.status_code, app.status, Recommendation.objects.filter(application=app).count()) == (
        302, S.SUBMITTED, 0)
    assert response["Location"].startswith(reverse("portal:reauth") + "?next=")
