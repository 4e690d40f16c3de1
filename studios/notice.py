"""The privacy notice (个人信息处理告知) a unit acknowledges when it submits an application.

Contract:
- `PRIVACY_NOTICE_VERSION` names the text below. Change it whenever the text changes in
  substance: every submission stores the version it acknowledged (Application.notice_version and
  ApplicationSnapshot.notice_version), and `studios.services.application_submit` refuses any
  other version, so a page rendered with an older text must be reloaded and ticked again.
- The text states who processes the data, for what purpose, which roles see it, how it is stored
  and for how long (PIPL Arts. 7, 14, 17, 29, 30; GB/T 35273-2020 §5.5). The retention periods
  match pi_inventory.yaml and settings.PORTAL_APPLICATION_RETENTION_DAYS.
"""

from django.utils.translation import gettext_lazy as _

PRIVACY_NOTICE_VERSION = "2026-11"

PRIVACY_NOTICE_TITLE = _("个人信息处理告知")

# (heading, paragraph) pairs, rendered in order on the submit step.
PRIVACY_NOTICE_SECTIONS = [
    (_("处理者"),
     _("镇江市人力资源和社会保障局（以下简称“市人社局”）通过本平台办理镇江市技能大师工作室的申报、"
       "初审推荐、评审和认定。")),
    (_("处理目的"),
     _("申报表所填个人信息仅用于核实领衔人及工作室成员的申报资格、组织初审推荐和专家评审、"
       "作出认定并进行年度考核，以及依法办理公示和档案管理，不用于其他目的。")),
    (_("处理的个人信息"),
     _("领衔人的姓名、性别、民族、政治面貌、身份证号码、联系电话、通讯地址、学历、工作经历、"
       "职业资格、荣誉和获奖情况；工作室成员的姓名、年龄、职业资格和业绩；所上传的证书等证明材料。"
       "其中身份证号码属于敏感个人信息，仅用于核验身份和防止重复申报。")),
    (_("可以查看的人员"),
     _("本单位经办人员；推荐单位（所在地人社局或行业主管部门）的初审人员；市人社局经办人和审批人；"
       "受邀评审专家（仅可查看与评审有关的内容，不能查看身份证号码和联系电话）；"
       "审计管理员仅查看操作日志。身份证号码、联系电话默认遮蔽显示，查看完整号码须经授权并记录在案。")),
    (_("存储和保护"),
     _("个人信息存储于市人社局的服务器，身份证号码和联系电话加密存储；证明材料仅可通过权限校验后下载，"
       "每次下载均留有记录。")),
    (_("保存期限"),
     _("获得认定的，保存至工作室存续期间届满后5年；初审未通过、未入选或撤回的申报，以及从未提交的草稿，"
       "自最后一次办理之日起保存3年，期满后删除证明材料并对个人信息作匿名化处理。")),
    (_("您的权利"),
     _("领衔人及工作室成员可以通过本单位或直接向市人社局查阅、更正本人的个人信息；"
       "对处理方式有疑问的，可以联系市人社局。")),
    (_("申报单位的承诺"),
     _("申报单位提交前，应将本告知内容告知领衔人和工作室成员，并取得其同意（身份证号码等敏感个人信息"
       "应取得其单独同意）。")),
]

PRIVACY_NOTICE_CHECKBOX = _("我单位已阅读上述《个人信息处理告知》，已将其内容告知领衔人及工作室成员并取得其同意。")
PRIVACY_NOTICE_REQUIRED = _("请阅读《个人信息处理告知》并勾选确认后再提交。")
PRIVACY_NOTICE_OUTDATED = _("《个人信息处理告知》已更新，请重新阅读并勾选确认后再提交。")
