"""Reference lists (code lists) used by the application forms, as plain data.

Each list is an ordered tuple of ``ReferenceEntry(code, label, short_label)``
(a ``NamedTuple``, so plain ``(code, label, short_label)`` unpacking works).
``REFERENCE_LISTS`` maps a kind to its entries; the position in the tuple is
the display order.  A data migration loads these into ``ReferenceItem``;
``label()`` / ``short_label()`` / ``choices()`` here work on the in-module data
only.

Labels are data (Chinese is the source of truth), not gettext messages.

Sources: docs/domain.md §6 and the 2023 notice 镇人社函〔2023〕69号 一（二）.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

__all__ = [
    "APPLICATION_CONDITION",
    "EDUCATION",
    "ETHNIC_GROUP",
    "GENDER",
    "KIND_LABELS",
    "LEAD_HONOUR",
    "LEAD_HONOUR_LEVEL",
    "OWNERSHIP",
    "POLITICAL_STATUS",
    "REFERENCE_DESCRIPTIONS",
    "REFERENCE_LISTS",
    "SKILL_LEVEL",
    "UNIT_TYPE",
    "ReferenceEntry",
    "choices",
    "entries",
    "label",
    "short_label",
]


class ReferenceEntry(NamedTuple):
    code: str
    label: str
    short_label: str


def _same(*pairs: tuple[str, str]) -> tuple[ReferenceEntry, ...]:
    """Entries whose short label equals the label."""
    return tuple(ReferenceEntry(code, text, text) for code, text in pairs)


# 民族 — GB/T 3304-1991 (codes 01–56) plus the customary 97/98.
ETHNIC_GROUP: tuple[ReferenceEntry, ...] = _same(
    ("01", "汉族"),
    ("02", "蒙古族"),
    ("03", "回族"),
    ("04", "藏族"),
    ("05", "维吾尔族"),
    ("06", "苗族"),
    ("07", "彝族"),
    ("08", "壮族"),
    ("09", "布依族"),
    ("10", "朝鲜族"),
    ("11", "满族"),
    ("12", "侗族"),
    ("13", "瑶族"),
    ("14", "白族"),
    ("15", "土家族"),
    ("16", "哈尼族"),
    ("17", "哈萨克族"),
    ("18", "傣族"),
    ("19", "黎族"),
    ("20", "傈僳族"),
    ("21", "佤族"),
    ("22", "畲族"),
    ("23", "高山族"),
    ("24", "拉祜族"),
    ("25", "水族"),
    ("26", "东乡族"),
    ("27", "纳西族"),
    ("28", "景颇族"),
    ("29", "柯尔克孜族"),
    ("30", "土族"),
    ("31", "达斡尔族"),
    ("32", "仫佬族"),
    ("33", "羌族"),
    ("34", "布朗族"),
    ("35", "撒拉族"),
    ("36", "毛南族"),
    ("37", "仡佬族"),
    ("38", "锡伯族"),
    ("39", "阿昌族"),
    ("40", "普米族"),
    ("41", "塔吉克族"),
    ("42", "怒族"),
    ("43", "乌孜别克族"),
    ("44", "俄罗斯族"),
    ("45", "鄂温克族"),
    ("46", "德昂族"),
    ("47", "保安族"),
    ("48", "裕固族"),
    ("49", "京族"),
    ("50", "塔塔尔族"),
    ("51", "独龙族"),
    ("52", "鄂伦春族"),
    ("53", "赫哲族"),
    ("54", "门巴族"),
    ("55", "珞巴族"),
    ("56", "基诺族"),
    ("97", "其他"),
    ("98", "外国血统中国籍人士"),
)

# 政治面貌 — GB/T 4762-1984: full name, and the short form used on forms.
POLITICAL_STATUS: tuple[ReferenceEntry, ...] = (
    ReferenceEntry("01", "中国共产党党员", "中共党员"),
    ReferenceEntry("02", "中国共产党预备党员", "中共预备党员"),
    ReferenceEntry("03", "中国共产主义青年团团员", "共青团员"),
    ReferenceEntry("04", "中国国民党革命委员会会员", "民革会员"),
    ReferenceEntry("05", "中国民主同盟盟员", "民盟盟员"),
    ReferenceEntry("06", "中国民主建国会会员", "民建会员"),
    ReferenceEntry("07", "中国民主促进会会员", "民进会员"),
    ReferenceEntry("08", "中国农工民主党党员", "农工党党员"),
    ReferenceEntry("09", "中国致公党党员", "致公党党员"),
    ReferenceEntry("10", "九三学社社员", "九三学社社员"),
    ReferenceEntry("11", "台湾民主自治同盟盟员", "台盟盟员"),
    ReferenceEntry("12", "无党派民主人士", "无党派人士"),
    ReferenceEntry("13", "群众", "群众"),
)

# 学历 — codes follow GB/T 4658-2006 (2nd digit = "毕业" sub-code) where the
# standard has one: 11 博士研究生, 14 硕士研究生, 21 大学本科, 31 大学专科,
# 41 中等专科, 44 职业高中, 47 技工学校, 61 普通高中, 71 初中.
# 技工院校 classes above 中级工班 have no GB/T 4658 code; they get local codes
# in the standard's "9x 其他" range: 91 预备技师（技师）班, 92 高级工班.
# 71 is used for "初中及以下".  Order: highest first, 技工院校 grouped with the
# vocational tracks they are usually compared with (高级工班 ≈ 大专 level,
# 预备技师班 ≈ 本科 level in Jiangsu's equivalence rules; they are listed after
# 大学专科 without claiming a strict ranking).  学位 (学士/硕士/博士) is not a
# separate list; the form's 学历（学位） field may add it as free text.
EDUCATION: tuple[ReferenceEntry, ...] = (
    ReferenceEntry("11", "博士研究生", "博士"),
    ReferenceEntry("14", "硕士研究生", "硕士"),
    ReferenceEntry("21", "大学本科", "本科"),
    ReferenceEntry("31", "大学专科（含高职、高专）", "大专"),
    ReferenceEntry("91", "技工院校预备技师（技师）班", "预备技师班"),
    ReferenceEntry("92", "技工院校高级工班", "高级工班"),
    ReferenceEntry("41", "中等专业学校", "中专"),
    ReferenceEntry("44", "职业高中", "职高"),
    ReferenceEntry("47", "技工学校（中级工班）", "技校"),
    ReferenceEntry("61", "普通高中", "高中"),
    ReferenceEntry("71", "初中及以下", "初中及以下"),
)

# 技能等级 — 新八级 ladder, highest first.  Codes 1–5 are the national
# 一级…五级; 7/8 for 特级/首席技师 and 0 for 学徒工 are local codes.
SKILL_LEVEL: tuple[ReferenceEntry, ...] = (
    ReferenceEntry("8", "首席技师", "首席技师"),
    ReferenceEntry("7", "特级技师", "特级技师"),
    ReferenceEntry("1", "一级/高级技师", "高级技师"),
    ReferenceEntry("2", "二级/技师", "技师"),
    ReferenceEntry("3", "三级/高级工", "高级工"),
    ReferenceEntry("4", "四级/中级工", "中级工"),
    ReferenceEntry("5", "五级/初级工", "初级工"),
    ReferenceEntry("0", "学徒工", "学徒工"),
)

# 领衔人荣誉 — the eleven honours of the notice 一（二）, in the notice's order
# (quotes removed).  Codes are the position in the notice.
LEAD_HONOUR: tuple[ReferenceEntry, ...] = _same(
    ("01", "中华技能大奖"),
    ("02", "全国技术能手"),
    ("03", "国务院特殊津贴"),
    ("04", "江苏省有突出贡献的专家"),
    ("05", "江苏工匠"),
    ("06", "江苏省技术能手"),
    ("07", "江苏省三带乡土人才"),
    ("08", "镇江工匠"),
    ("09", "镇江市有突出贡献的专家"),
    ("10", "镇江市技术能手"),
    ("11", "镇江市优秀乡土人才"),
)

# Level of each honour (for filters and scoring): national / provincial / municipal.
LEAD_HONOUR_LEVEL: dict[str, str] = {
    "01": "national",
    "02": "national",
    "03": "national",
    "04": "provincial",
    "05": "provincial",
    "06": "provincial",
    "07": "provincial",
    "08": "municipal",
    "09": "municipal",
    "10": "municipal",
    "11": "municipal",
}

# 申报条件 — "且同时具有下列条件之一"; codes are the notice's numbers.
APPLICATION_CONDITION: tuple[ReferenceEntry, ...] = _same(
    ("1", "创新创优"),
    ("2", "技术攻关"),
    ("3", "科技成果转化"),
    ("4", "授艺带徒"),
    ("5", "传统工艺传承"),
)

_APPLICATION_CONDITION_DESCRIPTIONS: dict[str, str] = {
    "1": (
        "创新创优方面。进行技术革新和技术改造，或利用所掌握的绝技绝活用于实际生产与经营，"
        "或开发研制、创作有价值的新产品、新作品、新工艺等，取得显著经济效益和社会效益的。"
    ),
    "2": (
        "技术攻关方面。在科研、生产中攻克技术难关，或在新设备、新工艺、新材料的引进和使用上"
        "取得突破，大幅度提高劳动生产效率的。"
    ),
    "3": "科技成果转化方面。对科学研究与技术开发所产生的科技成果进行后续试验、应用、推广工作取得显著成效的。",
    "4": (
        "授艺带徒方面。积极参与“名师育高徒”活动，举办有一定规模的培训班传授技艺、培养人才，"
        "产生辐射效应，且培养的徒弟技艺高超，为培养紧缺型技能人才作出突出贡献的。"
    ),
    "5": "传统工艺传承方面。在抢救非物质文化遗产或挖掘传统工艺，开展工艺传承、宣传等方面具有突出贡献的。",
}

# 单位类型.
UNIT_TYPE: tuple[ReferenceEntry, ...] = _same(
    ("10", "企业"),
    ("20", "事业单位"),
    ("30", "技工院校"),
    ("40", "职业院校"),
    ("50", "行业协会"),
    ("90", "其他"),
)

# 单位性质（所有制/隶属）.  21–23 matter for routing: 驻镇省属、市直单位 are
# checked directly by the city bureau (notice 一（三）2).
OWNERSHIP: tuple[ReferenceEntry, ...] = (
    ReferenceEntry("10", "民营", "民营"),
    ReferenceEntry("21", "国有（市属）", "市属国有"),
    ReferenceEntry("22", "国有（省属）", "省属国有"),
    ReferenceEntry("23", "国有（央属）", "央属国有"),
    ReferenceEntry("30", "外资/合资", "外资/合资"),
    ReferenceEntry("90", "其他", "其他"),
)

GENDER: tuple[ReferenceEntry, ...] = _same(
    ("M", "男"),
    ("F", "女"),
)

REFERENCE_LISTS: dict[str, tuple[ReferenceEntry, ...]] = {
    "ethnic_group": ETHNIC_GROUP,
    "political_status": POLITICAL_STATUS,
    "education": EDUCATION,
    "skill_level": SKILL_LEVEL,
    "lead_honour": LEAD_HONOUR,
    "application_condition": APPLICATION_CONDITION,
    "unit_type": UNIT_TYPE,
    "ownership": OWNERSHIP,
    "gender": GENDER,
}

# Long texts by kind and code (only kinds that have them).
REFERENCE_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "application_condition": _APPLICATION_CONDITION_DESCRIPTIONS,
}

# Human names of the kinds (admin, list headers).
KIND_LABELS = {
    "ethnic_group": _("民族"),
    "political_status": _("政治面貌"),
    "education": _("学历"),
    "skill_level": _("技能等级"),
    "lead_honour": _("领衔人荣誉"),
    "application_condition": _("申报条件"),
    "unit_type": _("单位类型"),
    "ownership": _("单位性质"),
    "gender": _("性别"),
}

_BY_CODE: dict[str, dict[str, ReferenceEntry]] = {
    kind: {entry.code: entry for entry in items} for kind, items in REFERENCE_LISTS.items()
}


def entries(kind: str) -> tuple[ReferenceEntry, ...]:
    """All entries of ``kind`` in display order (``KeyError`` for an unknown kind)."""
    return REFERENCE_LISTS[kind]


def label(kind: str, code: object) -> str:
    """Full label for ``code``; unknown codes are returned as text, ``None`` as ``""``.

    Raises ``KeyError`` for an unknown ``kind`` (a programming error).
    """
    by_code = _BY_CODE[kind]
    if code is None:
        return ""
    entry = by_code.get(str(code))
    return entry.label if entry else str(code)


def short_label(kind: str, code: object) -> str:
    """Like ``label()`` but the short form (e.g. 中共党员, 大专)."""
    by_code = _BY_CODE[kind]
    if code is None:
        return ""
    entry = by_code.get(str(code))
    return entry.short_label if entry else str(code)


def choices(kind: str, *, short: bool = False) -> list[tuple[str, str]]:
    """``[(code, label), …]`` in display order, for a form field's ``choices``."""
    return [(e.code, e.short_label if short else e.label) for e in REFERENCE_LISTS[kind]]
