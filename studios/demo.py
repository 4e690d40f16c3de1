"""Demo applications and accredited studios for seed_demo (idempotent).

- 镇江华晟精密机械有限公司: a complete, submitted NEW application (陈国喆, 京口区), with evidence.
- 丹阳市天工眼镜光学有限公司: a draft in progress (丹阳市).
- 镇江市机电高级技工学校: submitted straight to the city (驻镇省属、市直单位).
- 镇江金山电气设备有限公司, 镇江京江数控技术有限公司 (京口区) and 丹阳市云阳汽车零部件有限公司 (丹阳市):
  submitted, so the channel queues have something to rank.
- Two accredited studios (for lead changes later).
Evidence files are generated here (small certificate images and PDFs), through the same checks
as uploads.
"""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from portal.demo import DEMO_PASSWORD
from portal.enums import Role
from portal.models import RoleAssignment, User
from portal.uploads import check_upload
from portal.validators import id_check_char
from studios.enums import EvidenceSlot, StudioStatus
from studios.models import Application, ApplicationAward, ApplicationMember, Studio
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_create, application_save, application_submit, attachment_add

FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]

# Extra unit accounts for the demo units that file applications (portal.demo has three).
EXTRA_ACCOUNTS = [
    ("danwei_jinshan", "韩志强", "镇江金山电气设备有限公司"),
    ("danwei_jingjiang", "吴海燕", "镇江京江数控技术有限公司"),
    ("danwei_yunyang", "眭国平", "丹阳市云阳汽车零部件有限公司"),
]


def demo_id(area: str, birth: str, seq: str) -> str:
    first17 = area + birth + seq
    return first17 + id_check_char(first17)


# --- The showcase application: 陈国喆, 镇江华晟精密机械有限公司 --------------------------------

HUASHENG = {
    "studio_name": "陈国喆精密机械加工技能大师工作室",
    "work_field": "精密机械加工（数控车削、五轴联动加工、精密检测）",
    "lead_name": "陈国喆",
    "lead_gender": "M",
    "lead_ethnicity": "01",
    "lead_political_status": "01",
    "lead_employer": "镇江华晟精密机械有限公司",
    "lead_phone": "13952816372",
    "studio_location": "镇江市京口区学府路68号华晟公司二号厂房三楼",
    "office_area": Decimal("260.00"),
    "lead_education": "31",
    "lead_work_start": date(1995, 7, 1),
    "lead_occupation": "数控车工",
    "lead_admin_post": "精密加工车间主任、公司首席技师",
    "lead_skill_level": "1",
    "lead_id_number": demo_id("321102", "19760315", "035"),
    "lead_address": "镇江市京口区学府路68号镇江华晟精密机械有限公司",
    "lead_postcode": "212001",
    "lead_honours": ["06", "08", "10"],
    "lead_achievements": (
        "陈国喆同志1995年7月从镇江机械技工学校毕业后进入企业，扎根数控加工一线近三十年，现任精密加工车间主任、"
        "公司首席技师，持有数控车工高级技师职业资格，先后获得“江苏省技术能手”“镇江工匠”“镇江市技术能手”等称号。\n"
        "一、技术攻关成效显著。主持完成“大型薄壁轴承座防变形加工”“液压阀体深孔精密加工”等关键技术攻关16项，"
        "攻克了薄壁件装夹变形、深孔加工直线度超差等长期制约产品质量的难题，产品一次交检合格率由92.6%提高到99.3%，"
        "近三年累计为企业新增产值4600余万元、节约成本870余万元。\n"
        "二、创新创优成果丰硕。带领团队开展技术革新和合理化建议活动，取得国家发明专利2项、实用新型专利9项；"
        "自主设计的“薄壁件真空吸附柔性夹具”在公司三个车间推广应用，装夹时间由18分钟缩短至5分钟；"
        "总结提炼的“陈国喆五步对刀法”被纳入企业标准作业指导书。\n"
        "三、授艺带徒成绩突出。坚持“名师带高徒”，先后与27名青年员工签订师带徒协议，培养高级技师4名、技师11名、"
        "高级工23名；指导徒弟在江苏省职业技能大赛、镇江市职工职业技能竞赛中获一等奖2项、二等奖3项，"
        "2名徒弟被评为“镇江市技术能手”。\n"
        "四、积极服务社会。受聘担任镇江市机电高级技工学校企业兼职教师和镇江市数控车工职业技能竞赛裁判，"
        "每年为区域内配套企业开展技术培训和现场指导10余次，推动产业链上下游共同提升工艺水平。"
    ),
    "condition_claims": {
        "1": "自主设计薄壁件真空吸附柔性夹具、多工位快速换型工装等技术革新成果12项，获发明专利2项、实用新型专利9项，"
             "装夹效率提高两倍以上，年节约成本约260万元。",
        "2": "主持“大型薄壁轴承座防变形加工”“液压阀体深孔精密加工”等技术攻关16项，"
             "产品一次交检合格率由92.6%提高到99.3%，关键工序生产效率提高35%。",
        "4": "与27名青年员工签订师带徒协议，培养高级技师4名、技师11名、高级工23名；"
             "徒弟获省、市技能竞赛一等奖2项、二等奖3项。",
    },
    "unit_introduction": (
        "镇江华晟精密机械有限公司成立于2003年，位于镇江市京口区学府路，是一家专业从事精密轴承座、液压阀体、"
        "工程机械关键零部件研发制造的国家高新技术企业、江苏省专精特新中小企业。公司现有职工628人，"
        "拥有五轴联动加工中心、数控车铣复合中心、三坐标测量机等先进设备210余台（套），2023年实现销售收入5.8亿元。"
        "公司建有江苏省精密零部件工程技术研究中心，累计获授权专利86项。\n"
        "公司高度重视技能人才队伍建设，现有高技能人才196人，占技术工人总数的41%，其中高级技师12人、技师47人；"
        "建有企业技能等级认定站，2022年被评为“镇江市高技能人才培养示范基地”。"
    ),
    "unit_support": (
        "一、场地保障。在二号厂房三楼为工作室提供独立场地260平方米，设技术攻关区、实训教学区和成果展示区。\n"
        "二、设备保障。配备五轴联动加工中心1台、数控车铣复合中心2台、三坐标测量机1台，供工作室攻关和带徒使用。\n"
        "三、经费保障。公司每年安排工作室专项经费不少于30万元，专款专用，并对市级启动资金单独建账管理。\n"
        "四、制度保障。将工作室建设纳入公司人才发展规划，制定《技能大师工作室管理办法》《师带徒管理及考核办法》，"
        "徒弟取得技师、高级技师资格的，分别给予师傅5000元、10000元带徒奖励；工作室成员在岗位晋升、职称评定中同等条件下优先。"
    ),
    "work_plan": (
        "（一）2024年：完善工作室制度和台账，与10名青年员工签订师带徒协议；开展“高精度液压阀体孔系加工”攻关，"
        "力争关键尺寸CPK值达到1.67以上。\n"
        "（二）2025年：完成技术攻关和技术革新项目不少于4项，申报专利不少于3项；举办面向区域配套企业的数控加工技能培训班2期，"
        "培训100人次以上。\n"
        "（三）2026年：三年累计培养技师以上高技能人才10名、高级工20名；总结形成精密加工操作法2项并在行业内推广；"
        "争创江苏省技能大师工作室。"
    ),
    "report_basic_conditions": (
        "工作室以领衔人陈国喆为核心，现有成员6名，其中高级技师3名、技师3名，平均年龄39岁，涵盖数控车削、五轴加工、"
        "精密检测和工装设计等专业方向。工作室场地260平方米，配备五轴联动加工中心、三坐标测量机等专用设备，"
        "建有技能培训教室和成果展示区，具备开展技术攻关和带徒传艺的基本条件。"
    ),
    "report_necessity": (
        "精密零部件是高端装备制造的基础，镇江市正大力发展高端装备制造产业集群，对精密加工高技能人才需求迫切。"
        "公司近三年订单年均增长20%以上，高精度零件加工能力和高技能人才储备已成为制约发展的关键。"
        "陈国喆同志技艺精湛、带徒经验丰富，公司在场地、设备、经费等方面具备良好条件，成立工作室既有必要，也切实可行。"
    ),
    "report_unit_support": (
        "公司承诺为工作室提供独立场地260平方米和专用设备，每年安排专项经费不少于30万元；将工作室建设纳入公司发展规划，"
        "建立带徒奖励、成果转化收益分享等激励机制，并明确一名副总经理分管工作室工作。"
    ),
    "report_work_plan": (
        "工作室成立后三年内：完成技术攻关和技术革新项目不少于10项，申报专利不少于6项；培养技师以上高技能人才10名；"
        "举办区域性技能培训班不少于4期；每年向市人社局报送工作计划和工作总结，按要求参加评估考核。"
    ),
}

HUASHENG_MEMBERS = [
    ("周海峰", "数控车工高级技师", 45,
     "参与薄壁轴承座防变形加工攻关，负责工艺参数优化，加工变形量降低70%；获镇江市技术能手称号。"),
    ("王蓓蕾", "数控铣工高级技师", 41,
     "负责五轴联动编程与后置处理，建立典型零件程序库150余个，新产品试制周期缩短30%。"),
    ("蒋立军", "工具钳工技师", 48, "负责工装夹具设计制造，设计快速换型夹具26套，获实用新型专利3项。"),
    ("孙一鸣", "机械检验工技师", 36, "建立车间三坐标测量规范和SPC统计过程控制，关键工序CPK值由1.12提高到1.45。"),
    ("殷晓东", "数控车工技师", 31, "获2022年镇江市职工职业技能竞赛数控车工项目第一名，承担新员工实训教学工作。"),
    ("顾梦瑶", "数控铣工高级工", 27, "参与液压阀体深孔加工攻关，获江苏省职业技能大赛数控铣项目三等奖。"),
]

HUASHENG_AWARDS = [
    ("数控车工", "江苏省技术能手", "江苏省人力资源和社会保障厅", "省级", "1", 2017),
    ("精密机械加工", "镇江工匠", "中共镇江市委人才工作领导小组", "市级", "1", 2021),
    ("数控车工", "镇江市技术能手", "镇江市人力资源和社会保障局", "市级", "1", 2012),
    ("大型薄壁轴承座防变形加工技术", "镇江市科学技术进步奖", "镇江市人民政府", "二等奖", "1", 2020),
    ("液压阀体深孔精密加工工艺", "江苏省职工技术创新成果奖", "江苏省总工会", "二等奖", "1", 2022),
    ("一种薄壁件真空吸附柔性夹具", "发明专利", "国家知识产权局", "国家级", "1", 2021),
    ("数控车工（教练）", "江苏省职业技能大赛优秀指导教师", "江苏省人力资源和社会保障厅", "省级", "1", 2023),
]

HUASHENG_EVIDENCE = [
    (EvidenceSlot.HONOUR, "江苏省技术能手证书（陈国喆）", "江苏省技术能手", "pdf"),
    (EvidenceSlot.HONOUR, "镇江工匠证书（陈国喆）", "镇江工匠", "png"),
    (EvidenceSlot.TECH_PROOF, "发明专利证书-薄壁件真空吸附柔性夹具", "发明专利证书", "pdf"),
    (EvidenceSlot.ID_QUALIFICATION, "高级技师职业资格证书（陈国喆）", "职业资格证书 高级技师", "jpg"),
]


# --- Shorter applications for the queues ------------------------------------------------------

def _others(units) -> list[dict]:
    return [
        {
            "unit": units["镇江金山电气设备有限公司"], "username": "danwei_jinshan", "submit": True,
            "fields": {
                "studio_name": "韩卫东电气设备装配技能大师工作室", "work_field": "高低压成套电气设备装配与调试",
                "lead_name": "韩卫东", "lead_gender": "M", "lead_political_status": "01", "lead_education": "21",
                "lead_work_start": date(1992, 8, 1), "lead_occupation": "电工", "lead_admin_post": "装配车间技术主管",
                "lead_skill_level": "1", "lead_id_number": demo_id("321102", "19720918", "017"),
                "lead_phone": "13861391025", "office_area": Decimal("150.00"),
                "studio_location": "镇江市京口区丁卯桥路15号金山电气装配车间",
                "lead_address": "镇江市京口区丁卯桥路15号", "lead_postcode": "212001", "lead_honours": ["06"],
                "topic": "高低压开关柜装配与调试",
                "effect": "装配一次合格率由95.1%提高到99.6%，年节约返工成本约180万元",
                "apprentices": "培养技师6名、高级工15名", "condition": "2",
            },
        },
        {
            "unit": units["镇江京江数控技术有限公司"], "username": "danwei_jingjiang", "submit": True,
            "fields": {
                "studio_name": "许静怡数控系统调试技能大师工作室", "work_field": "数控系统装调与维修",
                "lead_name": "许静怡", "lead_gender": "F", "lead_political_status": "01", "lead_education": "31",
                "lead_work_start": date(2003, 7, 1), "lead_occupation": "数控机床装调维修工",
                "lead_admin_post": "售后技术服务部经理", "lead_skill_level": "1",
                "lead_id_number": demo_id("321102", "19810605", "046"), "lead_phone": "15805298316",
                "office_area": Decimal("120.00"), "studio_location": "镇江市京口区中山东路301号京江数控研发楼一楼",
                "lead_address": "镇江市京口区象山街道中山东路301号", "lead_postcode": "212001",
                "lead_honours": ["10"], "topic": "数控系统故障诊断与远程运维",
                "effect": "设备平均故障修复时间由36小时缩短至8小时", "apprentices": "培养技师5名、高级工12名",
                "condition": "3",
            },
        },
        {
            "unit": units["丹阳市云阳汽车零部件有限公司"], "username": "danwei_yunyang", "submit": True,
            "fields": {
                "studio_name": "眭建明汽车模具技能大师工作室", "work_field": "汽车覆盖件模具制造与调试",
                "lead_name": "眭建明", "lead_gender": "M", "lead_political_status": "13", "lead_education": "41",
                "lead_work_start": date(1990, 3, 1), "lead_occupation": "模具工", "lead_admin_post": "模具分厂厂长",
                "lead_skill_level": "1", "lead_id_number": demo_id("321181", "19700411", "051"),
                "lead_phone": "13913486507", "office_area": Decimal("200.00"),
                "studio_location": "丹阳市云阳街道金陵西路99号模具分厂", "lead_address": "丹阳市云阳街道金陵西路99号",
                "lead_postcode": "212300", "lead_honours": ["05", "06"], "topic": "汽车覆盖件冲压模具调试",
                "effect": "模具调试周期缩短40%，冲压件一次合格率达到98.5%", "apprentices": "培养高级技师2名、技师9名",
                "condition": "1",
            },
        },
        {
            "unit": units["镇江市机电高级技工学校"], "username": "danwei_jidian", "submit": True,
            "fields": {
                "studio_name": "彭立新工业机器人技能大师工作室", "work_field": "工业机器人系统操作与运维",
                "lead_name": "彭立新", "lead_gender": "M", "lead_political_status": "01", "lead_education": "31",
                "lead_work_start": date(2001, 9, 1), "lead_occupation": "工业机器人系统运维员",
                "lead_admin_post": "智能制造系主任", "lead_skill_level": "1",
                "lead_id_number": demo_id("321111", "19790723", "013"), "lead_phone": "13775365812",
                "office_area": Decimal("320.00"), "studio_location": "镇江市润州区南徐大道218号实训楼四楼",
                "lead_address": "镇江市润州区南徐大道218号", "lead_postcode": "212003", "lead_honours": ["02", "06"],
                "topic": "工业机器人集成应用与教学", "effect": "为12家企业完成机器人工作站改造，人均效率提高50%",
                "apprentices": "指导学生获全国职业院校技能大赛一等奖2项", "condition": "4",
            },
        },
        {
            "unit": units["丹阳市天工眼镜光学有限公司"], "username": "danwei_tiangong", "submit": False,
            "fields": {
                "studio_name": "汤玉琴光学镜片加工技能大师工作室", "work_field": "光学镜片研磨与镀膜",
                "lead_name": "汤玉琴", "lead_gender": "F", "lead_political_status": "01", "lead_education": "41",
                "lead_work_start": date(1994, 3, 1), "lead_occupation": "光学零件制造工",
                "lead_skill_level": "2", "lead_id_number": demo_id("321181", "19750208", "024"),
                "lead_phone": "13805281947", "studio_location": "丹阳市开发区眼镜城路22号",
                "lead_honours": ["11"], "topic": "树脂镜片加硬镀膜", "effect": "镀膜良品率提高6个百分点",
                "apprentices": "培养技师3名", "condition": "5", "partial": True,
            },
        },
    ]


def _narratives(f: dict, unit_name: str) -> dict:
    lead, topic, effect, apprentices = f["lead_name"], f["topic"], f["effect"], f["apprentices"]
    return {
        "lead_employer": unit_name,
        "lead_ethnicity": "01",
        "lead_achievements": (
            f"{lead}同志长期从事{topic}工作，技术全面、经验丰富，是单位{f['work_field']}领域的技术带头人。"
            f"近年来主持完成关键技术攻关和技术革新项目十余项，{effect}；坚持授艺带徒，{apprentices}，"
            f"多名徒弟在省、市职业技能竞赛中获奖。"
        ),
        "condition_claims": {f["condition"]: f"围绕{topic}开展攻关和推广应用，{effect}。"},
        "unit_introduction": f"{unit_name}是镇江市{f['work_field']}领域的重点单位，现有高技能人才队伍结构合理，"
                             "建有技能人才培养和评价体系。",
        "unit_support": "单位为工作室提供独立场地和专用设备，每年安排专项经费不少于15万元，制定师带徒激励办法。",
        "work_plan": f"三年内完成{topic}相关攻关项目不少于6项，培养技师以上高技能人才8名，每年举办技能培训班1期以上。",
        "report_basic_conditions": f"工作室以{lead}为领衔人，成员5名，场地和设备能够满足技术攻关与带徒需要。",
        "report_necessity": f"{f['work_field']}是本地重点产业急需的技能领域，"
                            "成立工作室有利于集中攻关和传承技艺，条件成熟。",
        "report_unit_support": "单位在场地、设备、经费、制度等方面给予全面保障，明确分管领导和联络员。",
        "report_work_plan": "制定年度工作计划，按季度开展攻关和带徒活动，年底形成工作总结并接受评估考核。",
    }


MEMBER_POOL = [
    ("刘志远", "技师", 38, "参与关键工序工艺改进，提出合理化建议12条，被采纳9条。"),
    ("张婷婷", "高级工", 29, "获镇江市职工职业技能竞赛二等奖，负责工作室培训资料整理。"),
    ("钱立峰", "技师", 42, "负责设备维护和工装改进，设计专用工装8套。"),
    ("朱晓宇", "高级技师", 46, "参与技术攻关项目5项，获实用新型专利2项。"),
]


# --- Evidence files ---------------------------------------------------------------------------

def _font(size: int):
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default()


def certificate_image(title: str, holder: str) -> Image.Image:
    image = Image.new("RGB", (900, 620), (250, 244, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((18, 18, 881, 601), outline=(176, 38, 30), width=8)
    draw.rectangle((34, 34, 865, 585), outline=(196, 160, 80), width=2)
    draw.text((450, 150), title, fill=(176, 38, 30), font=_font(56), anchor="mm")
    draw.text((450, 280), f"{holder} 同志：", fill=(40, 40, 40), font=_font(30), anchor="mm")
    draw.text((450, 350), "特发此证，以资鼓励。", fill=(40, 40, 40), font=_font(30), anchor="mm")
    draw.text((700, 500), "（样例材料，仅供演示）", fill=(120, 120, 120), font=_font(20), anchor="mm")
    draw.ellipse((600, 420, 760, 580), outline=(200, 30, 30), width=5)
    return image


def evidence_upload(name: str, title: str, holder: str, kind: str):
    image = certificate_image(title, holder)
    out = io.BytesIO()
    fmt = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}[kind]
    image.save(out, format=fmt, **({"resolution": 150.0} if fmt == "PDF" else {}))
    return check_upload(SimpleUploadedFile(f"{name}.{kind}", out.getvalue()))


# --- Seeding ----------------------------------------------------------------------------------

def _unit_user(username: str, full_name: str, unit) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        from django.utils import timezone

        user = User(username=username, full_name=full_name, must_change_password=False,
                    password_changed_at=timezone.now())
        user.set_password(DEMO_PASSWORD)
        user.save()
    RoleAssignment.objects.get_or_create(user=user, role=Role.UNIT, unit=unit)
    return user


def _rows(app, members, awards) -> None:
    for i, (name, qualification, age, text) in enumerate(members):
        ApplicationMember.objects.create(application=app, position=i, name=name, qualification=qualification,
                                         age=age, achievements=text)
    for i, (project, award_name, issuer, level, rank, year) in enumerate(awards):
        ApplicationAward.objects.create(application=app, position=i, project=project, award_name=award_name,
                                        issuer=issuer, level=level, rank=rank, year=year)


def _build(*, unit, campaign, actor, fields: dict, members, awards, evidence, submit: bool) -> Application:
    app = application_create(unit=unit, campaign=campaign, actor=actor)
    app = application_save(application=app, lock_version=app.lock_version, fields=fields, actor=actor)
    _rows(app, members, awards)
    for slot, name, title, kind in evidence:
        attachment_add(application=app, slot=slot, upload=evidence_upload(name, title, fields["lead_name"], kind),
                       actor=actor)
    if submit:
        app = application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)
    return app


@transaction.atomic
def seed(context: dict) -> None:
    units, campaign, users = context["units"], context["campaign"], context["users"]

    Studio.objects.get_or_create(
        name="陆卫东电气安装技能大师工作室", unit=units["扬中市长江电气集团有限公司"],
        defaults={"work_field": "电气设备安装与调试", "lead_name": "陆卫东", "accredited_year": 2018,
                  "status": StudioStatus.ACTIVE, "higher_level_titles": []},
    )
    Studio.objects.get_or_create(
        name="顾晓东新材料检测技能大师工作室", unit=units["镇江谷阳新材料有限公司"],
        defaults={"work_field": "化学检验与新材料性能检测", "lead_name": "顾晓东", "accredited_year": 2020,
                  "status": StudioStatus.ACTIVE, "higher_level_titles": ["江苏省技能大师工作室培育对象"]},
    )

    huasheng = units["镇江华晟精密机械有限公司"]
    if not Application.objects.filter(campaign=campaign, unit=huasheng).exists():
        _build(unit=huasheng, campaign=campaign, actor=users["danwei_huasheng"], fields=HUASHENG,
               members=HUASHENG_MEMBERS, awards=HUASHENG_AWARDS, evidence=HUASHENG_EVIDENCE, submit=True)

    full_names = {username: full_name for username, full_name, _unit in EXTRA_ACCOUNTS}
    for spec in _others(units):
        unit = spec["unit"]
        if Application.objects.filter(campaign=campaign, unit=unit).exists():
            continue
        actor = users.get(spec["username"]) or _unit_user(spec["username"], full_names[spec["username"]], unit)
        f = dict(spec["fields"])
        partial = f.pop("partial", False)
        narrative = _narratives(f, unit.name)
        for key in ("topic", "effect", "apprentices", "condition"):
            f.pop(key)
        if partial:
            # A draft half done: cover, lead (partly), achievements; nothing uploaded yet.
            fields = {**f, "lead_employer": unit.name, "lead_ethnicity": "01",
                      "lead_achievements": narrative["lead_achievements"]}
            _build(unit=unit, campaign=campaign, actor=actor, fields=fields, members=MEMBER_POOL[:2], awards=[],
                   evidence=[], submit=False)
            continue
        awards = [(f["work_field"].split("（")[0], "江苏省技术能手" if "06" in f["lead_honours"] else "镇江市技术能手",
                   "江苏省人力资源和社会保障厅" if "06" in f["lead_honours"] else "镇江市人力资源和社会保障局",
                   "省级" if "06" in f["lead_honours"] else "市级", "1", 2019)]
        evidence = [(EvidenceSlot.HONOUR, f"荣誉证书（{f['lead_name']}）", awards[0][1], "pdf")]
        _build(unit=unit, campaign=campaign, actor=actor, fields={**f, **narrative}, members=MEMBER_POOL,
               awards=awards, evidence=evidence, submit=spec["submit"])
