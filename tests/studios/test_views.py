"""The unit's Annex 1 pages: steps, autosave, submit, scoping, and the city's extension."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from portal.models import TransitionLog
from studios.enums import ApplicationStatus
from studios.models import Application
from studios.notice import PRIVACY_NOTICE_VERSION
from tests.factories.studios import StudioFactory, draft, submitted
from tests.helpers import login

NOTICE_TICKED = {"notice_accepted": "on", "notice_version": PRIVACY_NOTICE_VERSION}
STEPS = ["cover", "lead", "members", "achievements", "conditions", "unit", "report", "evidence", "review"]


def step_url(app, step):
    return reverse("studios:application-step", kwargs={"pk": app.pk, "step": step})


def body(response) -> str:
    return response.content.decode()


# Valid POST data for each editing step, and what it must change.
STEP_DATA = {
    "cover": ({"studio_name": "陈国喆技能大师工作室", "work_field": "精密机械加工"},
              "studio_name", "陈国喆技能大师工作室"),
    "lead": ({"lead_name": "陈国喆", "lead_gender": "M", "lead_ethnicity": "01", "lead_phone": "0511-85340338",
              "lead_id_number": "11010519491231002x", "lead_postcode": "212001", "office_area": "120.5",
              "lead_work_start": "1995-07-01"}, "lead_id_number", "11010519491231002X"),
    "achievements": ({"lead_achievements": "主持技术攻关16项。", "lead_honours": ["06", "08"],
                      "awards-TOTAL_FORMS": "1", "awards-INITIAL_FORMS": "0", "awards-0-project": "数控铣工",
                      "awards-0-award_name": "江苏省技术能手", "awards-0-year": "2018"},
                     "lead_honours", ["06", "08"]),
    "conditions": ({"claim_2": "on", "claim_2_text": "攻克薄壁件变形难题。", "claim_4_text": "带徒12名。"},
                   "condition_claims", {"2": "攻克薄壁件变形难题。", "4": "带徒12名。"}),
    "unit": ({"unit_introduction": "公司简介", "unit_support": "支持措施", "work_plan": "工作计划"},
             "work_plan", "工作计划"),
    "report": ({"report_basic_conditions": "基本条件", "report_necessity": "必要性", "report_unit_support": "支持",
                "report_work_plan": "计划"}, "report_necessity", "必要性"),
    "members": ({"members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0",
                 "members-0-name": "李明", "members-0-qualification": "技师", "members-0-age": "35",
                 "members-0-achievements": "参与攻关5项。", "members-1-name": "", "members-1-age": ""},
                None, None),
}


@pytest.mark.parametrize("step", STEPS)
def test_unit_gets_every_step(unit_client, app, step):
    response = unit_client.get(step_url(app, step))
    assert response.status_code == 200
    assert "镇江市技能大师工作室申报表" in body(response)


@pytest.mark.parametrize("step", list(STEP_DATA))
def test_unit_saves_every_step(unit_client, app, step):
    data, field, expected = STEP_DATA[step]
    response = unit_client.post(step_url(app, step), {"lock_version": app.lock_version, "next": "1", **data})
    assert response.status_code == 302
    nxt = STEPS[STEPS.index(step) + 1]
    assert response["Location"] == step_url(app, nxt)
    app.refresh_from_db()
    if field is not None:
        assert getattr(app, field) == expected
    else:
        assert list(app.members.values_list("name", "age")) == [("李明", 35)]
    assert app.lock_version == 1


def test_overlong_text_is_refused_next_to_the_field_and_the_rest_saved(unit_client, app):
    """Free-text boxes are capped (bench L12: unbounded text made a 389-page PDF); the message sits
    with the field, the typed text comes back, the other boxes of the step are saved."""
    from studios.forms import CLAIM_MAX, NARRATIVE_MAX

    long_text = "攻" * (NARRATIVE_MAX + 1)
    response = unit_client.post(step_url(app, "unit"), {
        "lock_version": app.lock_version, "unit_introduction": long_text, "unit_support": "场地设备经费支持",
        "work_plan": "分年度带徒计划"})
    assert response.status_code == 200
    text = body(response)
    block = text[text.index('id="id_unit_introduction"'):][:NARRATIVE_MAX + 1500]
    assert "最多5000字（当前5001字）" in block and "invalid-feedback" in block
    assert f'maxlength="{NARRATIVE_MAX}"' in text
    app.refresh_from_db()
    assert (app.unit_introduction, app.unit_support, app.work_plan) == ("", "场地设备经费支持", "分年度带徒计划")
    response = unit_client.post(step_url(app, "conditions"), {
        "lock_version": app.lock_version, "claim_2": "on", "claim_2_text": "攻" * (CLAIM_MAX + 1)})
    assert f"最多{CLAIM_MAX}字" in body(response)
    app.refresh_from_db()
    assert app.condition_claims == {}


def test_cover_shows_unit_read_only(unit_client, app, world):
    text = body(unit_client.get(step_url(app, "cover")))
    assert world.unit_a.name in text and "readonly" in text
    assert 'name="unit"' not in text


def test_lead_change_fields_only_for_lead_change(unit_client, app, world, unit_user, filing):
    assert "原领衔人或原单位名称" not in body(unit_client.get(step_url(app, "lead")))
    studio = StudioFactory(unit=world.unit_a, name="张国平技能大师工作室", lead_name="张国平")
    response = unit_client.post(reverse("studios:application-create"), {"kind": "lead_change", "studio": studio.pk})
    change = Application.objects.get(kind="lead_change")
    assert response["Location"] == step_url(change, "cover")
    text = body(unit_client.get(step_url(change, "lead")))
    assert "原领衔人或原单位名称" in text and "退休" in text and "调离" in text and 'value="张国平"' in text
    unit_client.post(step_url(change, "lead"), {"lock_version": change.lock_version, "previous_lead": "张国平",
                                                "change_reason": "retired"})
    change.refresh_from_db()
    assert (change.previous_lead, change.change_reason, change.studio_name) == ("张国平", "retired",
                                                                                "张国平技能大师工作室")


def test_invalid_id_shows_message_next_to_field_and_saves_the_rest(unit_client, app):
    response = unit_client.post(step_url(app, "lead"), {
        "lock_version": app.lock_version, "lead_name": "陈国喆", "lead_id_number": "110105194912310021",
        "lead_occupation": "数控车工",
    })
    assert response.status_code == 200
    text = body(response)
    assert "身份证号码校验位不正确" in text or "校验" in text
    assert 'value="110105194912310021"' in text  # what the user typed is still there
    assert "其他内容已保存" in text
    app.refresh_from_db()
    assert (app.lead_name, app.lead_occupation, app.lead_id_number) == ("陈国喆", "数控车工", "")
    # the message sits in the field's own feedback block
    field_block = text[text.index('id="id_lead_id_number"'):]
    assert "invalid-feedback" in field_block[:1500]


def test_stale_save_keeps_typed_values(unit_client, app, unit_user):
    from studios.services import application_save

    application_save(application=app, lock_version=app.lock_version, fields={"studio_name": "别的窗口"},
                     actor=unit_user)
    response = unit_client.post(step_url(app, "cover"), {"lock_version": app.lock_version,
                                                         "studio_name": "我刚输入的名称"})
    assert response.status_code == 200
    text = body(response)
    assert "已在其他窗口或由其他人保存过" in text
    assert 'value="我刚输入的名称"' in text
    app.refresh_from_db()
    assert app.studio_name == "别的窗口"


def test_autosave_fragment(unit_client, app):
    url = reverse("studios:application-autosave", kwargs={"pk": app.pk, "step": "cover"})
    response = unit_client.post(url, {"lock_version": app.lock_version, "studio_name": "自动保存工作室"},
                                HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = body(response)
    now = timezone.localtime().strftime("%H:%M")
    assert f"已自动保存 {now}" in text or "已自动保存" in text
    assert 'name="lock_version" id="id_lock_version" value="1" hx-swap-oob="true"' in text
    app.refresh_from_db()
    assert app.studio_name == "自动保存工作室"
    stale = unit_client.post(url, {"lock_version": 0, "studio_name": "旧页面"}, HTTP_HX_REQUEST="true")
    assert "已在其他窗口或由其他人保存过" in body(stale)
    app.refresh_from_db()
    assert app.studio_name == "自动保存工作室"


def test_autosave_of_rows_returns_their_ids(unit_client, app):
    url = reverse("studios:application-autosave", kwargs={"pk": app.pk, "step": "members"})
    response = unit_client.post(url, {"lock_version": 0, "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
                                      "members-0-name": "王磊", "members-0-age": "15"})
    text = body(response)
    assert "年龄应在16至90岁之间" in text
    assert app.members.count() == 0
    response = unit_client.post(url, {"lock_version": 1, "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
                                      "members-0-name": "王磊", "members-0-age": "28"})
    member = app.members.get()
    assert f'name="members-0-id" id="id_members-0-id" value="{member.pk}" hx-swap-oob="true"' in body(response)
    # the next autosave carries the id: the row is updated, not duplicated
    unit_client.post(url, {"lock_version": 2, "members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0",
                           "members-0-id": member.pk, "members-0-name": "王磊", "members-0-age": "29"})
    assert list(app.members.values_list("name", "age")) == [("王磊", 29)]


def test_row_add_returns_row_and_total(unit_client, app):
    url = reverse("studios:application-row-add", kwargs={"pk": app.pk, "relation": "awards"})
    text = body(unit_client.get(url, {"awards-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true"))
    assert 'name="awards-3-project"' in text
    assert 'name="awards-TOTAL_FORMS" id="id_awards-TOTAL_FORMS" value="4" hx-swap-oob="true"' in text


def test_delete_row(unit_client, app):
    unit_client.post(step_url(app, "members"), {**STEP_DATA["members"][0], "lock_version": 0})
    member = app.members.get()
    unit_client.post(step_url(app, "members"), {"lock_version": 1, "members-TOTAL_FORMS": "1",
                                                "members-INITIAL_FORMS": "0", "members-0-id": member.pk,
                                                "members-0-name": "李明", "members-0-DELETE": "on"})
    assert app.members.count() == 0


def test_review_lists_problems_with_links(unit_client, app):
    text = body(unit_client.get(step_url(app, "review")))
    assert "请上传领衔人所获荣誉的证书" in text
    assert step_url(app, "evidence") in text
    assert "disabled" in text
    # Each missing box is named, not just "required" three times over.
    problems = text[text.index('data-testid="problems"'):]
    for label in ("领办或创办人主要工作业绩", "技能大师所在单位简介", "工作室成立的必要性和可行性"):
        assert f'<span class="fw-semibold">{label}</span>：此项为必填项。' in problems, label


def test_submit_view_and_double_submit(unit_client, complete_app, filing):
    url = reverse("studios:application-submit", kwargs={"pk": complete_app.pk})
    detail = reverse("studios:application-detail", kwargs={"pk": complete_app.pk})
    first = unit_client.post(url, NOTICE_TICKED, follow=True)
    text = body(first)
    assert "待初审" in text and "已提交至京口区人力资源和社会保障局初审" in text
    assert "已提交至推荐渠道，等待初审" in text  # STATUS_EXPLANATIONS
    second = unit_client.post(url, NOTICE_TICKED)
    assert (second.status_code, second["Location"]) == (302, detail)
    assert "无需重复提交" in body(unit_client.get(detail))
    complete_app.refresh_from_db()
    assert (complete_app.status, complete_app.version) == (ApplicationStatus.SUBMITTED, 1)


def test_submit_step_shows_the_privacy_notice(unit_client, complete_app, filing):
    text = body(unit_client.get(step_url(complete_app, "review")))
    assert "个人信息处理告知" in text and f"版本 {PRIVACY_NOTICE_VERSION}" in text
    for phrase in ("处理目的", "可以查看的人员", "保存期限", "评审专家", "3年"):
        assert phrase in text, phrase
    assert 'name="notice_accepted"' in text and f'name="notice_version" value="{PRIVACY_NOTICE_VERSION}"' in text


@pytest.mark.parametrize(("data", "message"), [
    ({"notice_version": PRIVACY_NOTICE_VERSION}, "请阅读《个人信息处理告知》并勾选确认后再提交。"),
    ({}, "请阅读《个人信息处理告知》并勾选确认后再提交。"),
    ({"notice_accepted": "on", "notice_version": "2025-01"}, "《个人信息处理告知》已更新"),
])
def test_submit_without_the_notice_ticked_is_refused_next_to_the_checkbox(unit_client, complete_app, filing,
                                                                         data, message):
    response = unit_client.post(reverse("studios:application-submit", kwargs={"pk": complete_app.pk}), data)
    assert response.status_code == 200
    text = body(response)
    error = text.split('data-testid="notice-error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    checkbox = re.search(r'<input type="checkbox" name="notice_accepted"[^>]*>', text).group(0)
    assert "is-invalid" in checkbox and 'aria-describedby="notice-error"' in checkbox and "checked" not in checkbox
    assert f'name="notice_version" value="{PRIVACY_NOTICE_VERSION}"' in text  # ticking again now works
    complete_app.refresh_from_db()
    assert (complete_app.status, complete_app.version, complete_app.notice_version) == (ApplicationStatus.DRAFT, 0, "")
    assert complete_app.snapshots.count() == 0
    ticked = unit_client.post(reverse("studios:application-submit", kwargs={"pk": complete_app.pk}), NOTICE_TICKED)
    assert ticked.status_code == 302
    complete_app.refresh_from_db()
    assert (complete_app.status, complete_app.notice_version) == (ApplicationStatus.SUBMITTED, PRIVACY_NOTICE_VERSION)
    assert complete_app.notice_accepted_at == complete_app.submitted_at
    assert complete_app.snapshots.get().notice_version == PRIVACY_NOTICE_VERSION


def test_detail_page_sends_the_unit_to_the_submit_step(unit_client, complete_app, filing):
    text = body(unit_client.get(reverse("studios:application-detail", kwargs={"pk": complete_app.pk})))
    assert f'href="{step_url(complete_app, "review")}">提交申报</a>' in text
    assert reverse("studios:application-submit", kwargs={"pk": complete_app.pk}) not in text


def test_direct_city_detail_says_where_it_went(world, client):
    app = submitted(unit=world.unit_direct, campaign=world.campaign, actor=world.users["direct_unit"])
    login(client, world.users["direct_unit"])
    text = body(client.get(reverse("studios:application-detail", kwargs={"pk": app.pk})))
    assert "已提交至镇江市人力资源和社会保障局初审" in text


def test_submit_incomplete_goes_to_review(unit_client, app, filing):
    response = unit_client.post(reverse("studios:application-submit", kwargs={"pk": app.pk}), NOTICE_TICKED)
    assert response["Location"] == step_url(app, "review")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT


def test_other_unit_gets_404_everywhere(world, client, app):
    login(client, world.users["other_unit"])
    attachment_app = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"], complete=True)
    attachment = attachment_app.attachments.get()
    urls = [reverse("studios:application-detail", kwargs={"pk": app.pk}),
            reverse("studios:application-autosave", kwargs={"pk": app.pk, "step": "cover"}),
            reverse("studios:application-row-add", kwargs={"pk": app.pk, "relation": "members"}),
            reverse("studios:application-submit", kwargs={"pk": app.pk}),
            reverse("studios:application-withdraw", kwargs={"pk": app.pk}),
            reverse("studios:application-extend", kwargs={"pk": app.pk}),
            reverse("studios:attachment-upload", kwargs={"pk": app.pk}),
            reverse("studios:attachment-download", kwargs={"pk": attachment.pk}),
            reverse("studios:attachment-delete", kwargs={"pk": attachment.pk}),
            *[step_url(app, s) for s in STEPS]]
    for url in urls:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"lock_version": 0}).status_code in (404, 405), url
    assert app.pk not in [a.pk for a in client.get(reverse("studios:application-list")).context["applications"]]


def test_channel_officer_sees_submitted_not_drafts(world, client, app, unit_user):
    sub = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    login(client, world.users["channel"])
    assert client.get(reverse("studios:application-detail", kwargs={"pk": app.pk})).status_code == 404
    detail = client.get(reverse("studios:application-detail", kwargs={"pk": sub.pk}))
    assert detail.status_code == 200 and sub.studio_name in body(detail)
    listed = [a.pk for a in client.get(reverse("studios:application-list")).context["applications"]]
    assert listed == [sub.pk]
    assert client.get(step_url(sub, "cover")).status_code == 403


def test_step_shows_latest_return_reason(world, client, unit_user):
    sub = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    Application.objects.filter(pk=sub.pk).update(status=ApplicationStatus.RETURNED)
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(Application), object_id=sub.pk, action="return",
        from_status=ApplicationStatus.SUBMITTED, to_status=ApplicationStatus.RETURNED,
        actor=world.users["channel"], reason="请补充材料",
        data={"sections": {"lead": "参加工作时间与档案不符，请核对。", "evidence": "获奖证书不清晰。"}})
    login(client, unit_user)
    text = body(client.get(step_url(sub, "lead")))
    assert "初审退回意见" in text and "参加工作时间与档案不符，请核对。" in text
    assert text.count("bi-exclamation-triangle-fill") == 2  # lead and evidence marked in the nav
    assert "获奖证书不清晰。" not in text  # another section's reason
    assert "参加工作时间与档案不符" in body(client.get(reverse("studios:application-detail", kwargs={"pk": sub.pk})))


def test_withdraw_requires_reason(unit_client, app):
    url = reverse("studios:application-withdraw", kwargs={"pk": app.pk})
    unit_client.post(url, {"reason": ""})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT
    unit_client.post(url, {"reason": "领衔人调离本单位"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN


def test_city_officer_extends_deadline(world, client, unit_user):
    sub = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    login(client, world.users["city_officer"])
    detail = body(client.get(reverse("studios:application-detail", kwargs={"pk": sub.pk})))
    assert "准予延期" in detail
    until = (timezone.localtime() + timezone.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("studios:application-extend", kwargs={"pk": sub.pk})
    client.post(url, {"until": until, "reason": ""})
    sub.refresh_from_db()
    assert sub.deadline_extension is None
    client.post(url, {"until": until, "reason": "系统故障导致未能按时提交"})
    sub.refresh_from_db()
    assert sub.extension_reason == "系统故障导致未能按时提交"
    login(client, world.users["channel"])
    assert client.post(url, {"until": until, "reason": "x"}).status_code == 403


def test_extension_demands_recent_authentication(world, client, unit_user):
    """Granting an extension is a city decision: a stale sign-in is sent to re-authenticate first."""
    from portal.security import SESSION_REAUTH_AT

    sub = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    login(client, world.users["city_officer"])
    session = client.session
    session[SESSION_REAUTH_AT] = 0
    session.save()
    until = (timezone.localtime() + timezone.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("studios:application-extend", kwargs={"pk": sub.pk}),
                           {"until": until, "reason": "系统故障导致未能按时提交"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:reauth") + "?next=")
    sub.refresh_from_db()
    assert sub.deadline_extension is None


def test_dashboard_panel(unit_client, app, filing):
    text = body(unit_client.get(reverse("portal:dashboard")))
    assert "本年度申报" in text and app.case_number in text and "新建申报" in text


def test_create_view(unit_client, world, filing):
    response = unit_client.post(reverse("studios:application-create"), {"kind": "new"})
    app = Application.objects.get(unit=world.unit_a)
    assert response["Location"] == step_url(app, "cover")


def _queries(django_assert_max_num_queries, client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["studios:application-list", "studios:application-detail"])
def test_no_n_plus_one(world, client, unit_user, name, django_assert_max_num_queries):
    """The list costs the same with 1 and 3 cases; the detail the same with 1 and 3 rows each."""
    login(client, unit_user)
    first = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    url = (reverse(name) if name.endswith("list") else
           reverse(name, kwargs={"pk": first.pk}))
    client.get(url)  # warm the reference-list cache
    one = _queries(django_assert_max_num_queries, client, url)
    for _ in range(2):
        other = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
        other.members.update(application=first)
        other.awards.update(application=first)
    three = _queries(django_assert_max_num_queries, client, url)
    assert three == one


def test_own_autosave_does_not_make_the_save_button_stale(unit_client, app, unit_user):
    """The page autosaved (lock 0 → 1) but its hidden lock_version was not yet updated when the
    user pressed 保存: the same page's save goes through. Another page's save still conflicts."""
    autosave = reverse("studios:application-autosave", kwargs={"pk": app.pk, "step": "cover"})
    unit_client.post(autosave, {"lock_version": 0, "edit_token": "pageA", "studio_name": "甲"})
    response = unit_client.post(step_url(app, "cover"), {"lock_version": 0, "edit_token": "pageA",
                                                         "studio_name": "甲乙"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.studio_name, app.lock_version) == ("甲乙", 2)
    other_tab = unit_client.post(step_url(app, "cover"), {"lock_version": 1, "edit_token": "pageB",
                                                          "studio_name": "旧标签页"})
    assert "已在其他窗口或由其他人保存过" in body(other_tab)
    # and page A after page B's... a save by someone else in between breaks A's chain too
    from studios.services import application_save

    application_save(application=app, lock_version=2, fields={"work_field": "别人改的"}, actor=unit_user)
    stale = unit_client.post(step_url(app, "cover"), {"lock_version": 2, "edit_token": "pageA",
                                                      "studio_name": "甲乙丙"})
    assert "已在其他窗口或由其他人保存过" in body(stale)


def test_saved_date_is_shown_in_the_date_input(unit_client, app):
    """An <input type=date> only shows ISO dates; anything else would blank it and the next save
    would erase the stored date."""
    unit_client.post(step_url(app, "lead"), {"lock_version": 0, "lead_work_start": "1995-07-01"})
    assert 'name="lead_work_start" value="1995-07-01"' in body(unit_client.get(step_url(app, "lead")))
