"""Presentation of an application for reviewers: the read-only Annex 1 grouped by section, and
"what changed since the last version" with Chinese labels and highlighted changes.

Values come either from the model (the read-only form) or from a snapshot's JSON (the diff);
both go through `display_value`, so a field reads the same in both places.
"""

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import crypto, reference
from studios.enums import ChangeReason, EvidenceSlot
from studios.models import Application
from studios.sections import SECTIONS

# Fields whose stored value is a reference-list code.
REFERENCE_KIND = {
    "lead_gender": "gender",
    "lead_ethnicity": "ethnic_group",
    "lead_political_status": "political_status",
    "lead_education": "education",
    "lead_skill_level": "skill_level",
}
# Coded fields shown by their short form label (中共党员, 大专), as on the paper form.
SHORT_LABELS = {"lead_political_status", "lead_education"}
# Snapshot keys that are child tables, with the section they belong to.
CHILD_LABELS = {
    "members": gettext_lazy("工作室其他成员"),
    "awards": gettext_lazy("领办或创办人主要获奖情况"),
    "attachments": gettext_lazy("证明材料"),
}
CHILD_SECTION = {"members": "members", "awards": "achievements", "attachments": "evidence"}
SECTION_OF = {name: key for key, _label, fields in SECTIONS for name in fields} | CHILD_SECTION
SECTION_ORDER = {key: index for index, (key, _label, _fields) in enumerate(SECTIONS)}


def field_label(name: str) -> str:
    if name in CHILD_LABELS:
        return str(CHILD_LABELS[name])
    try:
        return str(Application._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a key a newer snapshot added: show it as is
        return name


def _lines(name: str, value) -> list[str]:
    """Child tables and multi-valued fields as one line per row."""
    if name == "members":
        return [
            "；".join(filter(None, [
                m.get("name", ""), m.get("qualification", ""),
                _("%(age)s岁") % {"age": m["age"]} if m.get("age") else "", m.get("achievements", ""),
            ]))
            for m in value or []
        ]
    if name == "awards":
        return [
            "；".join(filter(None, [
                a.get("project", ""), a.get("award_name", ""), a.get("issuer", ""), a.get("level", ""),
                a.get("rank", ""), str(a["year"]) if a.get("year") else "",
            ]))
            for a in value or []
        ]
    if name == "attachments":
        slots = dict(EvidenceSlot.choices)
        return [f"{slots.get(a.get('slot'), a.get('slot'))}：{a.get('name', '')}" for a in value or []]
    if name == "lead_honours":
        return [reference.label("lead_honour", code, short=False) for code in value or []]
    if name == "condition_claims":
        return [
            f"{reference.label('application_condition', code, short=False)}：{(text or '').strip()}"
            for code, text in (value or {}).items() if (text or "").strip()
        ]
    return []


MULTI_LINE = {"members", "awards", "attachments", "lead_honours", "condition_claims"}


def display_value(name: str, value) -> str:
    """One field's value as the reviewer reads it ("" when empty)."""
    if name in MULTI_LINE:
        return "\n".join(_lines(name, value))
    if value in (None, "", [], {}):
        return ""
    if name in REFERENCE_KIND:
        return reference.label(REFERENCE_KIND[name], value, short=name in SHORT_LABELS)
    if name == "change_reason":
        return str(dict(ChangeReason.choices).get(value, value))
    if name == "lead_id_number":
        return value if "*" in str(value) else crypto.mask_id_number(value)
    if name == "lead_phone":
        return value if "*" in str(value) else crypto.mask_phone(value)
    if name == "lead_work_start":
        parsed = parse_date(value) if isinstance(value, str) else value
        return date_format(parsed, "Y年n月") if parsed else str(value)
    if name == "office_area":
        return format(Decimal(str(value)).normalize(), "f")  # the label says 平方米
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


@dataclass
class Segment:
    text: str
    changed: bool


def _segments(before: str, after: str) -> tuple[list[Segment], list[Segment]]:
    """Character-level diff: the parts of `before` that were removed and of `after` that were
    added are marked `changed`."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    old: list[Segment] = []
    new: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old.append(Segment(before[i1:i2], False))
            new.append(Segment(after[j1:j2], False))
        else:
            if i2 > i1:
                old.append(Segment(before[i1:i2], True))
            if j2 > j1:
                new.append(Segment(after[j1:j2], True))
    return old, new


@dataclass
class Change:
    name: str
    label: str
    section: str
    section_label: str
    before: list[Segment] = field(default_factory=list)
    after: list[Segment] = field(default_factory=list)
    # For child tables: rows removed / added (compared as whole lines).
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    kept: int = 0

    @property
    def is_table(self) -> bool:
        return self.name in MULTI_LINE


def describe_diff(diff: dict[str, tuple]) -> list[Change]:
    """`studios.services.snapshot_diff` output as labelled changes, in form order."""
    labels = {key: str(label) for key, label, _fields in SECTIONS}
    changes = []
    for name, (before, after) in diff.items():
        section = SECTION_OF.get(name, "cover")
        change = Change(name=name, label=field_label(name), section=section, section_label=labels[section])
        if name in MULTI_LINE:
            old_lines, new_lines = _lines(name, before), _lines(name, after)
            change.removed = [line for line in old_lines if line not in new_lines]
            change.added = [line for line in new_lines if line not in old_lines]
            change.kept = len([line for line in new_lines if line in old_lines])
        else:
            change.before, change.after = _segments(display_value(name, before), display_value(name, after))
        changes.append(change)
    field_order = {name: i for i, (_k, _l, fields) in enumerate(SECTIONS) for name in fields}
    changes.sort(key=lambda c: (SECTION_ORDER[c.section], field_order.get(c.name, 999), c.name))
    return changes


@dataclass
class Row:
    name: str
    label: str
    value: str
    changed: bool
    long: bool


@dataclass
class Section:
    key: str
    label: str
    rows: list[Row]
    changed: bool
    return_reason: str = ""


LONG_FIELDS = {
    "lead_achievements", "unit_introduction", "unit_support", "work_plan", "report_basic_conditions",
    "report_necessity", "report_unit_support", "report_work_plan", "condition_claims",
}


def annex_sections(application: Application, *, changed: set[str] | frozenset[str] = frozenset(),
                   return_reasons: dict[str, str] | None = None) -> list[Section]:
    """The read-only Annex 1, section by section; `changed` names fields (or child tables) that
    differ from the previous version, `return_reasons` the last return's reason per section."""
    from studios.enums import ApplicationKind

    return_reasons = return_reasons or {}
    hidden = set()
    if application.kind != ApplicationKind.LEAD_CHANGE:
        hidden = {"previous_lead", "change_reason", "change_reason_other"}
    sections = []
    for key, label, fields in SECTIONS:
        rows = [
            Row(name=name, label=field_label(name), value=display_value(name, getattr(application, name)),
                changed=name in changed, long=name in LONG_FIELDS)
            for name in fields if name not in hidden
        ]
        section_changed = any(r.changed for r in rows) or any(
            CHILD_SECTION[child] == key for child in changed if child in CHILD_SECTION
        )
        sections.append(Section(key=key, label=str(label), rows=rows, changed=section_changed,
                                return_reason=return_reasons.get(key, "")))
    return sections
