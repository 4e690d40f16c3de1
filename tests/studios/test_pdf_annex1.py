"""Annex 1 (申报表) PDF: every typed character survives (rare name characters included), the form's
pages are laid out and stamped, the content hash matches the submitted snapshot, and only the unit,
its channel and the city can download it."""

import io
import re
import shutil
import subprocess
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from portal.enums import AuditAction
from portal.models import AuditEvent
from studios.enums import ApplicationKind, ApplicationStatus
from studios.models import Application, Studio
from studios.pdf import STAMP_HASH_LENGTH, annex1_context, annex1_pdf, chinese_date, paragraphs
from studios.services import (
    application_create,
    application_save,
    content_hash,
    snapshot_data,
)
from tests.helpers import login
from tests.studios.annex1_data import (
    LEAD_NAME,
    RARE,
    add_attachment,
    build_full_application,
    lead_id_number,
    typed_strings,
)
from tests.studios.annex1_data import submit as submit_in_window

# The footer stamp and page counter that portal.pdf.render_pdf adds to every page.
FOOTER = re.compile(r"案号：\S*\s*版本：\S*\s*内容校验：[0-9a-f]*\s*第\s*\d+\s*页\s*/\s*共\s*\d+\s*页")


def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of each page in drawing order (pypdf): cell by cell, row by row, so a label cell
    never lands inside the paragraph beside it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    """Drop all whitespace: long texts wrap at different places in the PDF."""
    return re.sub(r"\s+", "", text)


def body_text(pdf: bytes) -> str:
    """All pages without their footers (a paragraph that runs over a page break reads on)."""
    return squash("".join(FOOTER.sub("", page) for page in pdf_pages_text(pdf)))


def page_images(pdf: bytes, tmp_path) -> list:
    path = tmp_path / "annex1.pdf"
    path.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: install poppler-utils (bin/test does)"
    subprocess.run([pdftoppm, "-r", "70", "-png", str(path), str(tmp_path / "page")],  # noqa: S603
                   check=True, timeout=120)
    return sorted(tmp_path.glob("page-*.png"))


def submit(app: Application, world) -> Application:
    return submit_in_window(app, world.users["unit"])


@pytest.fixture
def full_app(world):
    app = build_full_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"],
                                 evidence=True)
    add_attachment(app, world.users["unit"], name="发明专利证书<一种薄壁件防变形夹具>&附图.pdf")
    return Application.objects.get(pk=app.pk)


# ------------------------------------------------------------------------ content --


def test_every_typed_string_appears_in_the_pdf(full_app):
    pdf = annex1_pdf(full_app, full_personal_info=True).content
    text = body_text(pdf)
    missing = [s for s in typed_strings(full_app) if squash(s) not in text]
    assert not missing, f"not in the PDF: {missing}"
    for char in RARE:
        assert char in text
    # Labels of the coded fields (reference lists) and the full ID / phone for an allowed reader.
    for label in ("男", "汉族", "中共党员", "大专", "首席技师", "1998年7月", "260平方米", "江苏省技术能手",
                  "镇江工匠", "技术攻关", "授艺带徒", lead_id_number(), "13805290168"):
        assert squash(label) in text, label


def test_rare_characters_in_every_kind_of_field(world):
    """Names and texts made of characters outside GB2312 (Ext-A 䶮, Ext-B 𠮷) and markup-like input."""
    actor = world.users["unit"]
    app = application_create(unit=world.unit_a, campaign=world.campaign, actor=actor)
    app = application_save(application=app, lock_version=app.lock_version, actor=actor, fields={
        "studio_name": "𠮷䶮堃喆技能大师工作室",
        "lead_name": "𠮷䶮",
        "lead_employer": "镇江喆堃<有限>公司 & 子公司",
        "lead_achievements": "首段含罕见字堃喆䶮𠮷。\n第二段：<img src=\"file:///etc/passwd\"> 原样显示。",
        "unit_introduction": "𠮷" * 40,
        "work_plan": "䶮" * 3 + "计划",
    })
    app.members.create(name="喆䶮", qualification="技师𠮷", age=33, achievements="业绩堃")
    app.awards.create(project="项目䶮", award_name="𠮷祥奖", issuer="堃喆协会", level="一等", rank="1", year=2024)
    pdf = annex1_pdf(app).content
    text = body_text(pdf)
    missing = [s for s in typed_strings(app) if squash(s) not in text]
    assert not missing, f"not in the PDF: {missing}"


def test_personal_identifiers_masked_unless_allowed(full_app):
    full_id = lead_id_number()
    masked = annex1_pdf(full_app, full_personal_info=False).content
    text = body_text(masked)
    assert full_id not in text and "13805290168" not in text
    assert f"{full_id[:3]}{'*' * 11}{full_id[-4:]}" in text
    assert "138****0168" in text


def test_lead_change_fills_the_change_row(world):
    studio = Studio.objects.create(name="华晟数控技能大师工作室", unit=world.unit_a, work_field="数控加工",
                                   lead_name="张国䶮", accredited_year=2015)
    app = build_full_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"],
                                 kind=ApplicationKind.LEAD_CHANGE, studio=studio, members=2, awards=2)
    context = annex1_context(app)
    assert context["change"]["previous"] == "张国䶮（已退休）"
    assert [r["checked"] for r in context["change"]["reasons"]] == [True, False, False]
    text = body_text(annex1_pdf(app).content)
    assert "张国䶮（已退休）" in text and "领衔人变更认定" in text and "√" in text


# --------------------------------------------------------------------- layout --


def test_full_application_pages_look_like_a_form(full_app, tmp_path):
    pdf = annex1_pdf(full_app, full_personal_info=True).content
    assert pdf.startswith(b"%PDF-") and len(pdf) < 1_000_000
    images = page_images(pdf, tmp_path)
    assert len(images) >= 3
    for image_path in images:
        with Image.open(image_path) as image:
            gray = image.convert("L")
            dark = sum(gray.histogram()[:128])
        assert dark > 500, f"{image_path.name} looks blank ({dark} dark pixels)"
    pages = pdf_pages_text(pdf)
    assert len(pages) == len(images)
    first = squash(pages[0])
    for text in ("镇江市技能大师工作室", "申报表", "申报单位", "工作室名称", "工作室工作领域",
                 "镇江市人力资源和社会保障局制"):
        assert squash(text) in first, text
    whole = squash("".join(pages))
    for label in ("领衔人（创办人）", "领衔人变更", "原领衔人或原单位名称", "变更原因", "技能大师工作室其他成员",
                  "领办或创办人主要工作业绩", "领办或创办人主要获奖情况", "技能大师所在单位简介",
                  "获奖项目", "奖励名称", "授予单位", "排名", "年度", "突出业绩",
                  "申报单位意见", "（盖章）", "专家组长签字", "市人力资源和社会保障局审批意见", "申办报告"):
        assert squash(label) in whole, label
    assert whole.count(squash("（盖章）")) == 3
    assert whole.count("二〇") >= 5  # cover + four opinion boxes


def test_members_table_header_repeats_when_it_runs_over_a_page(world):
    app = build_full_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"],
                                 members=24, awards=30)
    pages = [squash(page) for page in pdf_pages_text(annex1_pdf(app).content)]
    with_member_header = [i for i, p in enumerate(pages) if "职业资格年龄突出业绩" in p]
    with_award_header = [i for i, p in enumerate(pages) if "获奖项目奖励名称授予单位等级排名年度" in p]
    assert len(with_member_header) >= 2
    assert len(with_award_header) >= 2


def test_a_member_text_longer_than_a_page_flows_under_repeated_headers(world):
    app = application_create(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    app.members.create(name="喆䶮", achievements="".join(f"第{i}项业绩需要跨页显示。" for i in range(300)))
    pdf = annex1_pdf(app).content
    pages = [squash(FOOTER.sub("", page)) for page in pdf_pages_text(pdf)]
    assert sum("职业资格年龄突出业绩" in p for p in pages) >= 3
    text = "".join(pages)
    assert all(f"第{i}项业绩" in text for i in range(300))


def test_empty_draft_renders_the_blank_form(world):
    app = application_create(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    context = annex1_context(app)
    assert len(context["member_blank_rows"]) == 4 and len(context["award_blank_rows"]) == 5
    pdf = annex1_pdf(app).content
    assert len(pdf_pages_text(pdf)) >= 3


def test_every_page_carries_case_number_version_and_hash(full_app):
    result = annex1_pdf(full_app)
    assert result.version == "草稿"
    assert result.content_hash == content_hash(snapshot_data(full_app))
    for page in pdf_pages_text(result.content):
        flat = squash(page)
        assert full_app.case_number in flat
        assert "版本：草稿" in flat
        assert result.content_hash[:STAMP_HASH_LENGTH] in flat


def test_submitted_case_prints_the_snapshot_hash(full_app, world):
    app = submit(full_app, world)
    snapshot = app.snapshots.get(version=1)
    result = annex1_pdf(Application.objects.get(pk=app.pk))
    assert result.version == "1"
    assert result.content_hash == snapshot.content_hash
    assert snapshot.content_hash[:STAMP_HASH_LENGTH] in squash(pdf_pages_text(result.content)[0])
    day = chinese_date(timezone.localtime(app.submitted_at).date())
    assert f"二〇{day['year']}年{day['month']}月{day['day']}日" in squash(pdf_pages_text(result.content)[0])

    # Returned and edited: the printed hash is the edited content's, the version says so.
    Application.objects.filter(pk=app.pk).update(status=ApplicationStatus.RETURNED)
    app = Application.objects.get(pk=app.pk)
    app = application_save(application=app, lock_version=app.lock_version, actor=world.users["unit"],
                           fields={"work_plan": "修改后的工作计划。"})
    edited = annex1_pdf(app)
    assert edited.version == "1（修改稿）"
    assert edited.content_hash == content_hash(snapshot_data(app)) != snapshot.content_hash


def test_helpers():
    assert chinese_date(None) == {"year": "", "month": "", "day": ""}
    from datetime import date

    assert chinese_date(date(2026, 11, 24))["full_year"] == "二〇二六"
    assert chinese_date(date(2026, 10, 1)) == {"year": "二六", "month": "十", "day": "一", "full_year": "二〇二六"}
    assert chinese_date(date(2026, 12, 31))["day"] == "三十一"
    assert paragraphs(" 一 \n\n 二\r\n") == ["一", "二"]


# ------------------------------------------------------------------------ view --


def pdf_url(app) -> str:
    return reverse("studios:application-pdf", kwargs={"pk": app.pk})


def audit_count(app, action) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(app.pk)).count()


def test_unit_downloads_its_draft_as_attachment(client, world, full_app):
    login(client, world.users["unit"])
    response = client.get(pdf_url(full_app))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    expected = quote(f"{full_app.case_number}-申报表.pdf", safe="")
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{expected}" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert LEAD_NAME in body_text(response.content)
    assert lead_id_number() in body_text(response.content)
    assert audit_count(full_app, AuditAction.DOWNLOAD) == 1
    assert audit_count(full_app, AuditAction.REVEAL) == 1
    event = AuditEvent.objects.get(action=AuditAction.DOWNLOAD, object_id=str(full_app.pk))
    assert event.actor_id == world.users["unit"].pk
    assert event.detail["case_number"] == full_app.case_number


@pytest.mark.parametrize("persona", ["channel", "city_officer", "city_approver"])
def test_channel_and_city_download_a_submitted_case(client, world, full_app, persona):
    app = submit(full_app, world)
    login(client, world.users[persona])
    response = client.get(pdf_url(app))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert audit_count(app, AuditAction.DOWNLOAD) == 1


def test_auditor_gets_masked_identifiers_and_no_reveal_row(client, world, full_app):
    app = submit(full_app, world)
    login(client, world.users["auditor"])
    response = client.get(pdf_url(app))
    assert response.status_code == 200
    assert lead_id_number() not in body_text(response.content)
    assert audit_count(app, AuditAction.DOWNLOAD) == 1
    assert audit_count(app, AuditAction.REVEAL) == 0


@pytest.mark.parametrize("persona", ["other_unit", "other_channel", "expert", "sysadmin"])
def test_other_unit_channel_and_strangers_get_404(client, world, full_app, persona):
    app = submit(full_app, world)
    login(client, world.users[persona])
    assert client.get(pdf_url(app)).status_code == 404
    assert audit_count(app, AuditAction.DOWNLOAD) == 0


@pytest.mark.parametrize("persona", ["channel", "city_officer"])
def test_drafts_are_only_the_units(client, world, full_app, persona):
    login(client, world.users[persona])
    assert client.get(pdf_url(full_app)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, full_app):
    response = client.get(pdf_url(full_app))
    assert response.status_code == 302
    assert "next=" in response["Location"]
