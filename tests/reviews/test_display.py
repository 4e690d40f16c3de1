"""The reviewer's rendering of snapshot diffs: Chinese labels, form order, highlighted parts."""

import pytest

from reviews.display import describe_diff, display_value

pytestmark = pytest.mark.django_db  # reference-list labels come from the database


def joined(segments, changed=None):
    return "".join(s.text for s in segments if changed is None or s.changed == changed)


def test_fields_are_labelled_in_chinese_and_in_form_order():
    changes = describe_diff({
        "work_plan": ("三年内培养技师10名。", "三年内培养技师12名。"),
        "studio_name": ("甲工作室", "乙工作室"),
        "lead_skill_level": ("2", "1"),
    })
    assert [(c.section_label, c.label) for c in changes] == [
        ("封面", "工作室名称"),
        ("领衔人基本情况", "职业资格"),
        ("单位简介、支持措施与工作计划", "技能大师工作室今后工作开展计划"),
    ]
    plan = changes[2]
    assert (joined(plan.before, changed=True), joined(plan.after, changed=True)) == ("0", "2")
    assert joined(plan.after) == "三年内培养技师12名。"


def test_coded_values_show_their_labels():
    [change] = describe_diff({"lead_political_status": ("13", "01")})
    assert (joined(change.before), joined(change.after)) == ("群众", "中共党员")
    assert display_value("lead_honours", ["06", "08"]) == "江苏省技术能手\n镇江工匠"
    assert display_value("condition_claims", {"4": "带徒12名。", "2": ""}) == "授艺带徒：带徒12名。"
    assert display_value("lead_work_start", "1998-07-01") == "1998年7月"
    assert display_value("office_area", "260.00") == "260"


def test_child_tables_list_removed_and_added_rows():
    before = [{"name": "李明", "qualification": "技师", "age": 35, "achievements": "攻关5项。"},
              {"name": "王芳", "qualification": "高级工", "age": 28, "achievements": ""}]
    after = [{"name": "李明", "qualification": "技师", "age": 35, "achievements": "攻关5项。"},
             {"name": "王芳", "qualification": "技师", "age": 29, "achievements": ""}]
    [change] = describe_diff({"members": (before, after)})
    assert (change.section_label, change.label) == ("工作室其他成员", "工作室其他成员")
    assert change.removed == ["王芳；高级工；28岁"]
    assert change.added == ["王芳；技师；29岁"]
    assert change.kept == 1
    [change] = describe_diff({"attachments": ([], [{"slot": "honour", "name": "证书.pdf", "sha256": "0"}])})
    assert (change.section_label, change.added) == ("证明材料", ["获奖证书：证书.pdf"])
