"""The Annex 1 step flow over a saved draft: an ordered list of steps, each knowing whether it
applies to the case and whether it is complete (from application_problems). Each step saves on
its own; the final submit re-validates everything in the service."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from studios import forms
from studios.models import Application
from studios.sections import SECTION_LABELS


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    form_class: type | None = None
    formset: str | None = None  # "members" / "awards": the step edits that child table
    description: str = ""
    applies_to: frozenset = field(default_factory=frozenset)  # empty: every kind

    def is_applicable(self, application: Application) -> bool:
        return not self.applies_to or application.kind in self.applies_to

    def is_complete(self, application: Application, problems: dict) -> bool:
        if self.key == "review":
            return not problems
        return self.key not in problems

    @property
    def is_editing(self) -> bool:
        return self.key not in {"evidence", "review"}


STEPS: list[Step] = [
    Step("cover", SECTION_LABELS["cover"], forms.CoverForm,
         description=_("申报表封面：申报单位取自本单位登记信息，如有错误请联系所在地人社局更正。")),
    Step("lead", SECTION_LABELS["lead"], forms.LeadForm,
         description=_("按身份证和职业资格（技能等级）证书如实填写。")),
    Step("members", SECTION_LABELS["members"], forms.StepForm, formset="members",
         description=_("技能大师工作室其他成员（青年技术技能骨干等），可添加任意多行。")),
    Step("achievements", SECTION_LABELS["achievements"], forms.AchievementsForm, formset="awards",
         description=_("领办或创办人主要工作业绩、所获荣誉和主要获奖情况。")),
    Step("conditions", SECTION_LABELS["conditions"], forms.ConditionsForm,
         description=_("领衔人须获得通知所列荣誉之一，且同时具有下列条件之一。请勾选符合的条件并具体说明。")),
    Step("unit", SECTION_LABELS["unit"], forms.UnitForm),
    Step("report", SECTION_LABELS["report"], forms.ReportForm,
         description=_("申办报告内容包括工作室基本条件、成立的必要性和可行性、单位支持措施、成立后的工作开展计划。")),
    Step("evidence", SECTION_LABELS["evidence"], None,
         description=_("请上传获奖证书、出版物、技术认定及技术创新证明等材料的扫描件（PDF、JPG或PNG，单个文件不超过10MB）。")),
    Step("review", _("核对并提交"), None),
]
STEP_KEYS = [s.key for s in STEPS]
_BY_KEY = {s.key: s for s in STEPS}


def steps_for(application: Application) -> list[Step]:
    return [s for s in STEPS if s.is_applicable(application)]


def get_step(application: Application, key: str) -> Step | None:
    step = _BY_KEY.get(key)
    return step if step is not None and step.is_applicable(application) else None


def neighbours(application: Application, key: str) -> tuple[Step | None, Step | None]:
    steps = steps_for(application)
    keys = [s.key for s in steps]
    i = keys.index(key)
    return (steps[i - 1] if i > 0 else None, steps[i + 1] if i + 1 < len(steps) else None)
