"""A full, realistic Annex 1 application (six members, eight awards, long texts, rare name
characters), for the Annex 1 PDF tests and bench/bench_annex1.py, built on tests/factories/studios.py.

`RARE` holds the characters outside GB2312 that must survive into the PDF; `typed_strings(app)`
lists every string the user typed, for the "every character typed appears" check.
"""

from datetime import date
from decimal import Decimal

import time_machine

from portal.validators import id_check_char
from studios.enums import ApplicationKind, ChangeReason, EvidenceSlot
from studios.models import ApplicationAward, ApplicationMember, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_create, application_save, application_submit
from tests.factories import studios as studio_factories

RARE = "堃喆䶮𠮷"

LEAD_NAME = "王堃喆"

MEMBERS = [
    ("李䶮", "高级技师", 46,
     "主持“高精度主轴箱体加工工艺优化”项目，箱体孔系加工精度由IT7提升至IT6，年节约返修成本38万元；"
     "带徒12名，其中5人取得技师职业资格。"),
    ("𠮷田蕊", "技师", 38, "负责五轴联动加工中心编程与调试，编制典型零件数控程序库120余个，缩短新产品试制周期约30%。"),
    ("周蕴喆", "高级技师", 51, "长期从事精密量具检测与校准，建立车间三坐标测量规范，获镇江市职工技术创新成果二等奖。"),
    ("陈晓琳", "技师", 35, "承担企业内训讲师工作，开发《数控铣削实训》校本教材，年均培训一线员工200余人次。"),
    ("高堃", "高级工", 29,
     "参与“难加工材料高效切削”攻关，钛合金零件刀具寿命提高45%；获江苏省职业技能大赛数控铣项目三等奖。"),
    ("赵立新", "技师", 42, "负责工装夹具设计，设计快速换型夹具23套，单件装夹时间由15分钟降至4分钟。"),
]

AWARDS = [
    ("高精度主轴箱体加工工艺", "镇江市科学技术进步奖", "镇江市人民政府", "二等奖", "1", 2019),
    ("数控铣工", "江苏省技术能手", "江苏省人力资源和社会保障厅", "省级", "1", 2018),
    ("五轴联动加工叶轮工艺", "江苏省职工技术创新成果奖", "江苏省总工会", "一等奖", "1", 2020),
    ("难加工材料高效切削技术", "镇江市职工十大科技创新成果", "镇江市总工会", "市级", "2", 2021),
    ("一种薄壁件防变形夹具", "实用新型专利", "国家知识产权局", "国家级", "1", 2021),
    ("数控铣工（教练）", "全国职业技能大赛优秀教练", "人力资源社会保障部", "国家级", "1", 2022),
    ("镇江工匠", "镇江工匠", "中共镇江市委人才工作领导小组", "市级", "1", 2022),
    ("精密零件在线检测方法", "中国机械工业科学技术奖", "中国机械工业联合会", "三等奖", "3", 2023),
]


LEAD_ACHIEVEMENTS = "\n".join([
    "王堃喆同志1998年7月参加工作，现任镇江华晟精密机械有限公司数控加工车间主任、首席技师，从事数控铣削加工工作二十余年，"
    "熟练掌握五轴联动加工、精密孔系加工和难加工材料切削等关键技术，是企业精密零部件制造的技术带头人。",
    "一、技术攻关。主持完成“高精度主轴箱体加工工艺优化”“薄壁铝合金壳体防变形加工”等技术攻关项目16项，"
    "解决了箱体孔系同轴度超差、薄壁件加工变形等长期困扰生产的难题，累计为企业创造经济效益1260余万元。",
    "二、创新创优。带领团队开展技术革新42项，其中获国家实用新型专利7项、发明专利2项；自主设计的快速换型夹具在公司"
    "三个车间推广应用，设备综合效率提高18%。",
    "三、授艺带徒。坚持“名师带高徒”，与12名青年员工签订师带徒协议，培养高级技师3名、技师9名、高级工21名；"
    "指导徒弟在江苏省职业技能大赛中获一等奖1项、三等奖2项。",
    "四、成果转化。将“精密零件在线检测方法”推广至镇江地区5家配套企业，带动产业链上下游质量提升。"
    "罕见字测试：䶮、𠮷、堃、喆。",
])

UNIT_INTRODUCTION = "\n".join([
    "镇江华晟精密机械有限公司成立于2003年，位于镇江市京口区学府路68号，是一家专业从事精密机床零部件、"
    "航空结构件研发制造的高新技术企业，现有员工860人，其中专业技术人员182人，2024年实现营业收入5.8亿元。",
    "公司建有江苏省精密加工工程技术研究中心、镇江市企业技术中心，拥有五轴联动加工中心、三坐标测量机等先进设备300余台（套）。",
    "公司高度重视高技能人才队伍建设，现有高级技师28人、技师96人、高级工215人，高技能人才占技能劳动者总数的41%；"
    "先后获评“江苏省高技能人才培养示范基地”“镇江市技能人才培养突出贡献单位”。" * 2,
])

UNIT_SUPPORT = "\n".join([
    "一是提供场地保障。公司在数控加工车间划出260平方米独立区域作为工作室场地，配备五轴联动加工中心1台、"
    "数控铣床3台、三坐标测量机1台及多媒体培训室，设备总价值约1200万元。",
    "二是提供经费保障。公司每年安排不少于30万元专项经费，用于工作室技术攻关、设备维护、人才培养和交流活动。",
    "三是提供制度保障。将工作室建设纳入公司人才发展规划，制定《技能大师工作室管理办法》《师带徒津贴发放办法》，"
    "对工作室成员在职称评定、岗位晋升、薪酬待遇方面予以倾斜。",
    ("四是提供交流平台。支持工作室与江苏科技大学、镇江市高等专科学校开展校企合作，"
     "每年选派成员外出学习交流不少于4人次。") * 2,
])

WORK_PLAN = "\n".join([
    "第一年：完善工作室各项制度，建立技术攻关项目库，开展“薄壁件高速切削”“钛合金深腔加工”两项技术攻关；"
    "签订师带徒协议10对，培养技师3名。",
    "第二年：围绕企业新产品开发，完成技术革新项目不少于8项，申报专利3项以上；举办面向镇江地区企业的数控技能培训班2期，"
    "培训150人次；组织成员参加省市职业技能竞赛。",
    "第三年：总结提炼绝技绝活，编写《精密零件数控加工典型案例》教材；培养高级技师2名、技师6名；"
    "将工作室打造成为镇江市装备制造行业有影响力的技术创新和技能人才培养平台。" * 2,
])

REPORT_BASIC = (
    "工作室依托镇江华晟精密机械有限公司建立，领衔人王堃喆为首席技师、江苏省技术能手、镇江工匠，工作室现有成员7名，"
    "其中高级技师3名、技师3名、高级工1名，平均年龄41岁，专业覆盖数控铣削、精密检测和工装设计。"
)
REPORT_NECESSITY = (
    "精密零部件是高端装备制造的基础。建立技能大师工作室，有利于发挥领衔人在技术攻关和人才培养中的引领作用，"
    "解决企业和区域产业发展中的关键技术难题，加快培养一批高素质技术技能人才。公司具备场地、设备、经费和制度条件，"
    "工作室成立是可行的。"
)
REPORT_SUPPORT = "公司为工作室提供独立场地260平方米，年度专项经费不少于30万元，并在职称评定、岗位晋升方面予以倾斜。"
REPORT_PLAN = "三年内完成技术攻关项目不少于10项，培养技师以上高技能人才15名，举办区域性技能培训4期以上。"

CONDITION_CLAIMS = {
    "2": "主持完成“高精度主轴箱体加工工艺优化”等技术攻关16项，箱体孔系加工精度由IT7提升至IT6，生产效率提高35%。",
    "4": "与12名青年员工签订师带徒协议，培养高级技师3名、技师9名；徒弟𠮷田蕊获江苏省职业技能大赛一等奖。",
}


def lead_id_number(birth: str = "19780512", seq: str = "031") -> str:
    first17 = "321102" + birth + seq
    return first17 + id_check_char(first17)


def full_fields(unit, *, text_repeat: int = 1) -> dict:
    """Every Annex 1 field, realistic and long (the long texts repeated `text_repeat` times)."""
    return {
        "studio_name": "王堃喆精密数控加工技能大师工作室",
        "work_field": "数控铣削加工、精密零件检测",
        "lead_name": LEAD_NAME,
        "lead_gender": "M",
        "lead_ethnicity": "01",
        "lead_political_status": "01",
        "lead_employer": unit.name,
        "lead_phone": "13805290168",
        "studio_location": "镇江市京口区学府路68号数控加工车间二楼",
        "office_area": Decimal("260.00"),
        "lead_education": "31",
        "lead_work_start": date(1998, 7, 1),
        "lead_occupation": "数控铣工",
        "lead_admin_post": "数控加工车间主任",
        "lead_skill_level": "8",
        "lead_id_number": lead_id_number(),
        "lead_address": "镇江市京口区学府路68号镇江华晟精密机械有限公司",
        "lead_postcode": "212001",
        "lead_honours": ["06", "08"],
        "lead_achievements": "\n".join([LEAD_ACHIEVEMENTS] * text_repeat),
        "condition_claims": CONDITION_CLAIMS,
        "unit_introduction": "\n".join([UNIT_INTRODUCTION] * text_repeat),
        "unit_support": "\n".join([UNIT_SUPPORT] * text_repeat),
        "work_plan": "\n".join([WORK_PLAN] * text_repeat),
        "report_basic_conditions": REPORT_BASIC,
        "report_necessity": REPORT_NECESSITY,
        "report_unit_support": REPORT_SUPPORT,
        "report_work_plan": REPORT_PLAN,
    }


def build_full_application(*, unit, campaign, actor, kind=ApplicationKind.NEW, studio=None,
                           members: int = 6, awards: int = 8, text_repeat: int = 1, evidence: bool = False):
    """A complete draft with every Annex 1 field filled, built through tests/factories/studios.py
    (services inside the campaign's filing window). Its one-row member and award tables are
    replaced by `members` / `awards` realistic rows. `evidence` stores a real honour certificate
    file (the factory's); without it only attachment rows are added by the caller if needed."""
    fields = full_fields(unit, text_repeat=text_repeat)
    if kind == ApplicationKind.NEW:
        app = studio_factories.draft(unit=unit, campaign=campaign, actor=actor, complete=True, evidence=evidence,
                                     **fields)
        app.members.all().delete()
        app.awards.all().delete()
    else:
        fields.update(previous_lead="张国䶮（已退休）", change_reason=ChangeReason.RETIRED)
        with time_machine.travel(studio_factories.filing_open(campaign), tick=True):
            app = application_create(unit=unit, campaign=campaign, actor=actor, kind=kind, studio=studio)
            app = application_save(application=app, lock_version=app.lock_version, actor=actor,
                                   fields=studio_factories.complete_fields(unit, **fields))
    for i in range(members):
        name, qualification, age, text = MEMBERS[i % len(MEMBERS)]
        ApplicationMember.objects.create(application=app, position=i,
                                         name=name if i < len(MEMBERS) else f"{name}{i}",
                                         qualification=qualification, age=age, achievements=text)
    for i in range(awards):
        project, award_name, issuer, level, rank, year = AWARDS[i % len(AWARDS)]
        ApplicationAward.objects.create(application=app, position=i, project=project, award_name=award_name,
                                        issuer=issuer, level=level, rank=rank, year=year)
    return app


def submit(app, actor):
    """Submit inside the campaign's filing window (the services freeze snapshot v1)."""
    with time_machine.travel(studio_factories.filing_open(app.campaign), tick=True):
        return application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)


def add_attachment(app, actor, *, slot=EvidenceSlot.HONOUR, name="江苏省技术能手证书（王堃喆）.pdf"):
    """An evidence row (no real file needed for the PDF: only the slot and the name are printed)."""
    return Attachment.objects.create(application=app, slot=slot, file=f"applications/{app.pk}/test",
                                     original_name=name, content_type="application/pdf", size=1024,
                                     sha256="0" * 64, uploaded_by=actor)


def typed_strings(app) -> list[str]:
    """Every string the applicant typed that Annex 1 prints (labels of coded fields excluded)."""
    out = [app.studio_name, app.work_field, app.lead_name, app.lead_employer, app.studio_location,
           app.lead_occupation, app.lead_admin_post, app.lead_address, app.lead_postcode,
           app.previous_lead, app.change_reason_other]
    for text in (app.lead_achievements, app.unit_introduction, app.unit_support, app.work_plan,
                 app.report_basic_conditions, app.report_necessity, app.report_unit_support, app.report_work_plan,
                 *(app.condition_claims or {}).values()):
        out += [line for line in text.splitlines() if line.strip()]
    for m in app.members.all():
        out += [m.name, m.qualification, str(m.age or ""), *m.achievements.splitlines()]
    for a in app.awards.all():
        out += [a.project, a.award_name, a.issuer, a.level, a.rank, str(a.year or "")]
    for att in app.attachments.all():
        out.append(att.original_name)
    return [s for s in out if s and s.strip()]
