"""Factories of the studios app. Applications are built through the services (create, save,
submit), so they carry case numbers, lock versions and snapshots like real ones.

`filing_open(campaign)` / `after_filing(campaign)` are moments inside and after the filing window
of a campaign, for time_machine.
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import factory
import pikepdf
import time_machine
from factory.django import DjangoModelFactory
from PIL import Image

from portal.validators import id_check_char
from studios.enums import EvidenceSlot, StudioStatus
from studios.models import Application, ApplicationAward, ApplicationMember, Studio
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_create, application_save, application_submit, attachment_add

_serial = count(1)
LEADS = ["陈国喆", "李秀英", "张志强", "刘海燕", "王建军", "杨丽娟", "赵德明", "黄春梅"]


def filing_open(campaign):
    return campaign.unit_filing_deadline - timedelta(days=2)


def after_filing(campaign):
    return campaign.unit_filing_deadline + timedelta(days=1)


def lead_id(n: int, *, birth: str | None = None) -> str:
    first17 = "321102" + (birth or f"{19700101 + (n % 28):08d}") + f"{(n * 7) % 1000:03d}"
    return first17 + id_check_char(first17)


def complete_fields(unit, n: int | None = None, **overrides) -> dict:
    n = next(_serial) if n is None else n
    lead = LEADS[n % len(LEADS)]
    fields = {
        "studio_name": f"{lead}技能大师工作室",
        "work_field": "精密机械加工",
        "lead_name": lead,
        "lead_gender": "M",
        "lead_ethnicity": "01",
        "lead_political_status": "01",
        "lead_employer": unit.name,
        "lead_phone": "13805290168",
        "studio_location": "镇江市京口区学府路68号二号厂房三楼",
        "office_area": Decimal("180.00"),
        "lead_education": "31",
        "lead_work_start": date(1996, 7, 1),
        "lead_occupation": "数控车工",
        "lead_admin_post": "车间主任",
        "lead_skill_level": "1",
        "lead_id_number": lead_id(n),
        "lead_address": "镇江市京口区学府路68号",
        "lead_postcode": "212001",
        "lead_honours": ["08"],
        "lead_achievements": "主持完成技术攻关项目12项，累计创造经济效益800余万元。",
        "condition_claims": {"2": "攻克大型薄壁件加工变形难题，生产效率提高40%。"},
        "unit_introduction": "公司成立于2003年，现有职工620人，其中高技能人才185人。",
        "unit_support": "提供独立场地180平方米，年度专项经费不少于20万元。",
        "work_plan": "三年内培养技师以上高技能人才10名，完成技术攻关项目8项。",
        "report_basic_conditions": "工作室现有成员6名，配备五轴加工中心等设备。",
        "report_necessity": "企业转型升级急需高技能人才，工作室具备成立条件。",
        "report_unit_support": "公司在场地、经费、制度方面给予全力支持。",
        "report_work_plan": "每年开展技术攻关不少于3项，带徒不少于10名。",
    }
    fields.update(overrides)
    return fields


def draft(*, unit, campaign, actor, complete: bool = False, evidence: bool = True, **overrides) -> Application:
    """A draft; `complete=True` fills every field, adds a member, an award and (with `evidence`)
    an honour certificate, so it can be submitted."""
    with time_machine.travel(filing_open(campaign), tick=True):
        app = application_create(unit=unit, campaign=campaign, actor=actor)
        if complete:
            app = application_save(application=app, lock_version=app.lock_version,
                                   fields=complete_fields(unit, **overrides), actor=actor)
            ApplicationMember.objects.create(application=app, position=0, name="李明", qualification="技师", age=35,
                                             achievements="参与攻关项目5项。")
            ApplicationAward.objects.create(application=app, position=0, project="数控车工",
                                            award_name="镇江市技术能手", issuer="镇江市人力资源和社会保障局",
                                            level="市级", rank="1", year=2019)
            if evidence:
                attachment_add(application=app, slot=EvidenceSlot.HONOUR, upload=checked_pdf(), actor=actor)
        elif overrides:
            app = application_save(application=app, lock_version=app.lock_version, fields=overrides, actor=actor)
    app.refresh_from_db()
    return app


def submitted(*, unit, campaign, actor, **overrides) -> Application:
    app = draft(unit=unit, campaign=campaign, actor=actor, complete=True, **overrides)
    with time_machine.travel(filing_open(campaign), tick=True):
        return application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)


class StudioFactory(DjangoModelFactory):
    class Meta:
        model = Studio

    name = factory.Sequence(lambda n: f"测试技能大师工作室{n}")
    work_field = "电气设备安装"
    lead_name = "张国平"
    accredited_year = 2019
    status = StudioStatus.ACTIVE


# --- Small valid files --------------------------------------------------------------------

def pdf_bytes(*, javascript: bool = False, open_action: bool = False, embedded: bool = False,
              encrypted: bool = False, title: str = "") -> bytes:
    """A one-page PDF; a `title` makes its content (and digest) distinct."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if title:
        pdf.docinfo["/Title"] = title
    if javascript:
        js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("x"), js])))
    if open_action:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("http://example.cn"))
    if embedded:
        pdf.attachments["a.txt"] = pikepdf.AttachedFileSpec(pdf, b"hello", filename="a.txt")
    out = io.BytesIO()
    if encrypted:
        pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    else:
        pdf.save(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", *, size=(40, 30), gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (32.0, 12.0, 0.0), 3: "E", 4: (119.0, 27.0, 0.0)}  # GPSInfo
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def checked_pdf(name: str = "镇江市技术能手证书.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.uploads import check_upload

    return check_upload(SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf"))
