"""URL policy of the studios app (the unit's Annex 1 pages, evidence files, the PDF).

The world's campaign is moved so that filing is open now. `draft` is an empty draft of unit_a
(visible to its unit only), `complete` a complete draft of unit_a, `submitted` a submitted case
of unit_a (visible to its unit, 京口区, the city and the auditor) with an evidence file.
"""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import Campaign
from studios.models import Application, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from tests.factories.studios import draft, pdf_bytes, submitted
from tests.policy import Route

UNIT = {"unit"}
# Who sees a submitted case of unit_a, and who gets 404 for it.
SEES_SUBMITTED = {"unit", "channel", "city_officer", "city_approver", "auditor"}
OUTSIDE_SUBMITTED = {"other_unit", "other_channel", "expert", "unassigned_expert", "sysadmin", "secadmin"}
# A draft is its unit's alone.
OUTSIDE_DRAFT = OUTSIDE_SUBMITTED | {"channel", "city_officer", "city_approver", "auditor"}
LISTS = {"unit", "other_unit", "channel", "other_channel", "city_officer", "city_approver", "auditor"}


def extend_world(w):
    if "draft" in w.extra:
        return
    now = timezone.now()
    Campaign.objects.filter(pk=w.campaign.pk).update(
        unit_filing_deadline=now + timedelta(days=10), channel_review_deadline=now + timedelta(days=20),
        expert_review_deadline=now + timedelta(days=30), city_decision_deadline=now + timedelta(days=40),
        evaluation_filing_deadline=now + timedelta(days=20))
    w.campaign.refresh_from_db()
    actor = w.users["unit"]
    sub = submitted(unit=w.unit_a, campaign=w.campaign, actor=actor)
    blank = draft(unit=w.unit_a, campaign=w.campaign, actor=actor)
    # An ASCII stand-in file (the policy checker reads bodies as text), with its real digest: the
    # download view refuses a file that does not match (security.md #21).
    placeholder = b"%PDF-1.4 placeholder"
    digest = hashlib.sha256(placeholder).hexdigest()
    evidence = Attachment(application=blank, slot="honour", original_name="草稿中的证书.pdf",
                          content_type="application/pdf", size=20, sha256=digest, uploaded_by=actor)
    evidence.file.save("x.pdf", ContentFile(placeholder), save=True)
    shown = Attachment(application=sub, slot="other", original_name="已提交的材料.pdf",
                       content_type="application/pdf", size=20, sha256=digest, uploaded_by=actor)
    shown.file.save("y.pdf", ContentFile(placeholder), save=True)
    w.add(draft=blank, submitted=sub, evidence=evidence, shown_evidence=shown)


def _complete(w):
    w.add(complete=draft(unit=w.unit_a, campaign=w.campaign, actor=w.users["unit"], complete=True))


def _status(pk):
    return lambda w: Application.objects.get(pk=pk(w)).status


def step(w, app, key):
    return reverse("studios:application-step", kwargs={"pk": app.pk, "step": key})


def detail(app):
    return reverse("studios:application-detail", kwargs={"pk": app.pk})


def list_shows(w, persona):
    if persona == "unit":
        return [w.draft.case_number, w.submitted.case_number]
    if persona in {"channel", "city_officer", "city_approver", "auditor"}:
        return [w.submitted.case_number]
    return []


def list_hides(w, persona):
    if persona in {"other_unit", "other_channel"}:
        return [w.draft.case_number, w.submitted.case_number]
    if persona == "unit":
        return []
    return [w.draft.case_number]


POLICY = {
    "studios:application-list": Route(allow=LISTS, shows=list_shows, hides=list_hides),
    "studios:application-create": Route(
        allow={"unit", "other_unit"}, methods=("GET", "POST"), data={"kind": "new"},
        snapshot=lambda w: Application.objects.count(),
        redirect=lambda w: step(w, Application.objects.latest("id"), "cover"),
        shows=lambda w, p: ["新建申报", "开始填写申报表"],
    ),
    "studios:application-detail": Route(
        allow=SEES_SUBMITTED, hidden=OUTSIDE_SUBMITTED, kwargs=lambda w: {"pk": w.submitted.pk},
        shows=lambda w, p: [w.submitted.case_number, "待初审", "已提交至京口区人力资源和社会保障局初审"],
    ),
    "studios:application-pdf": Route(
        allow=SEES_SUBMITTED, hidden=OUTSIDE_SUBMITTED, kwargs=lambda w: {"pk": w.submitted.pk},
        content_type="application/pdf",
    ),
    "studios:application-step": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("GET", "POST"),
        kwargs=lambda w: {"pk": w.draft.pk, "step": "cover"},
        data=lambda w: {"lock_version": w.draft.lock_version, "studio_name": "政策测试工作室"},
        snapshot=lambda w: Application.objects.get(pk=w.draft.pk).studio_name,
        redirect=lambda w: step(w, w.draft, "cover"),
        shows=lambda w, p: ["工作室名称", w.unit_a.name],
    ),
    "studios:application-autosave": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("POST",), post_status=200,
        kwargs=lambda w: {"pk": w.draft.pk, "step": "cover"},
        data=lambda w: {"lock_version": w.draft.lock_version, "work_field": "数控加工"},
        snapshot=lambda w: Application.objects.get(pk=w.draft.pk).work_field,
    ),
    "studios:application-row-add": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, kwargs=lambda w: {"pk": w.draft.pk, "relation": "members"},
        query="members-TOTAL_FORMS=2", shows=lambda w, p: ['name="members-2-name"'],
    ),
    "studios:application-submit": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("POST",), setup=_complete,
        kwargs=lambda w: {"pk": w.complete.pk},
        data={"notice_accepted": "on", "notice_version": PRIVACY_NOTICE_VERSION},
        snapshot=_status(lambda w: w.complete.pk), redirect=lambda w: detail(w.complete),
    ),
    "studios:application-withdraw": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("POST",), kwargs=lambda w: {"pk": w.draft.pk},
        data={"reason": "领衔人调离本单位，本年度不再申报。"},
        snapshot=_status(lambda w: w.draft.pk), redirect=lambda w: detail(w.draft),
    ),
    "studios:application-extend": Route(
        allow={"city_officer"}, hidden=OUTSIDE_SUBMITTED, methods=("POST",),
        kwargs=lambda w: {"pk": w.submitted.pk},
        data=lambda w: {"until": (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
                        "reason": "单位所在园区停电，经核实准予延期。"},
        snapshot=lambda w: Application.objects.get(pk=w.submitted.pk).extension_reason,
        redirect=lambda w: detail(w.submitted),
    ),
    "studios:attachment-upload": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("POST",), kwargs=lambda w: {"pk": w.draft.pk},
        data=lambda w: {"slot": "honour", "file": SimpleUploadedFile("证书.pdf", pdf_bytes())},
        snapshot=lambda w: Attachment.objects.filter(application=w.draft).count(),
        redirect=lambda w: step(w, w.draft, "evidence"),
    ),
    "studios:attachment-download": Route(
        allow=SEES_SUBMITTED, hidden=OUTSIDE_SUBMITTED, kwargs=lambda w: {"pk": w.shown_evidence.pk},
        content_type="application/pdf",
    ),
    "studios:attachment-delete": Route(
        allow=UNIT, hidden=OUTSIDE_DRAFT, methods=("POST",), kwargs=lambda w: {"pk": w.evidence.pk},
        snapshot=lambda w: Attachment.objects.filter(pk=w.evidence.pk).exists(),
        redirect=lambda w: step(w, w.draft, "evidence"),
    ),
}
