"""Forms of the channel pre-review actions. They only collect input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from studios.sections import SECTIONS

REASON_MAX = 2000


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class ReturnForm(forms.Form):
    """One reason box per Annex 1 section; at least one filled."""

    prefix = "return"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, _fields in SECTIONS:
            self.fields[key] = forms.CharField(
                label=label, required=False, max_length=REASON_MAX,
                widget=_textarea(2, placeholder=_("如本部分需修改，请写明原因和要求")),
            )

    def clean(self):
        data = super().clean()
        if not any((data.get(key) or "").strip() for key, _label, _fields in SECTIONS):
            raise forms.ValidationError(_("请至少在一个部分填写退回修改意见。"), code="no_reason")
        return data

    def reasons(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key, _label, _fields in SECTIONS if self.cleaned_data.get(key)}


class RejectForm(forms.Form):
    prefix = "reject"

    reason = forms.CharField(
        label=_("不通过理由"), max_length=REASON_MAX, widget=_textarea(3),
        error_messages={"required": _("请填写初审不通过的理由。")},
    )


class RecommendForm(forms.Form):
    """Rank (among the free places of the channel's list) and the 审核推荐意见."""

    prefix = "recommend"

    rank = forms.TypedChoiceField(label=_("推荐排序"), coerce=int, choices=())
    opinion = forms.CharField(
        label=_("审核推荐意见"), max_length=REASON_MAX, widget=_textarea(4),
        help_text=_("将填入申报表“辖市区人力资源和社会保障局（主管部门）审核推荐意见”栏。"),
        error_messages={"required": _("请填写审核推荐意见。")},
    )

    def __init__(self, *args, free_ranks: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rank"].choices = [(r, _("第 %(rank)d 位") % {"rank": r}) for r in free_ranks]
        if free_ranks and not self.is_bound:
            self.initial.setdefault("rank", free_ranks[0])


class UnrecommendForm(forms.Form):
    prefix = "unrecommend"

    reason = forms.CharField(
        label=_("撤销推荐理由"), max_length=REASON_MAX, widget=_textarea(2),
        error_messages={"required": _("请填写撤销推荐的理由。")},
    )


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "return": ReturnForm,
    "reject": RejectForm,
    "recommend": RecommendForm,
    "unrecommend": UnrecommendForm,
}
