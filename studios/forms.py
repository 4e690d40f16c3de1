"""Forms of the Annex 1 steps. A draft accepts partial data: every field is optional here, the
completeness check is studios.services.application_problems at submit time. Field labels follow
the printed Annex 1."""

import secrets

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from portal import reference
from portal.crypto import mask_id_number, mask_phone
from portal.models import ReferenceItem
from portal.pi import MaskedInput, passes, restore_masked
from portal.validators import (
    IDNumberField,
    PhoneField,
    PostcodeField,
    is_valid_id_number,
    normalize_id_number,
    normalize_phone,
    validate_phone,
    work_start_problem,
)
from studios.enums import ApplicationKind, ChangeReason, EvidenceSlot
from studios.models import Application
from studios.notice import (
    PRIVACY_NOTICE_CHECKBOX,
    PRIVACY_NOTICE_OUTDATED,
    PRIVACY_NOTICE_REQUIRED,
    PRIVACY_NOTICE_VERSION,
)
from studios.sections import MAX_TABLE_ROWS

TEXTAREA = {"rows": 8, "class": "form-control"}


# Upper bounds of the free-text boxes, in characters. The printed form gives each box about a page;
# these leave room for a long answer yet keep one case's PDF within tens of pages (bench L12:
# 140,000 characters made a 389-page, 51-second render).
NARRATIVE_MAX = 5000
CLAIM_MAX = 2000
ROW_TEXT_MAX = 1000


def limit_text(field: forms.Field, limit: int) -> None:
    """Cap a text field at `limit` characters: the browser stops typing there (maxlength) and the
    server refuses a longer value with a message next to the field."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit, message=_(
        "此项最多%(limit_value)d字（当前%(show_value)d字），请精简后再保存。")))
    field.widget.attrs["maxlength"] = str(limit)


class StepForm(forms.Form):
    """A step's fields over one application. `field_names` are Application attributes; the
    hidden `lock_version` carries the version the user loaded (optimistic locking)."""

    field_names: list[str] = []
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # One token per rendered page: saves made through this page (autosave, then the save button)
    # do not count as "someone else saved in between" (see studios.views.steps.effective_lock).
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        if "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        kwargs["initial"].setdefault("edit_token", secrets.token_hex(8))
        super().__init__(*args, **kwargs)
        for name in self.field_names:
            field = self.fields.get(name)
            if field is not None:
                field.required = False
                if isinstance(field.widget, forms.Textarea) and field.max_length is None:
                    limit_text(field, NARRATIVE_MAX)
                if not field.label:
                    field.label = Application._meta.get_field(name).verbose_name

    def initial_from(self, application: Application) -> dict:
        initial = {name: getattr(application, name) for name in self.field_names}
        initial["lock_version"] = application.lock_version
        return initial

    def valid_values(self) -> dict:
        """Cleaned values of the fields that passed validation (call after is_valid())."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: self.to_model(name, cleaned[name]) for name in self.field_names
                if name in cleaned and name not in self.errors}

    def to_model(self, name: str, value):
        field = Application._meta.get_field(name)
        if value is None and not field.null:
            return ""
        return value


class CoverForm(StepForm):
    field_names = ["studio_name", "work_field"]
    studio_name = forms.CharField(
        max_length=100, help_text=_("一般为“领衔人姓名＋技能大师工作室”，如“陈国喆技能大师工作室”。"))
    work_field = forms.CharField(max_length=100, help_text=_("工作室从事的职业（工种）或技术领域，如“精密机械加工”。"))


class LeadForm(StepForm):
    field_names = [
        "lead_name", "lead_gender", "lead_ethnicity", "lead_political_status", "lead_employer", "lead_phone",
        "studio_location", "office_area", "lead_education", "lead_work_start", "lead_occupation",
        "lead_admin_post", "lead_skill_level", "lead_id_number", "lead_address", "lead_postcode",
        "previous_lead", "change_reason", "change_reason_other",
    ]
    lead_name = forms.CharField(max_length=50, label=_("领衔人（创办人）"))
    lead_gender = forms.ChoiceField(label=_("性别"))
    lead_ethnicity = forms.ChoiceField(label=_("民族"))
    lead_political_status = forms.ChoiceField(label=_("政治面貌"))
    lead_employer = forms.CharField(max_length=100, label=_("工作单位"))
    # The ID number and phone are shown masked (security.md #23); left unchanged, they are kept.
    lead_phone = PhoneField(label=_("联系电话"),
                            widget=MaskedInput(mask=mask_phone, complete=passes(validate_phone),
                                               normalize=normalize_phone))
    studio_location = forms.CharField(max_length=200, label=_("工作室地点"))
    office_area = forms.DecimalField(label=_("办公面积（平方米）"), min_value=0, max_digits=8, decimal_places=2)
    lead_education = forms.ChoiceField(label=_("学历（学位）"))
    lead_work_start = forms.DateField(label=_("参加工作时间"),
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    lead_occupation = forms.CharField(max_length=100, label=_("从事职业（工种）"))
    lead_admin_post = forms.CharField(max_length=100, label=_("行政职务"))
    lead_skill_level = forms.ChoiceField(label=_("职业资格"))
    lead_id_number = IDNumberField(label=_("身份证号"),
                                   widget=MaskedInput(mask=mask_id_number, complete=is_valid_id_number,
                                                      normalize=normalize_id_number))
    lead_address = forms.CharField(max_length=200, label=_("通讯地址"))
    lead_postcode = PostcodeField(label=_("邮编"))
    previous_lead = forms.CharField(max_length=100, label=_("原领衔人或原单位名称"))
    change_reason = forms.ChoiceField(label=_("变更原因"), widget=forms.RadioSelect,
                                      choices=ChangeReason.choices)
    change_reason_other = forms.CharField(max_length=200, label=_("其它原因说明"))

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        empty = [("", "—— 请选择 ——")]
        self.fields["lead_gender"].choices = empty + reference.choices("gender")
        self.fields["lead_ethnicity"].choices = empty + reference.choices("ethnic_group")
        self.fields["lead_political_status"].choices = empty + reference.choices("political_status", short=True)
        self.fields["lead_education"].choices = empty + reference.choices("education")
        self.fields["lead_skill_level"].choices = empty + reference.choices("skill_level")
        if application.kind != ApplicationKind.LEAD_CHANGE:
            for name in ("previous_lead", "change_reason", "change_reason_other"):
                del self.fields[name]
            self.field_names = [n for n in self.field_names if n in self.fields]
        restore_masked(self)

    def clean_office_area(self):
        value = self.cleaned_data.get("office_area")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("办公面积应大于0。"))
        return value

    def clean(self):
        """参加工作时间 must be a past date and not before the lead's 16th birthday (the minimum
        working age, 劳动法 §15), read from the ID number posted with it or else the stored one
        (security.md #26). The error stays next to the date; the other fields still save."""
        cleaned = super().clean()
        start = cleaned.get("lead_work_start")
        if start is not None:
            problem = work_start_problem(start, cleaned.get("lead_id_number", self.application.lead_id_number))
            if problem:
                self.add_error("lead_work_start", problem)
        return cleaned


class AchievementsForm(StepForm):
    field_names = ["lead_achievements", "lead_honours"]
    lead_achievements = forms.CharField(label=_("领办或创办人主要工作业绩"), widget=forms.Textarea(attrs=TEXTAREA),
                                        help_text=_("可分条阐述技术革新、技术攻关、成果转化、带徒传技等主要业绩。"))
    lead_honours = forms.MultipleChoiceField(
        label=_("领衔人所获荣誉（通知所列，至少一项）"), widget=forms.CheckboxSelectMultiple,
        help_text=_("请在“证明材料”一步上传相应的获奖证书。"),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.fields["lead_honours"].choices = reference.choices("lead_honour")

    def to_model(self, name, value):
        if name == "lead_honours":
            return list(value or [])
        return super().to_model(name, value)


class ConditionsForm(StepForm):
    """The five conditions of the notice 一（二）: a checkbox and a description for each."""

    field_names = ["condition_claims"]

    def __init__(self, *args, application: Application, **kwargs):
        self.conditions = list(
            ReferenceItem.objects.filter(kind="application_condition", is_active=True)
            .order_by("sort_order", "code").values_list("code", "label", "description")
        )
        super().__init__(*args, application=application, **kwargs)
        for code, label, _description in self.conditions:
            self.fields[f"claim_{code}"] = forms.BooleanField(required=False, label=f"{code}. {label}方面")
            self.fields[f"claim_{code}_text"] = forms.CharField(
                required=False, label=_("具体说明"), widget=forms.Textarea(attrs={"rows": 4}),
            )
            limit_text(self.fields[f"claim_{code}_text"], CLAIM_MAX)

    def initial_from(self, application):
        initial = {"lock_version": application.lock_version}
        for code, text in (application.condition_claims or {}).items():
            initial[f"claim_{code}"] = True
            initial[f"claim_{code}_text"] = text
        return initial

    def rows(self):
        return [
            {"code": code, "label": label, "description": description,
             "check": self[f"claim_{code}"], "text": self[f"claim_{code}_text"]}
            for code, label, description in self.conditions
        ]

    def clean(self):
        cleaned = super().clean()
        for code, _label, _d in self.conditions:
            if cleaned.get(f"claim_{code}_text", "").strip() and not cleaned.get(f"claim_{code}"):
                cleaned[f"claim_{code}"] = True
        return cleaned

    def valid_values(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        stored = self.application.condition_claims or {}
        claims = {}
        for code, _label, _d in self.conditions:
            if f"claim_{code}_text" in self.errors:
                # An invalid description changes nothing of its condition (the typed text comes back).
                if code in stored:
                    claims[code] = stored[code]
            elif cleaned.get(f"claim_{code}"):
                claims[code] = cleaned.get(f"claim_{code}_text", "").strip()
        return {"condition_claims": claims}


class UnitForm(StepForm):
    field_names = ["unit_introduction", "unit_support", "work_plan"]
    unit_introduction = forms.CharField(label=_("技能大师所在单位简介"), widget=forms.Textarea(attrs=TEXTAREA),
                                        help_text=_("包括生产、科研以及高技能人才队伍情况。"))
    unit_support = forms.CharField(label=_("所在单位对技能大师工作室支持措施"),
                                   widget=forms.Textarea(attrs=TEXTAREA),
                                   help_text=_("场地、设备、经费、制度等方面的支持措施。"))
    work_plan = forms.CharField(label=_("技能大师工作室今后工作开展计划"), widget=forms.Textarea(attrs=TEXTAREA),
                                help_text=_("建议分年度列出带徒、技术攻关和交流计划，并量化目标。"))


class ReportForm(StepForm):
    field_names = ["report_basic_conditions", "report_necessity", "report_unit_support", "report_work_plan"]
    report_basic_conditions = forms.CharField(label=_("一、工作室基本条件"), widget=forms.Textarea(attrs=TEXTAREA))
    report_necessity = forms.CharField(label=_("二、工作室成立的必要性和可行性"),
                                       widget=forms.Textarea(attrs=TEXTAREA))
    report_unit_support = forms.CharField(label=_("三、所在单位对工作室的支持措施"),
                                          widget=forms.Textarea(attrs=TEXTAREA))
    report_work_plan = forms.CharField(label=_("四、工作室成立后的工作开展计划"),
                                       widget=forms.Textarea(attrs=TEXTAREA))


# --- Repeating tables -------------------------------------------------------------------------

class RowForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    DELETE = forms.BooleanField(required=False, label=_("删除此行"))
    row_fields: list[str] = []

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(n)) or "").strip() for n in self.row_fields)


class MemberRowForm(RowForm):
    row_fields = ["name", "qualification", "age", "achievements"]
    name = forms.CharField(max_length=50, required=False, label=_("姓名"))
    qualification = forms.CharField(max_length=50, required=False, label=_("职业资格"))
    age = forms.IntegerField(required=False, min_value=16, max_value=90, label=_("年龄"),
                             error_messages={"min_value": _("年龄应在16至90岁之间。"),
                                             "max_value": _("年龄应在16至90岁之间。")})
    achievements = forms.CharField(required=False, label=_("突出业绩"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text(self.fields["achievements"], ROW_TEXT_MAX)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("DELETE") and not self.is_blank() and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("请填写姓名。"))
        return cleaned


class AwardRowForm(RowForm):
    row_fields = ["project", "award_name", "issuer", "level", "rank", "year"]
    project = forms.CharField(max_length=100, required=False, label=_("获奖项目"))
    award_name = forms.CharField(max_length=100, required=False, label=_("奖励名称"))
    issuer = forms.CharField(max_length=100, required=False, label=_("授予单位"))
    level = forms.CharField(max_length=30, required=False, label=_("等级"))
    rank = forms.CharField(max_length=20, required=False, label=_("排名"))
    year = forms.IntegerField(required=False, min_value=1949, max_value=2100, label=_("年度"),
                              error_messages={"min_value": _("请填写四位年份，如2022。"),
                                              "max_value": _("请填写四位年份，如2022。")})

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("DELETE") and not self.is_blank():
            for name, message in (("project", _("请填写获奖项目。")), ("award_name", _("请填写奖励名称。"))):
                if not (cleaned.get(name) or "").strip():
                    self.add_error(name, message)
        return cleaned


# At most MAX_TABLE_ROWS rows per table. Django's default cap (2,000 forms from a forged
# TOTAL_FORMS) made one POST cost about a minute of CPU and a 6 MB page (security.md #26 fuzz).
MemberFormSet = forms.formset_factory(MemberRowForm, extra=0, can_delete=False, max_num=MAX_TABLE_ROWS,
                                      absolute_max=MAX_TABLE_ROWS, validate_max=True)
AwardFormSet = forms.formset_factory(AwardRowForm, extra=0, can_delete=False, max_num=MAX_TABLE_ROWS,
                                     absolute_max=MAX_TABLE_ROWS, validate_max=True)


def formset_initial(application: Application, relation: str) -> list[dict]:
    form_class = MemberRowForm if relation == "members" else AwardRowForm
    rows = []
    for obj in getattr(application, relation).all():
        rows.append({"id": obj.pk, **{n: getattr(obj, n) for n in form_class.row_fields}})
    return rows


def formset_rows(formset) -> list[dict]:
    """The service's row list from a validated formset (blank new rows skipped)."""
    rows = []
    for form in formset.forms:
        cleaned = getattr(form, "cleaned_data", {}) or {}
        row_id = cleaned.get("id")
        if cleaned.get("DELETE"):
            rows.append({"id": row_id, "delete": True})
        elif form.is_blank() and not row_id:
            rows.append({"id": None, "delete": True})
        elif form.errors:
            rows.append({"id": row_id, "delete": False, "values": None})
        else:
            values = {n: cleaned.get(n) for n in form.row_fields}
            for name, value in values.items():
                if value is None and name not in ("age", "year"):
                    values[name] = ""
            rows.append({"id": row_id, "delete": False, "values": values})
    return rows


# --- Evidence, withdrawal, extension ---------------------------------------------------------

class AttachmentUploadForm(forms.Form):
    slot = forms.ChoiceField(choices=EvidenceSlot.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("选择文件"), error_messages={"required": _("请选择要上传的文件。")})


class SubmitNoticeForm(forms.Form):
    """The submit step: the unit ticks that it read the privacy notice (studios.notice). The hidden
    version is the text the page showed; a page older than the current text must be reloaded."""

    notice_accepted = forms.BooleanField(
        label=PRIVACY_NOTICE_CHECKBOX, required=True,
        error_messages={"required": PRIVACY_NOTICE_REQUIRED},
    )
    notice_version = forms.CharField(widget=forms.HiddenInput, max_length=20, initial=PRIVACY_NOTICE_VERSION,
                                     error_messages={"required": PRIVACY_NOTICE_OUTDATED})

    def clean_notice_version(self):
        version = self.cleaned_data["notice_version"]
        if version != PRIVACY_NOTICE_VERSION:
            raise forms.ValidationError(PRIVACY_NOTICE_OUTDATED, code="outdated")
        return version


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写撤回理由。")})


class ExtensionForm(forms.Form):
    until = forms.DateTimeField(
        label=_("延期至"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": _("请填写延期截止时间。")},
    )
    reason = forms.CharField(label=_("延期理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写延期理由。")})


class ApplicationCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("申报类型"), choices=ApplicationKind.choices, widget=forms.RadioSelect,
                             initial=ApplicationKind.NEW)
    studio = forms.ModelChoiceField(label=_("变更领衔人的工作室"), queryset=None, required=False,
                                    empty_label="—— 请选择 ——",
                                    help_text=_("仅领衔人变更认定需选择：本单位已认定的技能大师工作室。"))

    def __init__(self, *args, studios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["studio"].queryset = studios

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ApplicationKind.LEAD_CHANGE and not cleaned.get("studio"):
            self.add_error("studio", _("领衔人变更认定请选择原工作室。"))
        return cleaned
