"""Browser: the unit fills every step of a new application (Annex 1), sees a field error next to
the field, uploads evidence (one refused file with the message next to its slot), submits, and
sees 待初审 with the explanation and where the case went. Screenshots go to tests/artifacts/."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Campaign
from studios.enums import ApplicationStatus
from studios.models import Application
from studios.notice import PRIVACY_NOTICE_VERSION
from tests.e2e.conftest import assert_clean
from tests.factories.studios import image_bytes, pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def shot(page, name: str) -> None:
    # caret="initial": Playwright's caret-hiding style would itself trip the CSP check (assert_clean).
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"unit_application_{name}.png"), full_page=True, caret="initial")


def open_filing(campaign) -> Campaign:
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        unit_filing_deadline=now + timedelta(days=10), channel_review_deadline=now + timedelta(days=20),
        expert_review_deadline=now + timedelta(days=30), city_decision_deadline=now + timedelta(days=40),
        evaluation_filing_deadline=now + timedelta(days=20))
    campaign.refresh_from_db()
    return campaign


def settle(page) -> None:
    """Let a pending autosave finish, so the explicit save carries the current lock version."""
    page.keyboard.press("Tab")
    page.wait_for_timeout(1100)
    page.wait_for_load_state("networkidle")


def save_and_continue(page) -> None:
    settle(page)
    page.get_by_role("button", name="保存并继续").click()
    page.wait_for_load_state()


def test_unit_fills_every_step_and_submits(live_server, world, login_page, page_log, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    open_filing(world.campaign)
    page = login_page(world.users["unit"])
    page.set_viewport_size({"width": 1366, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())

    # Dashboard → 新建申报
    page.goto(live_server.url + reverse("portal:dashboard"))
    assert page.get_by_text("本年度申报").is_visible()
    shot(page, "0_dashboard")
    page.get_by_role("link", name="新建申报").first.click()
    page.get_by_role("button", name="开始填写申报表").click()
    page.wait_for_load_state()
    app = Application.objects.get(unit=world.unit_a)

    # 1. Cover
    assert page.locator("input[readonly]").input_value() == world.unit_a.name
    page.get_by_label("工作室名称").fill("陈国喆精密机械加工技能大师工作室")
    page.get_by_label("工作领域").fill("精密机械加工（数控车削、五轴联动加工）")
    settle(page)
    assert "已自动保存" in page.locator("#autosave-status").inner_text()
    app.refresh_from_db()
    assert app.work_field == "精密机械加工（数控车削、五轴联动加工）"
    shot(page, "1_cover")
    save_and_continue(page)

    # 2. Lead — first with a wrong ID number: the message is next to the field, the rest is saved.
    page.get_by_label("领衔人（创办人）").fill("陈国喆")
    page.get_by_label("性别").select_option(label="男")
    page.get_by_label("民族").select_option(label="汉族")
    page.get_by_label("政治面貌").select_option(label="中共党员")
    page.get_by_label("工作单位").fill(world.unit_a.name)
    page.get_by_label("联系电话").fill("139 5281 6372")
    page.get_by_label("工作室地点").fill("镇江市京口区学府路68号二号厂房三楼")
    page.get_by_label("办公面积（平方米）").fill("260")
    page.get_by_label("学历（学位）").select_option(index=4)
    page.get_by_label("参加工作时间").fill("1995-07-01")
    page.get_by_label("从事职业（工种）").fill("数控车工")
    page.get_by_label("行政职务").fill("精密加工车间主任")
    page.get_by_label("职业资格").select_option(label="一级/高级技师")
    page.get_by_label("身份证号").fill("321102197603150351")
    page.get_by_label("通讯地址").fill("镇江市京口区学府路68号")
    page.get_by_label("邮编").fill("212001")
    settle(page)
    page.get_by_role("button", name="保存并继续").click()
    page.wait_for_load_state()
    error = page.locator("[id^=error_][id$=_id_lead_id_number]")
    assert error.is_visible() and "校验" in error.inner_text()
    assert "其他内容已保存" in page.get_by_test_id("step-notice").inner_text()
    shot(page, "2_lead_id_error")
    app.refresh_from_db()
    assert (app.lead_name, app.lead_occupation, app.lead_id_number) == ("陈国喆", "数控车工", "")
    from portal.validators import id_check_char

    good_id = "32110219760315035" + id_check_char("32110219760315035")
    page.get_by_label("身份证号").fill(good_id)
    shot(page, "2_lead")
    save_and_continue(page)
    app.refresh_from_db()
    assert app.lead_id_number == good_id

    # 3. Members: two rows added with htmx
    for _ in range(2):
        page.get_by_test_id("add-member").click()
    page.wait_for_selector("#id_members-1-name")
    page.fill("#id_members-0-name", "周海峰")
    page.fill("#id_members-0-qualification", "数控车工高级技师")
    page.fill("#id_members-0-age", "45")
    page.fill("#id_members-0-achievements", "参与薄壁轴承座防变形加工攻关，加工变形量降低70%。")
    page.fill("#id_members-1-name", "王蓓蕾")
    page.fill("#id_members-1-qualification", "数控铣工高级技师")
    page.fill("#id_members-1-age", "41")
    page.fill("#id_members-1-achievements", "建立典型零件程序库150余个，新产品试制周期缩短30%。")
    shot(page, "3_members")
    save_and_continue(page)
    assert list(app.members.values_list("name", flat=True)) == ["周海峰", "王蓓蕾"]

    # 4. Achievements: text, honours, awards table
    page.get_by_label("领办或创办人主要工作业绩").fill(
        "主持完成“大型薄壁轴承座防变形加工”等关键技术攻关16项，产品一次交检合格率由92.6%提高到99.3%。\n"
        "与27名青年员工签订师带徒协议，培养高级技师4名、技师11名。")
    page.get_by_label("江苏省技术能手").check()
    page.get_by_label("镇江工匠").check()
    page.get_by_test_id("add-award").click()
    page.wait_for_selector("#id_awards-0-project")
    page.fill("#id_awards-0-project", "数控车工")
    page.fill("#id_awards-0-award_name", "江苏省技术能手")
    page.fill("#id_awards-0-issuer", "江苏省人力资源和社会保障厅")
    page.fill("#id_awards-0-level", "省级")
    page.fill("#id_awards-0-rank", "1")
    page.fill("#id_awards-0-year", "2017")
    shot(page, "4_achievements")
    save_and_continue(page)
    app.refresh_from_db()
    assert (app.lead_honours, app.awards.count()) == (["06", "08"], 1)

    # 5. Conditions
    page.get_by_label("2. 技术攻关方面").check()
    page.fill("#id_claim_2_text", "主持技术攻关16项，关键工序生产效率提高35%。")
    shot(page, "5_conditions")
    save_and_continue(page)

    # 6. Unit
    page.get_by_label("技能大师所在单位简介").fill("公司成立于2003年，现有职工628人，其中高技能人才196人。")
    page.get_by_label("所在单位对技能大师工作室支持措施").fill("提供独立场地260平方米，每年专项经费不少于30万元。")
    page.get_by_label("技能大师工作室今后工作开展计划").fill("三年内培养技师以上高技能人才10名，完成攻关项目10项。")
    shot(page, "6_unit")
    save_and_continue(page)

    # 7. Report
    page.get_by_label("一、工作室基本条件").fill("工作室现有成员6名，其中高级技师3名、技师3名。")
    page.get_by_label("二、工作室成立的必要性和可行性").fill("精密零部件是高端装备制造的基础，人才需求迫切。")
    page.get_by_label("三、所在单位对工作室的支持措施").fill("公司在场地、设备、经费、制度方面全力支持。")
    page.get_by_label("四、工作室成立后的工作开展计划").fill("每年开展攻关不少于3项，带徒不少于10名。")
    shot(page, "7_report")
    save_and_continue(page)

    # 8. Evidence: a disguised executable is refused next to its slot; a PDF and a PNG are accepted.
    honour = page.locator("#slot-honour")
    fake = tmp_path / "证书.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 300)
    honour.locator("input[type=file]").set_input_files(str(fake))
    honour.locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("#slot-honour .slot-error")
    assert "只接受PDF、JPG、PNG" in page.locator("#slot-honour .slot-error").inner_text()
    shot(page, "8_evidence_refused")
    good = tmp_path / "江苏省技术能手证书.pdf"
    good.write_bytes(pdf_bytes())
    page.locator("#slot-honour input[type=file]").set_input_files(str(good))
    page.locator("#slot-honour").locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("#slot-honour >> text=江苏省技术能手证书.pdf")
    photo = tmp_path / "职业资格证书.png"
    photo.write_bytes(image_bytes("PNG", size=(300, 200)))
    page.locator("#slot-id_qualification input[type=file]").set_input_files(str(photo))
    page.locator("#slot-id_qualification").locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("#slot-id_qualification >> text=职业资格证书.png")
    shot(page, "8_evidence")
    page.get_by_role("link", name="下一步：核对并提交").click()
    page.wait_for_load_state()

    # 9. Review and submit: the privacy notice must be ticked; without it the error shows next to
    #    the checkbox and nothing is submitted.
    assert page.get_by_text("各部分已填写完整，可以提交。").is_visible()
    notice = page.get_by_test_id("privacy-notice")
    assert "个人信息处理告知" in notice.inner_text() and "保存期限" in notice.inner_text()
    shot(page, "9_review")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_load_state()
    assert "请阅读《个人信息处理告知》并勾选确认后再提交。" in page.get_by_test_id("notice-error").inner_text()
    app.refresh_from_db()
    assert (app.status, app.version) == (ApplicationStatus.DRAFT, 0)
    shot(page, "9_review_notice_missing")
    page.get_by_label("我单位已阅读上述《个人信息处理告知》").check()
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status-badge").inner_text() == "待初审"
    assert "已提交至推荐渠道，等待初审" in page.get_by_test_id("status-explanation").inner_text()
    assert page.get_by_test_id("routed-to").inner_text().strip() == "已提交至京口区人力资源和社会保障局初审"
    shot(page, "10_submitted")
    app.refresh_from_db()
    assert (app.status, app.version) == (ApplicationStatus.SUBMITTED, 1)
    assert app.notice_version == PRIVACY_NOTICE_VERSION and app.notice_accepted_at is not None
    assert app.snapshots.get().notice_version == PRIVACY_NOTICE_VERSION
    assert_clean(page_log)  # no CSP violation, no script error, no 4xx/5xx on the way



def test_storage_failure_shows_the_message_next_to_the_slot(live_server, world, login_page, page_log, tmp_path,
                                                            settings, monkeypatch):
    """L9: the store refuses the write (disk full) → 507, and the slot shows why (evidence.js
    swaps the 507 card in); the page's other slots stay as they were."""
    import errno

    from django.core.files.storage import FileSystemStorage

    from tests.factories.studios import draft

    settings.MEDIA_ROOT = str(tmp_path / "media")
    open_filing(world.campaign)
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    page = login_page(world.users["unit"])
    page.goto(live_server.url + reverse("studios:application-step", kwargs={"pk": app.pk, "step": "evidence"}))
    photo = tmp_path / "职业资格证书.png"
    photo.write_bytes(image_bytes("PNG", size=(300, 200)))
    page.locator("#slot-id_qualification input[type=file]").set_input_files(str(photo))
    page.locator("#slot-id_qualification").locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("#slot-id_qualification >> text=职业资格证书.png")

    def disk_full(storage, name, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    good = tmp_path / "江苏省技术能手证书.pdf"
    good.write_bytes(pdf_bytes())
    page.locator("#slot-honour input[type=file]").set_input_files(str(good))
    page.locator("#slot-honour").locator("button[type=submit]", has_text="上传").click()
    page.wait_for_selector("#slot-honour .slot-error")
    assert "文件未能保存（服务器存储暂时不可用）" in page.locator("#slot-honour .slot-error").inner_text()
    assert page.locator("#slot-id_qualification").get_by_text("职业资格证书.png").is_visible()
    shot(page, "8_evidence_storage_failure")
    assert [a.slot for a in app.attachments.all()] == ["id_qualification"]
    upload_url = live_server.url + reverse("studios:attachment-upload", kwargs={"pk": app.pk})
    assert page_log.bad_responses == [(507, upload_url)]
    assert page_log.page_errors == []
    assert all("507" in text for text in page_log.console_errors), page_log.console_errors


def test_city_officer_grants_extension(live_server, world, login_page, page_log, tmp_path, settings):
    from tests.factories.studios import submitted

    settings.MEDIA_ROOT = str(tmp_path / "media")
    app = submitted(unit=world.unit_direct, campaign=world.campaign, actor=world.users["direct_unit"])
    page = login_page(world.users["city_officer"])
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + reverse("studios:application-detail", kwargs={"pk": app.pk}))
    assert page.get_by_test_id("routed-to").inner_text().strip() == "已提交至镇江市人力资源和社会保障局初审"
    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_until", until)
    page.fill("#id_ext_reason", "学校因实训楼改造，证明材料原件调取延误，经核实准予延期。")
    shot(page, "11_city_extension_form")
    page.get_by_role("button", name="准予延期").click()
    page.wait_for_load_state()
    assert page.get_by_text("已准予延期至").is_visible()
    shot(page, "12_city_extension_granted")
    app.refresh_from_db()
    assert app.extension_reason.startswith("学校因实训楼改造")
    assert_clean(page_log)


def test_unit_sees_return_reason_on_the_step(live_server, world, login_page, page_log, tmp_path, settings):
    from django.contrib.contenttypes.models import ContentType

    from portal.models import TransitionLog
    from tests.factories.studios import submitted

    settings.MEDIA_ROOT = str(tmp_path / "media")
    app = submitted(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.RETURNED)
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(Application), object_id=app.pk, action="return",
        from_status=ApplicationStatus.SUBMITTED, to_status=ApplicationStatus.RETURNED,
        actor=world.users["channel"], reason="请按各部分意见修改后重新提交。",
        data={"sections": {"lead": "行政职务与单位任职文件不一致，请核对后修改。"}})
    page = login_page(world.users["unit"])
    page.goto(live_server.url + reverse("studios:application-step", kwargs={"pk": app.pk, "step": "lead"}))
    assert "行政职务与单位任职文件不一致" in page.get_by_test_id("return-reason").inner_text()
    shot(page, "13_returned_step")
    page.goto(live_server.url + reverse("studios:application-detail", kwargs={"pk": app.pk}))
    assert "退回修改" in page.get_by_test_id("status-badge").inner_text()
    shot(page, "14_returned_detail")
    assert_clean(page_log)


def test_demo_showcase(live_server, demo_data, login_page, page_log):
    """The demo's complete application of 镇江华晟 as its unit sees it, and 京口区's view of it."""
    app = Application.objects.get(unit__name="镇江华晟精密机械有限公司")
    assert (app.status, app.members.count(), app.awards.count()) == (ApplicationStatus.SUBMITTED, 6, 7)
    page = login_page("danwei_huasheng")
    page.goto(live_server.url + reverse("portal:dashboard"))
    assert page.get_by_text("陈国喆精密机械加工技能大师工作室").is_visible()
    shot(page, "15_demo_dashboard")
    page.goto(live_server.url + reverse("studios:application-detail", kwargs={"pk": app.pk}))
    assert page.get_by_test_id("status-badge").inner_text() == "待初审"
    shot(page, "16_demo_detail")
    attachment = app.attachments.filter(content_type="image/png").first()
    response = page.request.get(live_server.url + reverse("studios:attachment-download",
                                                          kwargs={"pk": attachment.pk}))
    assert response.status == 200 and response.headers["x-content-type-options"] == "nosniff"
    page.context.clear_cookies()
    page = login_page("jingkou_rsj")
    page.goto(live_server.url + reverse("studios:application-list"))
    assert page.get_by_text(app.case_number).is_visible()
    assert "丹阳市云阳汽车零部件有限公司" not in page.content()  # another channel's case
    assert "丹阳市天工眼镜光学有限公司" not in page.content()  # a draft, and another channel's
    shot(page, "17_demo_channel_list")
    assert_clean(page_log)
