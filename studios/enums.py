"""Statuses and kinds of studio cases. Labels are what users read, in plain Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationKind(models.TextChoices):
    NEW = "new", _("申报认定")
    LEAD_CHANGE = "lead_change", _("领衔人变更认定")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待初审")
    RETURNED = "returned", _("退回修改")
    CHANNEL_REJECTED = "channel_rejected", _("初审未通过")
    RECOMMENDED = "recommended", _("已推荐")
    CITY_FORMAL_CHECK = "city_formal_check", _("市局形式审查")
    EXPERT_REVIEW = "expert_review", _("专家评审中")
    SCORED = "scored", _("评审完成")
    SHORTLISTED = "shortlisted", _("拟认定")
    NOT_SELECTED = "not_selected", _("未入选")
    IN_PUBLICITY = "in_publicity", _("公示中")
    OBJECTION_REVIEW = "objection_review", _("异议核查中")
    ACCREDITED = "accredited", _("已认定")
    WITHDRAWN = "withdrawn", _("已撤回")
    REMOVED_AFTER_OBJECTION = "removed_after_objection", _("异议成立取消")


# The unit may edit the form in these statuses.
EDITABLE_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.RETURNED})
# Statuses that hold one of the channel's recommendation places (the quota counts these).
RECOMMENDED_OR_LATER = frozenset({
    ApplicationStatus.RECOMMENDED, ApplicationStatus.CITY_FORMAL_CHECK, ApplicationStatus.EXPERT_REVIEW,
    ApplicationStatus.SCORED, ApplicationStatus.SHORTLISTED, ApplicationStatus.NOT_SELECTED,
    ApplicationStatus.IN_PUBLICITY, ApplicationStatus.OBJECTION_REVIEW, ApplicationStatus.ACCREDITED,
    ApplicationStatus.REMOVED_AFTER_OBJECTION,
})
# Final statuses: nothing more happens to the case.
FINAL_STATUSES = frozenset({
    ApplicationStatus.CHANNEL_REJECTED, ApplicationStatus.NOT_SELECTED, ApplicationStatus.ACCREDITED,
    ApplicationStatus.WITHDRAWN, ApplicationStatus.REMOVED_AFTER_OBJECTION,
})
# Statuses in which the lead person's ID blocks another application in the same campaign.
OPEN_STATUSES = frozenset(set(ApplicationStatus.values) - {
    ApplicationStatus.CHANNEL_REJECTED, ApplicationStatus.NOT_SELECTED, ApplicationStatus.WITHDRAWN,
    ApplicationStatus.REMOVED_AFTER_OBJECTION,
})

# What the unit reads about each status: where the case is and what happens next.
STATUS_EXPLANATIONS = {
    ApplicationStatus.DRAFT: _("申报表尚未提交。请逐项填写并上传证明材料，核对无误后提交；截止前可随时修改。"),
    ApplicationStatus.SUBMITTED: _("已提交至推荐渠道，等待初审。初审期间不能修改；如被退回，可按意见修改后再次提交。"),
    ApplicationStatus.RETURNED: _("初审退回修改。请按各部分的退回意见修改后重新提交。"),
    ApplicationStatus.CHANNEL_REJECTED: _("初审未通过，本年度申报结束。理由见办理记录。"),
    ApplicationStatus.RECOMMENDED: _("已被推荐至市人社局，等待市局形式审查和专家评审。"),
    ApplicationStatus.CITY_FORMAL_CHECK: _("市人社局正在进行形式审查。"),
    ApplicationStatus.EXPERT_REVIEW: _("专家正在评审。"),
    ApplicationStatus.SCORED: _("专家评审已完成，等待市人社局确定拟认定名单。"),
    ApplicationStatus.SHORTLISTED: _("已列入拟认定名单，等待社会公示。"),
    ApplicationStatus.NOT_SELECTED: _("本年度未入选。"),
    ApplicationStatus.IN_PUBLICITY: _("正在公示，公示期满无异议后发文认定。"),
    ApplicationStatus.OBJECTION_REVIEW: _("公示期间收到异议，市人社局正在核查。"),
    ApplicationStatus.ACCREDITED: _("已认定为镇江市技能大师工作室。"),
    ApplicationStatus.WITHDRAWN: _("申报已撤回。"),
    ApplicationStatus.REMOVED_AFTER_OBJECTION: _("经核查异议成立，取消认定。"),
}


class ChangeReason(models.TextChoices):
    RETIRED = "retired", _("退休")
    TRANSFERRED = "transferred", _("调离")
    OTHER = "other", _("其它")


class EvidenceSlot(models.TextChoices):
    HONOUR = "honour", _("获奖证书")
    PUBLICATION = "publication", _("出版物")
    TECH_PROOF = "tech_proof", _("技术认定及技术创新证明")
    ID_QUALIFICATION = "id_qualification", _("身份证及职业资格证书")
    OTHER = "other", _("其他材料")


class StudioStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    LEAD_VACANT = "lead_vacant", _("领衔人空缺")
    REVOKED = "revoked", _("已撤销")
    CANCELLED = "cancelled", _("已取消")
