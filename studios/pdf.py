"""Annex 1 (镇江市技能大师工作室申报表) as a PDF, laid out like the official form.

`annex1_pdf(application)` builds the template context from the application (cover, the
bordered grid, members, awards, the narrative sections, the four opinion boxes left blank for
handwriting and seals, and the 申办报告 with the eligibility claims that the grid has no place
for) and renders it through `portal.pdf.render_pdf`, which stamps every page with the case
number, the version and the content hash.

The content hash is `content_hash(snapshot_data(application))`: the same canonical JSON the
submission snapshot freezes, so the hash printed on a submitted, unchanged case equals
`ApplicationSnapshot.content_hash` of that version and a stamped paper copy can be matched to it.

Personal identifiers: the ID number and phone are printed in full only when the caller says the
reader may see them (`full_personal_info`, i.e. `studios.reveal_lead_id`); otherwise masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from portal import crypto
from portal.reference import label
from studios.enums import EDITABLE_STATUSES, ApplicationKind, ChangeReason, EvidenceSlot
from studios.models import Application
from studios.services import content_hash, snapshot_data

ANNEX1_TEMPLATE = "pdf/annex1.html"

# Rows printed in the members / awards tables even when fewer were entered, so the printed form
# keeps the official grid's shape (the official blank form has 4 member rows and 5 award rows).
MIN_MEMBER_ROWS = 4
MIN_AWARD_ROWS = 5

# A member row whose 突出业绩 is longer than this (characters) may break across pages; shorter
# rows never split (a row taller than a page cannot stay whole).
LONG_MEMBER_TEXT = 600

# Hex digits of the content hash printed in the footer (portal.pdf.HASH_LENGTH).
STAMP_HASH_LENGTH = 12

_CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Annex1Pdf:
    content: bytes
    filename: str
    case_number: str
    version: str
    content_hash: str
    full_personal_info: bool


def chinese_year(year: int) -> str:
    """2026 → 二〇二六 (digit by digit, as dates are written on official forms)."""
    return "".join(_CN_DIGITS[int(d)] for d in str(year))


def chinese_number(n: int) -> str:
    """1..31 → 一 … 十一 … 二十 … 三十一 (months and days)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def chinese_date(value) -> dict:
    """A date as the parts of "二〇二六年十一月二十四日" (empty parts when there is no date)."""
    if value is None:
        return {"year": "", "month": "", "day": ""}
    return {"year": chinese_year(value.year)[2:], "month": chinese_number(value.month),
            "day": chinese_number(value.day), "full_year": chinese_year(value.year)}


def paragraphs(text: str | None) -> list[str]:
    """Split a typed text into paragraphs (one per non-empty line), whitespace trimmed."""
    if not text:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _area(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return f"{text}平方米"


def _year_month(value) -> str:
    return f"{value.year}年{value.month}月" if value else ""


def _stamp_info(application: Application, data: dict) -> tuple[str, str]:
    """(version label, content hash) for the footer stamp.

    Submitted and unchanged since the last snapshot → that snapshot's version and hash. A draft
    never submitted → "草稿". Changed since the last submission (a returned case being edited) →
    "N（修改稿）" with the hash of what is printed.
    """
    digest = content_hash(data)
    if not application.version:
        return "草稿", digest
    latest = application.snapshots.filter(version=application.version).first()
    if latest is not None and (latest.content_hash == digest or latest.data == data):
        return str(application.version), latest.content_hash
    if application.status in EDITABLE_STATUSES:
        return f"{application.version}（修改稿）", digest
    return str(application.version), digest


def annex1_context(application: Application, *, full_personal_info: bool = False) -> dict:
    """Everything templates/pdf/annex1.html prints, as plain strings and lists."""
    app = application
    data = snapshot_data(app)
    version, digest = _stamp_info(app, data)

    if full_personal_info:
        id_number, phone = app.lead_id_number or "", app.lead_phone or ""
    else:
        id_number, phone = crypto.mask_id_number(app.lead_id_number), crypto.mask_phone(app.lead_phone)

    members = [
        {"name": m.name, "qualification": m.qualification, "age": "" if m.age is None else str(m.age),
         "achievements": paragraphs(m.achievements), "long": len(m.achievements or "") > LONG_MEMBER_TEXT}
        for m in app.members.all()
    ]
    awards = [
        {"project": a.project, "award_name": a.award_name, "issuer": a.issuer, "level": a.level,
         "rank": a.rank, "year": "" if a.year is None else str(a.year)}
        for a in app.awards.all()
    ]

    is_change = app.kind == ApplicationKind.LEAD_CHANGE
    reasons = [
        {"label": choice.label, "checked": is_change and app.change_reason == choice.value}
        for choice in ChangeReason
    ]

    claims = app.condition_claims or {}
    conditions = [
        {"code": code, "label": label("application_condition", code, short=False),
         "paragraphs": paragraphs(claims.get(code))}
        for code in sorted(claims, key=lambda c: (len(c), c))
        if (claims.get(code) or "").strip()
    ]
    honours = [label("lead_honour", code, short=False) for code in (app.lead_honours or [])]

    slot_labels = dict(EvidenceSlot.choices)
    attachments = [{"slot": str(slot_labels.get(a.slot, a.slot)), "name": a.original_name}
                   for a in app.attachments.all()]

    submitted_on = timezone.localtime(app.submitted_at).date() if app.submitted_at else None

    narrative = [
        {"key": "lead_achievements", "label": "领办或创办人\n主要工作业绩", "hint": "（可另附页详细阐述）",
         "paragraphs": paragraphs(app.lead_achievements)},
    ]
    sections = [
        {"key": "unit_introduction", "label": "技能大师\n所在单位简介",
         "hint": "（包括生产、科研以及高技能人才队伍情况）", "paragraphs": paragraphs(app.unit_introduction)},
        {"key": "unit_support", "label": "所在单位\n对技能大师\n工作室\n支持措施", "hint": "（可另附页详细阐述）",
         "paragraphs": paragraphs(app.unit_support)},
        {"key": "work_plan", "label": "技能大师\n工作室今后\n工作开展计划", "hint": "（可另附页详细阐述）",
         "paragraphs": paragraphs(app.work_plan)},
    ]
    report = [
        {"number": "一", "title": "申报工作室名称", "paragraphs": paragraphs(app.studio_name)},
        {"number": "二", "title": "工作室基本条件", "paragraphs": paragraphs(app.report_basic_conditions),
         "honours": honours, "conditions": conditions},
        {"number": "三", "title": "工作室成立的必要性和可行性", "paragraphs": paragraphs(app.report_necessity)},
        {"number": "四", "title": "所在单位对工作室的支持措施", "paragraphs": paragraphs(app.report_unit_support)},
        {"number": "五", "title": "工作室成立后的工作开展计划", "paragraphs": paragraphs(app.report_work_plan)},
    ]

    return {
        "pdf_title": f"镇江市技能大师工作室申报表（{app.case_number}）",
        "case_number": app.case_number,
        "version": version,
        "content_hash": digest,
        "kind_label": app.get_kind_display(),
        "is_lead_change": is_change,
        "cover": {
            "unit": app.unit.name,
            "studio_name": app.studio_name,
            "work_field": app.work_field,
            "date": chinese_date(submitted_on),
        },
        "lead": {
            "name": app.lead_name,
            "gender": label("gender", app.lead_gender),
            "ethnicity": label("ethnic_group", app.lead_ethnicity),
            "political_status": label("political_status", app.lead_political_status),
            "employer": app.lead_employer,
            "phone": phone,
            "location": app.studio_location,
            "office_area": _area(app.office_area),
            "education": label("education", app.lead_education),
            "work_start": _year_month(app.lead_work_start),
            "occupation": app.lead_occupation,
            "admin_post": app.lead_admin_post,
            "skill_level": label("skill_level", app.lead_skill_level),
            "id_number": id_number,
            "address": app.lead_address,
            "postcode": app.lead_postcode,
        },
        "change": {
            "previous": app.previous_lead if is_change else "",
            "reasons": reasons,
            "other": app.change_reason_other if is_change and app.change_reason == ChangeReason.OTHER else "",
        },
        "members": members,
        "member_blank_rows": range(max(MIN_MEMBER_ROWS - len(members), 0)),
        "awards": awards,
        "award_blank_rows": range(max(MIN_AWARD_ROWS - len(awards), 0)),
        "narrative": narrative,
        "sections": sections,
        "report": report,
        "attachments": attachments,
    }


def annex1_stamp(context: dict) -> dict:
    """The footer stamp: the printed hash is the first STAMP_HASH_LENGTH hex digits of the
    snapshot hash (enough to match a scan to its version; the full hash does not fit the footer)."""
    return {"case_number": context["case_number"], "version": context["version"],
            "content_hash": context["content_hash"][:STAMP_HASH_LENGTH]}


def annex1_filename(application: Application) -> str:
    return f"{application.case_number}-申报表.pdf"


def annex1_pdf(application: Application, *, full_personal_info: bool = False) -> Annex1Pdf:
    """Render Annex 1 of `application` (members, awards and attachments are read fresh)."""
    from portal.pdf import render_pdf

    context = annex1_context(application, full_personal_info=full_personal_info)
    stamp = annex1_stamp(context)
    content = render_pdf(ANNEX1_TEMPLATE, context, stamp=stamp)
    return Annex1Pdf(content=content, filename=annex1_filename(application), case_number=application.case_number,
                     version=context["version"], content_hash=context["content_hash"],
                     full_personal_info=full_personal_info)
