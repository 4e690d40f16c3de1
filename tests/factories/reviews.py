"""Builders for the channel pre-review tests: complete applications submitted to a channel.

(tests/factories/studios.py has `submitted` too; these add the realistic Annex 1 texts of
tests/studios/annex1_data.py, two members and two awards, so the read-only rendering and the
diff have something to show.)

Applications are built through the studios services (create, save, submit), so they carry a
real snapshot and history. Submission happens at a moment inside the campaign's filing window
(time-machine), so tests may run on any date. Each application gets its own lead ID number
(one open application per lead person per campaign).
"""

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import time_machine

from portal.validators import id_check_char
from studios.enums import EvidenceSlot
from studios.models import Application, ApplicationAward, ApplicationMember, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_create, application_save, application_submit
from tests.studios.annex1_data import (
    AWARDS,
    CONDITION_CLAIMS,
    LEAD_ACHIEVEMENTS,
    MEMBERS,
    REPORT_BASIC,
    REPORT_NECESSITY,
    REPORT_PLAN,
    REPORT_SUPPORT,
    UNIT_INTRODUCTION,
    UNIT_SUPPORT,
    WORK_PLAN,
)

_serial = count(1)
LEADS = ["王建军", "李秀英", "张志强", "刘海燕", "陈国华", "杨丽娟", "赵德明", "黄春梅"]


def lead_id(n: int) -> str:
    """A valid 18-digit ID (京口区 address code), distinct for each n, and born in 1975 so it
    never equals one of tests/factories/studios.py (born 1970)."""
    first17 = f"321102{19750301 + (n % 28):08d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def filing_moment(campaign):
    """A moment inside the filing window (one day before the filing deadline)."""
    return campaign.unit_filing_deadline - timedelta(days=1)


def review_moment(campaign):
    """A moment inside the channel review window (after filing closed, before review closes)."""
    return campaign.channel_review_deadline - timedelta(days=2)


def annex_fields(unit, n: int, **overrides) -> dict:
    lead = LEADS[n % len(LEADS)]
    fields = {
        "studio_name": f"{lead}技能大师工作室",
        "work_field": "数控铣削加工、精密零件检测",
        "lead_name": lead,
        "lead_gender": "M",
        "lead_ethnicity": "01",
        "lead_political_status": "01",
        "lead_employer": unit.name,
        "lead_phone": "13805290168",
        "studio_location": "镇江市京口区学府路68号数控加工车间二楼",
        "office_area": Decimal("260.00"),
        "lead_education": "31",
        "lead_work_start": date(1998, 7, 1),
        "lead_occupation": "数控铣工",
        "lead_admin_post": "数控加工车间主任",
        "lead_skill_level": "1",
        "lead_id_number": lead_id(n),
        "lead_address": "镇江市京口区学府路68号",
        "lead_postcode": "212001",
        "lead_honours": ["06", "08"],
        "lead_achievements": LEAD_ACHIEVEMENTS,
        "condition_claims": CONDITION_CLAIMS,
        "unit_introduction": UNIT_INTRODUCTION,
        "unit_support": UNIT_SUPPORT,
        "work_plan": WORK_PLAN,
        "report_basic_conditions": REPORT_BASIC,
        "report_necessity": REPORT_NECESSITY,
        "report_unit_support": REPORT_SUPPORT,
        "report_work_plan": REPORT_PLAN,
    }
    fields.update(overrides)
    return fields


def draft_application(*, unit, campaign, actor, **overrides) -> Application:
    """A complete draft (every field, two members, two awards, an honour certificate)."""
    n = next(_serial)
    with time_machine.travel(filing_moment(campaign), tick=True):
        app = application_create(unit=unit, campaign=campaign, actor=actor)
        app = application_save(application=app, lock_version=app.lock_version,
                               fields=annex_fields(unit, n, **overrides), actor=actor)
    for i in range(2):
        name, qualification, age, text = MEMBERS[i]
        ApplicationMember.objects.create(application=app, position=i, name=name, qualification=qualification,
                                         age=age, achievements=text)
        project, award_name, issuer, level, rank, year = AWARDS[i]
        ApplicationAward.objects.create(application=app, position=i, project=project, award_name=award_name,
                                        issuer=issuer, level=level, rank=rank, year=year)
    Attachment.objects.create(application=app, slot=EvidenceSlot.HONOUR, file=f"applications/{app.pk}/test",
                              original_name=f"江苏省技术能手证书（{app.lead_name}）.pdf",
                              content_type="application/pdf", size=2048, sha256="0" * 64, uploaded_by=actor)
    return app


def submitted_application(*, unit, campaign, actor, **overrides) -> Application:
    """A complete application submitted to the unit's channel (version 1, status 待初审)."""
    app = draft_application(unit=unit, campaign=campaign, actor=actor, **overrides)
    with time_machine.travel(filing_moment(campaign), tick=True):
        return application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)


def resubmit(*, application: Application, actor, fields: dict) -> Application:
    """The unit's side after a return: edit some fields, then submit again (at the current time,
    which must be before the channel review deadline)."""
    app = application_save(application=application, lock_version=application.lock_version, fields=fields,
                           actor=actor)
    return application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)


def open_review_window(campaign, *, now=None):
    """Move the campaign's deadlines around `now` (for tests that cannot travel in time, such as
    browser tests against a live server): filing closes in an hour, channel review in ten days."""
    from django.utils import timezone

    now = now or timezone.now()
    campaign.unit_filing_deadline = now + timedelta(hours=1)
    campaign.channel_review_deadline = now + timedelta(days=10)
    campaign.expert_review_deadline = now + timedelta(days=40)
    campaign.city_decision_deadline = now + timedelta(days=90)
    campaign.save()
    return campaign
