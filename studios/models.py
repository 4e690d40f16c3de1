"""Studios and the applications that create them or change their lead person (Annex 1).

An Application IS the Annex 1 form plus its case data; the form's repeating tables are child
rows (members, awards), evidence files are Attachments, and every submission freezes an
ApplicationSnapshot so reviewers can see what changed since the previous version.
"""

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField
from portal.tracking import tracked
from studios.enums import (
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    ChangeReason,
    EvidenceSlot,
    StudioStatus,
)


@tracked()
class Studio(models.Model):
    """An accredited 镇江市技能大师工作室 (the registry)."""

    name = models.CharField(_("工作室名称"), max_length=100)
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, related_name="studios",
                             verbose_name=_("依托单位"))
    work_field = models.CharField(_("工作领域"), max_length=100, blank=True)
    lead_name = models.CharField(_("领衔人"), max_length=50, blank=True)
    accredited_year = models.PositiveSmallIntegerField(_("认定年度"))
    status = models.CharField(_("状态"), max_length=20, choices=StudioStatus.choices, default=StudioStatus.ACTIVE)
    consecutive_fails = models.PositiveSmallIntegerField(_("连续不合格次数"), default=0)
    higher_level_titles = models.JSONField(_("更高级别称号"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技能大师工作室")
        verbose_name_plural = _("技能大师工作室")
        ordering = ["-accredited_year", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StudioStatus.values), name="studio_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


@tracked(exclude=["lock_version"])
class Application(models.Model):
    """One Annex 1 application (new studio or lead-person change) of one unit in one campaign.

    `status` changes only through studios.services.application_transition. `lock_version`
    increases on every save of the form (optimistic locking of drafts); `version` counts
    submissions.
    """

    kind = models.CharField(_("申报类型"), max_length=20, choices=ApplicationKind.choices,
                            default=ApplicationKind.NEW)
    campaign = models.ForeignKey("portal.Campaign", on_delete=models.PROTECT, related_name="applications",
                                 verbose_name=_("年度"))
    unit = models.ForeignKey("portal.Unit", on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("申报单位"))
    channel = models.ForeignKey("portal.Channel", on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("推荐渠道"))
    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="applications", verbose_name=_("原工作室"))
    case_number = models.CharField(_("案卷号"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=30, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT)
    version = models.PositiveIntegerField(_("提交版本"), default=0)
    lock_version = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    deadline_extension = models.DateTimeField(_("延期至"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=200, blank=True)
    # Privacy notice acknowledged at the latest submission (studios.notice; each snapshot keeps its own).
    notice_version = models.CharField(_("个人信息处理告知版本"), max_length=20, blank=True)
    notice_accepted_at = models.DateTimeField(_("告知确认时间"), null=True, blank=True)
    # Set by studios.services.application_anonymise once the retention period has passed.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    # Cover (封面)
    studio_name = models.CharField(_("工作室名称"), max_length=100, blank=True)
    work_field = models.CharField(_("工作室工作领域"), max_length=100, blank=True)

    # Lead person (领衔人/创办人)
    lead_name = models.CharField(_("领衔人姓名"), max_length=50, blank=True)
    lead_gender = models.CharField(_("性别"), max_length=1, blank=True)
    lead_ethnicity = models.CharField(_("民族"), max_length=4, blank=True)
    lead_political_status = models.CharField(_("政治面貌"), max_length=4, blank=True)
    lead_employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    lead_phone = EncryptedTextField(_("联系电话"), blank=True)
    studio_location = models.CharField(_("工作室地点"), max_length=200, blank=True)
    office_area = models.DecimalField(_("办公面积（平方米）"), max_digits=8, decimal_places=2, null=True, blank=True)
    lead_education = models.CharField(_("学历（学位）"), max_length=4, blank=True)
    lead_work_start = models.DateField(_("参加工作时间"), null=True, blank=True)
    lead_occupation = models.CharField(_("从事职业（工种）"), max_length=100, blank=True)
    lead_admin_post = models.CharField(_("行政职务"), max_length=100, blank=True)
    lead_skill_level = models.CharField(_("职业资格"), max_length=4, blank=True)
    lead_id_number = EncryptedTextField(_("身份证号"), blank=True)
    lead_id_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    lead_address = models.CharField(_("通讯地址"), max_length=200, blank=True)
    lead_postcode = models.CharField(_("邮编"), max_length=6, blank=True)
    lead_honours = models.JSONField(_("领衔人所获荣誉"), default=list, blank=True)

    # Lead change (领衔人变更)
    previous_lead = models.CharField(_("原领衔人或原单位名称"), max_length=100, blank=True)
    change_reason = models.CharField(_("变更原因"), max_length=20, choices=ChangeReason.choices, blank=True)
    change_reason_other = models.CharField(_("其它原因说明"), max_length=200, blank=True)

    # Narrative sections
    lead_achievements = models.TextField(_("领办或创办人主要工作业绩"), blank=True)
    condition_claims = models.JSONField(_("符合的申报条件"), default=dict, blank=True)
    unit_introduction = models.TextField(_("技能大师所在单位简介"), blank=True)
    unit_support = models.TextField(_("所在单位对技能大师工作室支持措施"), blank=True)
    work_plan = models.TextField(_("技能大师工作室今后工作开展计划"), blank=True)

    # Application report (申办报告)
    report_basic_conditions = models.TextField(_("工作室基本条件"), blank=True)
    report_necessity = models.TextField(_("工作室成立的必要性和可行性"), blank=True)
    report_unit_support = models.TextField(_("所在单位对工作室的支持措施"), blank=True)
    report_work_plan = models.TextField(_("工作室成立后的工作开展计划"), blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("创建人"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("申报")
        verbose_name_plural = _("申报")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ApplicationKind.values), name="application_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind=ApplicationKind.NEW) | Q(studio__isnull=False),
                name="application_lead_change_has_studio",
            ),
            # One open application per lead person per campaign (found through the blind index).
            models.UniqueConstraint(
                fields=["campaign", "lead_id_index"],
                condition=~Q(lead_id_index="") & Q(status__in=sorted(OPEN_STATUSES)),
                name="application_one_open_per_lead",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "channel", "status"], name="application_queue_idx")]

    def __str__(self) -> str:
        return f"{self.case_number} {self.studio_name or self.unit}"


@tracked()
class ApplicationMember(models.Model):
    """A row of 技能大师工作室其他成员."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("姓名"), max_length=50)
    qualification = models.CharField(_("职业资格"), max_length=50, blank=True)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True)
    achievements = models.TextField(_("突出业绩"), blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("工作室成员")
        verbose_name_plural = _("工作室成员")
        constraints = [
            models.CheckConstraint(condition=Q(age__isnull=True) | Q(age__gte=16, age__lte=90),
                                   name="member_age_range"),
        ]

    def __str__(self) -> str:
        return self.name


@tracked()
class ApplicationAward(models.Model):
    """A row of 领办或创办人主要获奖情况."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="awards")
    position = models.PositiveSmallIntegerField(default=0)
    project = models.CharField(_("获奖项目"), max_length=100)
    award_name = models.CharField(_("奖励名称"), max_length=100)
    issuer = models.CharField(_("授予单位"), max_length=100, blank=True)
    level = models.CharField(_("等级"), max_length=30, blank=True)
    rank = models.CharField(_("排名"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("获奖情况")
        verbose_name_plural = _("获奖情况")
        constraints = [
            models.CheckConstraint(condition=Q(year__isnull=True) | Q(year__gte=1949, year__lte=2100),
                                   name="award_year_range"),
        ]

    def __str__(self) -> str:
        return self.award_name


def attachment_path(instance, filename: str) -> str:
    """Private storage path: never the uploaded name (stored separately)."""
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}"


@tracked()
class Attachment(models.Model):
    """An evidence file in one slot of an application. Served only by a permission-checked view."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    slot = models.CharField(_("材料类别"), max_length=20, choices=EvidenceSlot.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot", "uploaded_at"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        constraints = [models.CheckConstraint(condition=Q(slot__in=EvidenceSlot.values), name="attachment_slot_valid")]

    def __str__(self) -> str:
        return self.original_name


class ApplicationSnapshot(models.Model):
    """The form as submitted (one per submission): what the reviewer saw, and the base of diffs.

    `data` is the canonical JSON of the form (no ciphertext, ID number masked); `content_hash` is
    its SHA-256, printed on the PDF so a stamped scan can be matched to this version; `seal` is an
    HMAC-SHA256 over (application, version, content_hash) under the integrity key, so an edit of
    `data` that also recomputes `content_hash` is still detected (studios.services.snapshot_verify).
    `notice_version` is the privacy notice the unit acknowledged with this submission.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    data = models.JSONField()
    content_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64, blank=True)
    notice_version = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="snapshot_unique_version"),
        ]
        triggers = [pgtrigger.Protect(name="snapshot_immutable", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.application_id} v{self.version}"

