"""The sections of Annex 1, in form order: one place that names them for the step flow, the
completeness check, return reasons and diffs."""

from django.utils.translation import gettext_lazy as _

SECTIONS: list[tuple[str, str, list[str]]] = [
    # key, label, Application fields in the section (child tables noted separately)
    ("cover", _("封面"), ["studio_name", "work_field"]),
    ("lead", _("领衔人基本情况"), [
        "lead_name", "lead_gender", "lead_ethnicity", "lead_political_status", "lead_employer", "lead_phone",
        "studio_location", "office_area", "lead_education", "lead_work_start", "lead_occupation",
        "lead_admin_post", "lead_skill_level", "lead_id_number", "lead_address", "lead_postcode",
        "previous_lead", "change_reason", "change_reason_other",
    ]),
    ("members", _("工作室其他成员"), []),
    ("achievements", _("主要业绩与获奖"), ["lead_achievements", "lead_honours"]),
    ("conditions", _("申报条件"), ["condition_claims"]),
    ("unit", _("单位简介、支持措施与工作计划"), ["unit_introduction", "unit_support", "work_plan"]),
    ("report", _("申办报告"), [
        "report_basic_conditions", "report_necessity", "report_unit_support", "report_work_plan",
    ]),
    ("evidence", _("证明材料"), []),
]

SECTION_LABELS = {key: label for key, label, _fields in SECTIONS}
SECTION_OF_FIELD = {field: key for key, _label, fields in SECTIONS for field in fields}


# At most this many rows in each repeating table (members, awards): enforced per POST by the
# formsets and on the stored total by studios.services.application_rows_save. A studio has far
# fewer; without a cap a forged TOTAL_FORMS or repeated POSTs grew a form to thousands of rows and
# a 389-page, 51-second PDF render (security.md #26, bench L12).
MAX_TABLE_ROWS = 50
