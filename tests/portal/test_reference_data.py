"""Tests for portal.reference_data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import reference_data as rd

NOTICE = Path("/work/shared/seed/000_d59e2d59539f7422.txt")

EXPECTED_KINDS = {
    "ethnic_group",
    "political_status",
    "education",
    "skill_level",
    "lead_honour",
    "application_condition",
    "unit_type",
    "ownership",
    "gender",
}


def notice_text() -> str:
    if not NOTICE.exists():
        pytest.skip("notice seed file not available")
    return NOTICE.read_text(encoding="utf-8")


def test_kinds():
    assert set(rd.REFERENCE_LISTS) == EXPECTED_KINDS
    assert set(rd.KIND_LABELS) == EXPECTED_KINDS


@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
def test_entries_well_formed(kind):
    items = rd.REFERENCE_LISTS[kind]
    assert items, kind
    codes = [item.code for item in items]
    assert len(codes) == len(set(codes)), f"duplicate codes in {kind}"
    labels = [item.label for item in items]
    assert len(labels) == len(set(labels)), f"duplicate labels in {kind}"
    for item in items:
        code, label, short_label = item  # plain 3-tuples for the data migration
        assert isinstance(code, str) and re.fullmatch(r"[0-9A-Z]{1,8}", code)
        assert isinstance(label, str) and label == label.strip() and label
        assert isinstance(short_label, str) and short_label == short_label.strip() and short_label
        assert len(label) <= 100 and len(short_label) <= 50
        assert not re.search(r"[“”\"]", label)


def test_ethnic_groups():
    items = rd.REFERENCE_LISTS["ethnic_group"]
    codes = [item.code for item in items]
    assert codes == [f"{n:02d}" for n in range(1, 57)] + ["97", "98"]
    assert all(item.label.endswith("族") for item in items[:56])
    assert all(item.short_label == item.label for item in items)
    assert rd.label("ethnic_group", "01") == "汉族"
    for code, name in [
        ("23", "高山族"),
        ("30", "土族"),
        ("49", "京族"),
        ("54", "门巴族"),
        ("55", "珞巴族"),
        ("56", "基诺族"),
        ("15", "土家族"),
    ]:
        assert rd.label("ethnic_group", code) == name
    assert rd.label("ethnic_group", "98") == "外国血统中国籍人士"


def test_political_status():
    items = rd.REFERENCE_LISTS["political_status"]
    assert [item.code for item in items] == [f"{n:02d}" for n in range(1, 14)]
    assert [item.short_label for item in items] == [
        "中共党员",
        "中共预备党员",
        "共青团员",
        "民革会员",
        "民盟盟员",
        "民建会员",
        "民进会员",
        "农工党党员",
        "致公党党员",
        "九三学社社员",
        "台盟盟员",
        "无党派人士",
        "群众",
    ]
    assert rd.label("political_status", "01") == "中国共产党党员"
    assert rd.short_label("political_status", "01") == "中共党员"


def test_skill_levels_highest_first():
    assert [code for code, _label, _short in rd.SKILL_LEVEL] == ["8", "7", "1", "2", "3", "4", "5", "0"]
    assert rd.label("skill_level", "1") == "一级/高级技师"
    assert rd.label("skill_level", 3) == "三级/高级工"


def test_education_has_vocational_school_options():
    labels = [item.label for item in rd.EDUCATION]
    assert labels[0] == "博士研究生" and labels[-1] == "初中及以下"
    assert any("技工" in label for label in labels)
    assert "中等专业学校" in labels and "普通高中" in labels


def test_honours_in_notice_order():
    labels = [item.label for item in rd.LEAD_HONOUR]
    assert len(labels) == 11
    assert labels[0] == "中华技能大奖" and labels[-1] == "镇江市优秀乡土人才"
    assert set(rd.LEAD_HONOUR_LEVEL) == {item.code for item in rd.LEAD_HONOUR}
    text = notice_text()
    paragraph = text[text.index("（二）申报条件。") : text.index("等奖励和荣誉")]
    assert re.findall(r"“([^”]+)”", paragraph) == labels


def test_conditions():
    items = rd.REFERENCE_LISTS["application_condition"]
    assert [item.label for item in items] == ["创新创优", "技术攻关", "科技成果转化", "授艺带徒", "传统工艺传承"]
    descriptions = rd.REFERENCE_DESCRIPTIONS["application_condition"]
    assert set(descriptions) == {item.code for item in items}
    for item in items:
        assert descriptions[item.code].startswith(item.label + "方面。")
    text = notice_text()
    for item in items:
        assert f"{item.code}.{descriptions[item.code]}" in text


def test_descriptions_refer_to_existing_entries():
    for kind, by_code in rd.REFERENCE_DESCRIPTIONS.items():
        codes = {item.code for item in rd.REFERENCE_LISTS[kind]}
        assert set(by_code) <= codes


def test_other_lists():
    assert [label for _code, label in rd.choices("unit_type")] == [
        "企业",
        "事业单位",
        "技工院校",
        "职业院校",
        "行业协会",
        "其他",
    ]
    assert [label for _code, label in rd.choices("ownership")] == [
        "民营",
        "国有（市属）",
        "国有（省属）",
        "国有（央属）",
        "外资/合资",
        "其他",
    ]
    assert rd.choices("gender") == [("M", "男"), ("F", "女")]


def test_helpers():
    assert rd.choices("political_status", short=True)[0] == ("01", "中共党员")
    assert rd.choices("political_status")[0] == ("01", "中国共产党党员")
    assert rd.entries("gender") is rd.GENDER
    assert rd.label("gender", "X") == "X"  # unknown legacy code shown as-is
    assert rd.label("gender", None) == ""
    assert rd.short_label("education", "31") == "大专"
    with pytest.raises(KeyError):
        rd.label("no_such_kind", "1")
    with pytest.raises(KeyError):
        rd.choices("no_such_kind")
