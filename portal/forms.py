import itertools

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from portal import reference
from portal.crypto import mask_phone
from portal.models import CalendarOverride, Campaign, Channel, ReferenceItem, Unit
from portal.pi import MaskedInput, passes, restore_masked
from portal.validators import PhoneField, PostcodeField, USCCField, normalize_phone, validate_phone


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CampaignForm(forms.ModelForm):
    # The bureau's contact phone printed on the notice: validated and stored in canonical form
    # like every phone in the portal (security.md #26).
    contact_phone = PhoneField(label=_("联系电话"), required=False)

    class Meta:
        model = Campaign
        fields = [
            "year", "title", "doc_number", "is_published", "published_on", "summary",
            "unit_filing_deadline", "channel_review_deadline", "expert_review_deadline",
            "city_decision_deadline", "evaluation_filing_deadline",
            "channel_quota_min", "channel_quota_max", "direct_city_quota_max", "accreditation_max",
            "startup_fund", "publicity_working_days", "contact_person", "contact_phone", "contact_address",
        ]
        widgets = {
            "published_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
            **{
                name: DateTimeInput()
                for name in (
                    "unit_filing_deadline", "channel_review_deadline", "expert_review_deadline",
                    "city_decision_deadline", "evaluation_filing_deadline",
                )
            },
        }
        help_texts = {
            "channel_review_deadline": _("2023年为5月29日。"),
            "channel_quota_max": _("2023年通知：各地推荐1-2家。"),
            "accreditation_max": _("2023年通知：认定不超过5个。"),
            "publicity_working_days": _("按工作日计算，自动跳过法定节假日并计入调休上班日。"),
        }

    def clean(self):
        data = super().clean()
        order = ["unit_filing_deadline", "channel_review_deadline", "expert_review_deadline",
                 "city_decision_deadline"]
        for earlier, later in itertools.pairwise(order):
            if data.get(earlier) and data.get(later) and data[earlier] > data[later]:
                self.add_error(later, _("该截止时间不能早于“%(earlier)s”。")
                               % {"earlier": Campaign._meta.get_field(earlier).verbose_name})
        lo, hi = data.get("channel_quota_min"), data.get("channel_quota_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("channel_quota_min", _("最少推荐数不能大于最多推荐数。"))
        return data


class UnitForm(forms.ModelForm):
    uscc = USCCField(label=_("统一社会信用代码"))
    postcode = PostcodeField(label=_("邮编"))
    # Shown masked (security.md #23); left unchanged, the stored number is kept.
    contact_phone = PhoneField(label=_("联系电话"),
                               widget=MaskedInput(mask=mask_phone, complete=passes(validate_phone),
                                                  normalize=normalize_phone))
    unit_type = forms.ChoiceField(label=_("单位类型"))
    ownership = forms.ChoiceField(label=_("所有制"))

    class Meta:
        model = Unit
        fields = ["name", "uscc", "unit_type", "ownership", "channel", "address", "postcode",
                  "contact_name", "contact_phone", "email", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_type"].choices = reference.choices("unit_type")
        self.fields["ownership"].choices = reference.choices("ownership")
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        restore_masked(self)


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ["code", "name", "kind", "authority", "sort_order", "is_active"]


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "is_workday", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("账号/路径"), required=False)
    action = forms.ChoiceField(label=_("事件"), required=False)
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from portal.enums import AuditAction

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("全部")), *list(AuditAction.choices)]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_tag = False


class ReferenceItemForm(forms.ModelForm):
    """Labels and activity only: codes stored in cases never change meaning."""

    class Meta:
        model = ReferenceItem
        fields = ["label", "short_label", "description", "sort_order", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
