"""Writes on applications. Every status change goes through `application_transition`.

Contracts:
- `application_create` assigns a case number and routes the case to the unit's channel.
- `application_save` saves form fields with optimistic locking: it succeeds only when the caller's
  `lock_version` is current, so two tabs cannot silently overwrite each other.
- `application_submit` re-validates the whole form (`application_problems`), freezes a snapshot,
  bumps `version` and moves DRAFT/RETURNED → SUBMITTED inside one locked transaction; a second
  submit of the same version is refused as wrong-state, so double clicks make one submission.
- Deadlines: units file until campaign.unit_filing_deadline (or the case's extension); channels
  act until campaign.channel_review_deadline.
- Privacy notice: `application_submit` requires the `notice_version` the unit ticked to be the
  current `studios.notice.PRIVACY_NOTICE_VERSION`; it is stored on the case and its snapshot.
- Integrity (security.md #21): snapshots carry a SHA-256 `content_hash` and an HMAC `seal`
  (`snapshot_verify`); attachments carry the SHA-256 taken at upload (`attachment_verify`).
  A mismatch is reported with `integrity_alert` (one INTEGRITY audit row, outcome failure).
- Files (security.md #32, L9): `attachment_add` never leaves a row without its file nor a file
  without its row (a storage OSError becomes `StorageUnavailable`); deleted rows lose their file
  on commit (studios.models.attachment_file_cleanup).
- Retention (security.md #25): `application_anonymise` wipes the personal information of one
  case, its children, files, snapshots and history rows; `retention_candidates` lists the cases
  past PORTAL_APPLICATION_RETENTION_DAYS.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta

import pghistory.models
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import crypto
from portal.enums import AuditAction, AuditOutcome
from portal.models import Campaign, Unit, User
from portal.services import audit_record
from portal.validators import (
    is_valid_id_number,
    normalize_id_number,
    validate_phone,
    validate_postcode,
    work_start_problem,
)
from portal.workflow import TransitionError, apply_transition
from studios.enums import (
    EDITABLE_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    ChangeReason,
    EvidenceSlot,
)
from studios.models import Application, ApplicationAward, ApplicationMember, ApplicationSnapshot, Attachment
from studios.notice import PRIVACY_NOTICE_OUTDATED, PRIVACY_NOTICE_REQUIRED, PRIVACY_NOTICE_VERSION
from studios.sections import MAX_TABLE_ROWS, SECTION_OF_FIELD
from studios.workflow import APPLICATION_WORKFLOW

logger = logging.getLogger(__name__)


class StaleDraftError(ValidationError):
    """The draft changed since the caller loaded it (another tab or person saved first)."""


class StorageUnavailable(ValidationError):
    """The evidence file could not be written to storage (disk full, I/O error, …); nothing was
    stored. The message is for the user, in Chinese."""


def _case_prefix(kind: str) -> str:
    return "SB" if kind == ApplicationKind.NEW else "BG"


@transaction.atomic
def application_create(*, unit: Unit, campaign: Campaign, actor: User, kind: str = ApplicationKind.NEW,
                       studio=None) -> Application:
    """Start a draft for `unit` in `campaign`, routed to the unit's channel."""
    Campaign.objects.select_for_update().get(pk=campaign.pk)  # serialise case numbers
    prefix = f"{_case_prefix(kind)}{campaign.year}-"
    last = (Application.objects.filter(case_number__startswith=prefix)
            .aggregate(m=Max("case_number"))["m"])
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    application = Application(
        kind=kind, campaign=campaign, unit=unit, channel=unit.channel, studio=studio,
        case_number=f"{prefix}{seq:04d}", created_by=actor, lead_employer=unit.name,
    )
    if studio is not None:
        application.studio_name = studio.name
        application.work_field = studio.work_field
        application.previous_lead = studio.lead_name
    application.full_clean()
    application.save()
    return application


def _set_lead_index(application: Application) -> None:
    number = normalize_id_number(application.lead_id_number or "")
    application.lead_id_number = number
    application.lead_id_index = crypto.blind_index(number) if number else ""


@transaction.atomic
def application_save(*, application: Application, lock_version: int, fields: dict, actor: User) -> Application:
    """Save form fields of an editable application if `lock_version` is current.

    Raises StaleDraftError when someone saved in between (nothing is written), and
    ValidationError when the case is no longer editable.
    """
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status not in EDITABLE_STATUSES:
        raise ValidationError(_("该申报已提交，不能再修改。"), code="not_editable")
    if current.lock_version != lock_version:
        raise StaleDraftError(
            _("该申报表已在其他窗口或由其他人保存过。为避免覆盖，本次修改未保存；请复制您的修改后刷新页面。"),
            code="stale",
        )
    for name, value in fields.items():
        setattr(current, name, value)
    if "lead_id_number" in fields:
        _set_lead_index(current)
    current.lock_version = F("lock_version") + 1
    try:
        current.save()
    except IntegrityError as exc:
        if "application_one_open_per_lead" in str(exc):
            raise ValidationError(
                {"lead_id_number": _("该领衔人本年度已有其他在办申报，同一领衔人不能重复申报。")}
            ) from exc
        raise
    current.refresh_from_db()
    return current


def application_problems(application: Application) -> dict[str, dict[str, list[str]]]:
    """Everything that blocks submission, as {section: {field: [messages]}} ("__all__" for the
    section as a whole). Empty when the form is complete and the lead is eligible."""
    problems: dict[str, dict[str, list[str]]] = {}

    def add(field: str, message: str, section: str | None = None) -> None:
        section = section or SECTION_OF_FIELD.get(field, "cover")
        problems.setdefault(section, {}).setdefault(field, []).append(str(message))

    required = [
        "studio_name", "work_field", "lead_name", "lead_gender", "lead_ethnicity", "lead_political_status",
        "lead_employer", "lead_phone", "studio_location", "office_area", "lead_education", "lead_work_start",
        "lead_occupation", "lead_skill_level", "lead_id_number", "lead_address", "lead_postcode",
        "lead_achievements", "unit_introduction", "unit_support", "work_plan",
        "report_basic_conditions", "report_necessity", "report_unit_support", "report_work_plan",
    ]
    if application.kind == ApplicationKind.LEAD_CHANGE:
        required += ["previous_lead", "change_reason"]
    for name in required:
        value = getattr(application, name)
        if value in (None, "", [], {}):
            add(name, _("此项为必填项。"))

    if application.lead_id_number and not is_valid_id_number(application.lead_id_number):
        add("lead_id_number", _("身份证号码不正确，请核对。"))
    for name, validator in (("lead_phone", validate_phone), ("lead_postcode", validate_postcode)):
        value = getattr(application, name)
        if value:
            try:
                validator(value)
            except ValidationError as exc:
                for message in exc.messages:
                    add(name, message)
    if application.lead_work_start:
        # The step form checks this too, but the ID number may have changed after the date was saved.
        problem = work_start_problem(application.lead_work_start, application.lead_id_number)
        if problem:
            add("lead_work_start", problem)
    if application.change_reason == ChangeReason.OTHER and not application.change_reason_other.strip():
        add("change_reason_other", _("变更原因为“其它”时请说明。"))
    if application.office_area is not None and application.office_area <= 0:
        add("office_area", _("办公面积应大于0。"))

    # Eligibility (notice 一（二）): at least one accepted honour, with evidence …
    if not application.lead_honours:
        add("lead_honours", _("领衔人须获得通知所列荣誉之一，请勾选所获荣誉。"))
    if not application.attachments.filter(slot=EvidenceSlot.HONOUR).exists():
        add("honour", _("请上传领衔人所获荣誉的证书（获奖证书栏）。"), section="evidence")
    # … and at least one of the five conditions, described.
    claims = {code: (text or "").strip() for code, text in (application.condition_claims or {}).items()}
    if not any(claims.values()):
        add("condition_claims", _("请至少选择一项符合的申报条件，并填写具体说明。"))
    if not application.members.exists():
        add("__all__", _("请至少填写一名工作室成员。"), section="members")
    return problems


def snapshot_data(application: Application) -> dict:
    """Canonical JSON of the form for snapshots, diffs and the PDF hash. The ID number is
    masked: snapshots never hold plaintext personal identifiers."""
    from studios.sections import SECTIONS

    data: dict = {}
    for _key, _label, fields in SECTIONS:
        for name in fields:
            value = getattr(application, name)
            if name == "lead_id_number":
                value = crypto.mask_id_number(value)
            elif name == "lead_phone":
                value = crypto.mask_phone(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif value is not None and not isinstance(value, (str, int, list, dict, bool)):
                value = str(value)
            data[name] = value
    data["members"] = [
        {"name": m.name, "qualification": m.qualification, "age": m.age, "achievements": m.achievements}
        for m in application.members.all()
    ]
    data["awards"] = [
        {"project": a.project, "award_name": a.award_name, "issuer": a.issuer, "level": a.level,
         "rank": a.rank, "year": a.year}
        for a in application.awards.all()
    ]
    data["attachments"] = [
        {"slot": a.slot, "name": a.original_name, "sha256": a.sha256} for a in application.attachments.all()
    ]
    return data


def content_hash(data: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, UTF-8): stable across the jsonb round trip."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


SEAL_CONTEXT = b"zjsm/studios/snapshot-seal/v1"


def _integrity_key() -> bytes:
    """settings.PORTAL_INTEGRITY_KEY, or (when empty) a key derived from PORTAL_BLIND_INDEX_KEY
    by a domain-separated HMAC. Never SECRET_KEY."""
    configured = getattr(settings, "PORTAL_INTEGRITY_KEY", "")
    if configured:
        return configured.encode("utf-8")
    return hmac.new(settings.PORTAL_BLIND_INDEX_KEY.encode("utf-8"), SEAL_CONTEXT, hashlib.sha256).digest()


def snapshot_seal(*, application_id: int, version: int, digest: str) -> str:
    """HMAC-SHA256 binding a snapshot's content hash to its case and version."""
    message = f"{application_id}:{version}:{digest}".encode()
    return hmac.new(_integrity_key(), message, hashlib.sha256).hexdigest()


def snapshot_verify(snapshot: ApplicationSnapshot) -> bool:
    """True when the stored data still hashes to `content_hash` and the seal matches (an edit of
    the data that also recomputed the plain hash fails the keyed seal). No side effects."""
    actual = content_hash(snapshot.data)
    expected_seal = snapshot_seal(application_id=snapshot.application_id, version=snapshot.version,
                                  digest=snapshot.content_hash)
    return hmac.compare_digest(actual, snapshot.content_hash) and bool(snapshot.seal) and \
        hmac.compare_digest(expected_seal, snapshot.seal)


def attachment_read(attachment: Attachment) -> tuple[bytes | None, str]:
    """(content, SHA-256 of it) of one stored evidence file, decrypted by the storage. Content is
    None when the file is missing ("missing") or its sealed bytes were altered ("undecryptable");
    neither marker can equal a digest. Files are at most a few MB (portal.uploads)."""
    try:
        with attachment.file.storage.open(attachment.file.name, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        return None, "missing"
    except crypto.DecryptionError:  # altered ciphertext or a missing key
        return None, "undecryptable"
    return content, hashlib.sha256(content).hexdigest()


def attachment_verify(attachment: Attachment) -> tuple[bool, str]:
    """(ok, actual digest or "missing"/"undecryptable") of one evidence file against the digest
    taken at upload."""
    _content, actual = attachment_read(attachment)
    return hmac.compare_digest(actual, attachment.sha256), actual


def integrity_alert(*, obj, kind: str, expected: str, actual: str, actor: User | None = None,
                    request=None) -> None:
    """Raise the alarm for stored data that no longer matches its digest: one INTEGRITY audit row
    (outcome failure; the auditor's log and `audit_list` filters show it) and an ERROR log line
    (the operators' log alerting). `kind` is "attachment" or "snapshot"."""
    detail = {"kind": kind, "expected": expected, "actual": actual}
    if isinstance(obj, (Attachment, ApplicationSnapshot)):
        detail["application"] = obj.application_id
    audit_record(action=AuditAction.INTEGRITY, outcome=AuditOutcome.FAILURE, actor=actor, obj=obj,
                 detail=detail, request=request)
    logger.error("integrity check failed: %s %s expected=%s actual=%s", kind, getattr(obj, "pk", ""),
                 expected, actual)


def filing_deadline(application: Application) -> datetime:
    """When the unit's (re)submission closes: the campaign's filing deadline or the case's
    extension. A case its channel returned may be resubmitted until the channel review deadline
    (returns happen after filing closed; the resubmission must beat the stage that returned it,
    domain.md §10.2)."""
    deadline = application.campaign.unit_filing_deadline
    if application.status == ApplicationStatus.RETURNED:
        deadline = max(deadline, application.campaign.channel_review_deadline)
    if application.deadline_extension and application.deadline_extension > deadline:
        return application.deadline_extension
    return deadline


def _filing_open_guard(case: Application, transition) -> None:
    if timezone.now() > filing_deadline(case):
        raise TransitionError(_("申报已截止，不能提交。如有特殊情况请联系市人社局。"), code="deadline")


def _channel_open_guard(case: Application, transition) -> None:
    if timezone.now() > case.campaign.channel_review_deadline:
        raise TransitionError(_("初审推荐已截止，不能再办理。"), code="deadline")


def application_transition(*, application: Application, action: str, actor: User, reason: str = "",
                           guard=None, apply=None, data: dict | None = None) -> Application:
    """The one door for status changes of applications (see portal.workflow.apply_transition).

    Adds the stage deadline guards: unit actions lock at the filing deadline, channel actions at
    the channel review deadline.
    """
    stage_guard = {
        "submit": _filing_open_guard,
        "return": _channel_open_guard,
        "reject": _channel_open_guard,
        "recommend": _channel_open_guard,
        "unrecommend": _channel_open_guard,
    }.get(action)

    def combined(case, transition):
        if stage_guard is not None:
            stage_guard(case, transition)
        if guard is not None:
            guard(case, transition)

    return apply_transition(
        workflow=APPLICATION_WORKFLOW, model=Application, pk=application.pk, action=action, actor=actor,
        reason=reason, guard=combined, apply=apply, data=data,
    )


def snapshot_freeze(case: Application, *, notice_version: str) -> ApplicationSnapshot:
    """Write the immutable snapshot of `case` at its current `version`, hashed and sealed."""
    data = snapshot_data(case)
    digest = content_hash(data)
    return ApplicationSnapshot.objects.create(
        application=case, version=case.version, data=data, content_hash=digest,
        seal=snapshot_seal(application_id=case.pk, version=case.version, digest=digest),
        notice_version=notice_version,
    )


def application_submit(*, application: Application, actor: User, notice_version: str) -> Application:
    """Validate everything, freeze a snapshot and submit to the channel (or the city).

    `notice_version` is the privacy notice version the unit ticked on the submit step; anything
    but the current PRIVACY_NOTICE_VERSION is refused (TransitionError code "notice") before any
    write. The version and the time are stored on the case and on the snapshot.
    """
    if not notice_version:
        raise TransitionError(PRIVACY_NOTICE_REQUIRED, code="notice")
    if notice_version != PRIVACY_NOTICE_VERSION:
        raise TransitionError(PRIVACY_NOTICE_OUTDATED, code="notice")

    def guard(case, transition):
        problems = application_problems(case)
        if problems:
            raise TransitionError(_("申报表尚有未完成或不符合要求的内容，请按提示修改后再提交。"), code="incomplete")

    def apply(case, transition):
        now = timezone.now()
        case.version += 1
        case.submitted_at = now
        case.notice_version = notice_version
        case.notice_accepted_at = now
        snapshot_freeze(case, notice_version=notice_version)

    return application_transition(application=application, action="submit", actor=actor, guard=guard, apply=apply)


@transaction.atomic
def application_extend_deadline(*, application: Application, until: datetime, reason: str, actor: User
                                ) -> Application:
    """Let one application be submitted after the campaign's filing deadline (city officers only;
    the permission is checked by the caller's view). Audited."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写延期理由。")})
    if until <= timezone.now():
        raise ValidationError({"until": _("延期时间应晚于当前时间。")})
    case = Application.objects.select_for_update().get(pk=application.pk)
    case.deadline_extension = until
    case.extension_reason = reason.strip()[:200]
    case.save(update_fields=["deadline_extension", "extension_reason", "updated_at"])
    audit_record(action=AuditAction.CONFIG, actor=actor, obj=case,
                 detail={"extension_until": until.isoformat(), "reason": case.extension_reason})
    return case


def snapshot_diff(application: Application) -> dict[str, tuple]:
    """Fields that differ between the last two submitted versions: {field: (before, after)}."""
    snaps = list(application.snapshots.order_by("-version")[:2])
    if len(snaps) < 2:
        return {}
    after, before = snaps[0].data, snaps[1].data
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


# --- Child tables (members, awards) and evidence files ------------------------------------

def _child_model(relation: str):
    return {"members": ApplicationMember, "awards": ApplicationAward}[relation]


@transaction.atomic
def application_rows_save(*, application: Application, relation: str, rows: list[dict]) -> list[int | None]:
    """Bring one repeating table of Annex 1 ("members" or "awards") in line with the form.

    Call after `application_save` in the same transaction (it holds the row lock and checked the
    lock version). Each row is {"id": pk or None, "delete": bool, "values": dict or None};
    `values` None means the row has errors and stays as stored. Rows keep the form's order.
    Returns the pk of every row (None for deleted or unsaved ones), so the form can carry them.
    """
    case = Application.objects.select_for_update().get(pk=application.pk)
    if case.status not in EDITABLE_STATUSES:
        raise ValidationError(_("该申报已提交，不能再修改。"), code="not_editable")
    model = _child_model(relation)
    existing = {obj.pk: obj for obj in model.objects.filter(application=case)}
    result: list[int | None] = []
    for position, row in enumerate(rows):
        obj = existing.get(row.get("id"))
        if row.get("delete"):
            if obj is not None:
                obj.delete()
            result.append(None)
            continue
        values = row.get("values")
        if values is None:
            result.append(obj.pk if obj is not None else None)
            continue
        if obj is None:
            obj = model(application=case)
        for name, value in values.items():
            setattr(obj, name, value)
        obj.position = position
        obj.full_clean(exclude=["application"])
        obj.save()
        result.append(obj.pk)
    if model.objects.filter(application=case).count() > MAX_TABLE_ROWS:
        # Rows a POST leaves out are kept, so the per-POST formset cap alone does not bound the total.
        raise ValidationError(_("每张表最多填写%(max)d行，请删除多余的行后再保存。") % {"max": MAX_TABLE_ROWS},
                              code="too_many_rows")
    return result


def attachment_add(*, application: Application, slot: str, upload, actor: User) -> Attachment:
    """Store one checked upload (portal.uploads.CheckedUpload) as evidence of an editable case.

    The file is written first, then the row, in one transaction. If the storage write fails
    (OSError: disk full, I/O error, permissions) nothing is written and StorageUnavailable is
    raised; if the row or the commit fails, the file just written is deleted before the error
    propagates. So no row ever points at a missing file and no file is left without a row
    (security.md L9). Called inside an outer transaction that later rolls back, the file stays
    until `manage.py verify_integrity --delete-orphans` removes it. Uploading content already in
    the slot returns that attachment and stores nothing (safe to retry).
    """
    storage = Attachment._meta.get_field("file").storage
    stored: list[str] = []
    try:
        with transaction.atomic():
            case = Application.objects.select_for_update().get(pk=application.pk)
            if case.status not in EDITABLE_STATUSES:
                raise ValidationError(_("该申报已提交，不能再修改。"), code="not_editable")
            if slot not in EvidenceSlot.values:
                raise ValidationError(_("未知的材料类别。"), code="slot")
            # Idempotent: the same content in the same slot again (a retry after a lost response,
            # a double click) returns the stored file instead of a duplicate. The case row lock
            # above serialises concurrent uploads to one case.
            existing = Attachment.objects.filter(application=case, slot=slot, sha256=upload.sha256).first()
            if existing is not None:
                return existing
            attachment = Attachment(
                application=case, slot=slot, original_name=upload.display_name[:200],
                content_type=upload.content_type, size=upload.size, sha256=upload.sha256, uploaded_by=actor,
            )
            try:
                attachment.file.save(f"upload.{upload.extension}", ContentFile(upload.content), save=False)
            except OSError as exc:
                logger.error("evidence storage failed for application %s: %s", case.pk, exc)
                raise StorageUnavailable(
                    _("文件未能保存（服务器存储暂时不可用），请稍后重新上传。已填写的内容不受影响。"),
                    code="storage",
                ) from exc
            stored.append(attachment.file.name)
            attachment.save()
    except BaseException:
        for name in stored:
            storage.delete(name)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User) -> None:
    """Remove an evidence file of an editable case; the stored file goes once the deletion is
    committed (studios.signals.attachment_file_cleanup)."""
    case = Application.objects.select_for_update().get(pk=attachment.application_id)
    if case.status not in EDITABLE_STATUSES:
        raise ValidationError(_("该申报已提交，不能再修改。"), code="not_editable")
    attachment.delete()


# --- Retention (security.md #25) ----------------------------------------------------------------

ANONYMISED = "已匿名化"
# Statuses whose personal information is kept only for the retention period, counted from the
# case's last change: rejected by the channel or the city, removed after an objection, withdrawn.
RETENTION_STATUSES = frozenset({
    ApplicationStatus.CHANNEL_REJECTED, ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.REMOVED_AFTER_OBJECTION, ApplicationStatus.WITHDRAWN,
})
# What anonymisation writes over the case's own columns (children, files, snapshots and history
# rows are deleted). Names become ANONYMISED; everything else personal or narrative is emptied.
# Kept: case number, kind, campaign, unit, channel, studio, status, versions, dates, work field,
# employer (the unit), office area: what the programme's statistics need, nothing personal.
ANONYMISED_VALUES = {
    "studio_name": ANONYMISED, "lead_name": ANONYMISED, "previous_lead": ANONYMISED,
    "lead_gender": "", "lead_ethnicity": "", "lead_political_status": "", "lead_phone": "",
    "studio_location": "", "lead_education": "", "lead_work_start": None, "lead_occupation": "",
    "lead_admin_post": "", "lead_skill_level": "", "lead_id_number": "", "lead_id_index": "",
    "lead_address": "", "lead_postcode": "", "lead_honours": [], "change_reason_other": "",
    "lead_achievements": "", "condition_claims": {}, "unit_introduction": "", "unit_support": "",
    "work_plan": "", "report_basic_conditions": "", "report_necessity": "", "report_unit_support": "",
    "report_work_plan": "", "extension_reason": "",
}


def retention_candidates(*, now: datetime | None = None, days: int | None = None):
    """Cases whose personal information is past retention and not yet anonymised: rejected,
    not selected, removed or withdrawn, and drafts never submitted, whose last change
    (`updated_at`) is older than `days` (default settings.PORTAL_APPLICATION_RETENTION_DAYS)."""
    now = now or timezone.now()
    days = settings.PORTAL_APPLICATION_RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    never_submitted = Q(status=ApplicationStatus.DRAFT, version=0)
    return (Application.objects.filter(anonymised_at__isnull=True, updated_at__lt=cutoff)
            .filter(Q(status__in=sorted(RETENTION_STATUSES)) | never_submitted)
            .order_by("pk"))


def _history_models() -> dict:
    """pghistory event models of the case and its children: {tracked model: event model}."""
    found = {}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and model._meta.managed:
            tracked = getattr(model, "pgh_tracked_model", None)
            if tracked in (Application, ApplicationMember, ApplicationAward, Attachment):
                found[tracked] = model
    return found


@transaction.atomic
def application_anonymise(*, application: Application) -> dict[str, int]:
    """Wipe the personal information of one case past retention; returns what was removed.

    Only cases with a status in RETENTION_STATUSES or never-submitted drafts (ValidationError
    otherwise); the age check is the caller's (`retention_candidates`).

    Overwrites the case's personal and narrative columns (ANONYMISED_VALUES), deletes its
    members, awards, evidence rows (their files go on commit), snapshots (immutable and full of
    names, so they are deleted rather than masked) and every pghistory event row of the case and
    of those children (the events copy the personal columns; ciphertext included). Runs with
    the pgtrigger triggers ignored, so the wipe itself writes no history event carrying the old
    values and the append-only history tables can be cleaned. TransitionLog rows (statuses,
    actors, reasons) and audit events are kept. Idempotent: an anonymised case is skipped. The
    caller writes the RETENTION audit row (see the `anonymise_expired` command).
    """
    case = Application.objects.select_for_update().get(pk=application.pk)
    counts = {"applications": 0, "members": 0, "awards": 0, "attachments": 0, "snapshots": 0,
              "history_rows": 0}
    if case.anonymised_at is not None:
        return counts
    if not (case.status in RETENTION_STATUSES or (case.status == ApplicationStatus.DRAFT and case.version == 0)):
        raise ValidationError(_("只有未通过、未入选、已撤回或从未提交的申报可以匿名化。"), code="not_expired")
    events = _history_models()
    with pgtrigger.ignore():
        counts["members"] = ApplicationMember.objects.filter(application=case).delete()[0]
        counts["awards"] = ApplicationAward.objects.filter(application=case).delete()[0]
        # One by one so the post_delete receiver removes each stored file on commit.
        for attachment in Attachment.objects.filter(application=case):
            attachment.delete()
            counts["attachments"] += 1
        counts["snapshots"] = ApplicationSnapshot.objects.filter(application=case).delete()[0]
        for name, value in ANONYMISED_VALUES.items():
            # An empty name stays empty (a new-studio case has no previous lead).
            setattr(case, name, value if value != ANONYMISED or getattr(case, name) else "")
        case.anonymised_at = timezone.now()
        case.save()
        history = 0
        for tracked, model in events.items():
            # Child events carry the case id, so rows removed long ago are found as well.
            lookup = {"pgh_obj_id": case.pk} if tracked is Application else {"application_id": case.pk}
            history += model.objects.filter(**lookup).delete()[0]
        counts["history_rows"] = history
    counts["applications"] = 1
    return counts
