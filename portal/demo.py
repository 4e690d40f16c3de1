"""Demo data that looks like a real year in Zhenjiang: channels' units, a campaign, one account
per role. Idempotent: running it twice changes nothing. Apps that build on the portal add their
own demo data through a `demo.seed(context)` function in their package (see seed_demo).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from portal.enums import Role
from portal.models import Campaign, Channel, RoleAssignment, Unit, User
from portal.validators import uscc_check_char

DEMO_PASSWORD = "Zhenjiang-2026-demo"  # noqa: S105  (demo accounts only; documented in README)
TZ = ZoneInfo("Asia/Shanghai")

# (channel code, unit name, unit type code, ownership code, address, contact)
UNITS = [
    ("321102", "镇江华晟精密机械有限公司", "10", "10", "镇江市京口区学府路68号", "孙丽萍"),
    ("321102", "镇江金山电气设备有限公司", "10", "21", "镇江市京口区丁卯桥路15号", "韩志强"),
    ("321102", "镇江京江数控技术有限公司", "10", "10", "镇江市京口区象山街道中山东路301号", "吴海燕"),
    ("321111", "镇江润扬船舶配套有限公司", "10", "10", "镇江市润州区金山路188号", "张德明"),
    ("321111", "江苏润州智能制造研究院有限公司", "10", "10", "镇江市润州区南徐大道60号", "李雪梅"),
    ("321112", "镇江谷阳新材料有限公司", "10", "10", "镇江市丹徒区谷阳镇工业园区", "顾晓东"),
    ("321112", "镇江宝堰农业科技有限公司", "10", "10", "镇江市丹徒区宝堰镇人民路8号", "陈秀兰"),
    ("321181", "丹阳市天工眼镜光学有限公司", "10", "10", "丹阳市开发区眼镜城路22号", "汤建华"),
    ("321181", "丹阳市云阳汽车零部件有限公司", "10", "10", "丹阳市云阳街道金陵西路99号", "眭国平"),
    ("321181", "丹阳市精工刃具有限公司", "10", "10", "丹阳市吕城镇工业集中区", "贺春燕"),
    ("321182", "扬中市长江电气集团有限公司", "10", "10", "扬中市三茅街道港隆路12号", "陆卫东"),
    ("321182", "扬中市新坝电力工程有限公司", "10", "10", "扬中市新坝镇新中北路5号", "朱晓红"),
    ("321183", "句容市茅山茶业有限公司", "10", "10", "句容市茅山镇茶场路1号", "纪文斌"),
    ("321183", "句容市宝华建设工程有限公司", "10", "10", "句容市宝华镇仙林东路20号", "钱国庆"),
    ("ZJXQ", "镇江新区大港船舶重工有限公司", "10", "21", "镇江新区大港街道港南路401号", "赵立新"),
    ("ZJXQ", "江苏新区航空零部件制造有限公司", "10", "10", "镇江新区丁卯经十二路9号", "蒋丽娟"),
    ("ZJGXQ", "镇江睿芯微电子科技有限公司", "10", "10", "镇江高新区十里长山创新大道6号", "沈一鸣"),
    ("DIRECT", "镇江市机电高级技工学校", "30", "21", "镇江市润州区南徐大道218号", "彭晓梅"),
    ("DIRECT", "镇江市城市建设工程有限公司", "10", "21", "镇江市京口区长江路27号", "马春生"),
]

# username, full name, role, scope (unit name or channel code)
ACCOUNTS = [
    ("danwei_huasheng", "孙丽萍", Role.UNIT, "镇江华晟精密机械有限公司"),
    ("danwei_tiangong", "汤建华", Role.UNIT, "丹阳市天工眼镜光学有限公司"),
    ("danwei_jidian", "彭晓梅", Role.UNIT, "镇江市机电高级技工学校"),
    ("jingkou_rsj", "周文静", Role.CHANNEL, "321102"),
    ("danyang_rsj", "束志刚", Role.CHANNEL, "321181"),
    ("zhuanjia_li", "李振华", Role.EXPERT, None),
    ("zhuanjia_zhou", "周蕴喆", Role.EXPERT, None),
    ("zhuanjia_gao", "高堃", Role.EXPERT, None),
    ("shi_jingban", "陈晓琳", Role.CITY_OFFICER, None),
    ("shi_shenpi", "刘建国", Role.CITY_APPROVER, None),
    ("shenji", "孙慧", Role.AUDITOR, None),
    ("xitong", "周明", Role.SYSADMIN, None),
    ("anquan", "吴婷", Role.SECADMIN, None),
]

POSTCODES = {
    "321102": "212001", "321111": "212004", "321112": "212028", "321181": "212300", "321182": "212200",
    "321183": "212400", "ZJXQ": "212132", "ZJGXQ": "212009", "DIRECT": "212003",
}

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def demo_uscc(channel_code: str, index: int) -> str:
    region = channel_code if channel_code.isdigit() else "321191"
    org = "".join(_ORG_ALPHABET[(index * 7 + i * 13 + 3) % 31] for i in range(8)) + str(index % 10)
    first17 = "91" + region + org
    return first17 + uscc_check_char(first17)


def demo_mobile(index: int) -> str:
    return f"1{3 + index % 6}{(index * 7919) % 10**9:09d}"


def campaign_dates(year: int) -> dict:
    def at(month, day, hour=17, minute=30):
        return datetime.combine(datetime(year, month, day).date(), time(hour, minute), tzinfo=TZ)

    return {
        "unit_filing_deadline": at(5, 20),
        "channel_review_deadline": at(5, 29),
        "expert_review_deadline": at(6, 30),
        "city_decision_deadline": at(8, 31),
        "evaluation_filing_deadline": at(5, 29),
    }


def demo_campaign_year(today=None) -> int:
    """The year whose filing window is still ahead: this year until 20 May, else next year."""
    today = today or timezone.localdate()
    return today.year if (today.month, today.day) <= (5, 20) else today.year + 1


@transaction.atomic
def seed_portal() -> dict:
    channels = {c.code: c for c in Channel.objects.all()}
    units = {}
    for index, (code, name, unit_type, ownership, address, contact) in enumerate(UNITS, start=1):
        unit = Unit.objects.filter(name=name).first()
        if unit is None:
            unit = Unit(
                name=name, uscc=demo_uscc(code, index), unit_type=unit_type, ownership=ownership,
                channel=channels[code], address=address, postcode=POSTCODES[code],
                contact_name=contact, contact_phone=demo_mobile(index),
                email=f"hr{index:02d}@example.cn",
            )
            unit.full_clean()
            unit.save()
        units[name] = unit

    year = demo_campaign_year()
    campaign, _ = Campaign.objects.get_or_create(
        year=year,
        defaults={
            "title": f"{year}年镇江市技能大师工作室申报认定和评估考核工作",
            "doc_number": f"镇人社函〔{year}〕69号",
            "is_published": True,
            "published_on": timezone.localdate() - timedelta(days=3),
            "summary": (
                "根据《镇江市技能大师工作室认定管理办法》（镇人社规发〔2012〕1号），开展本年度“镇江市技能大师工作室”"
                "申报认定、领衔人变更认定及评估考核工作。符合条件的申报单位按隶属关系，向所属辖市、区人社局或行业主管部门申报；"
                "驻镇省属、市直单位申报材料直接报市人社局初审。市人社局组织专家评审，认定不超过5个“镇江市技能大师工作室”，"
                "给予一次性启动资金2万元。各工作室按要求填报《镇江市技能大师工作室评估考核表》。"
            ),
            "contact_person": "王丹",
            "contact_phone": "0511-85340338",
            "contact_address": "镇江市人社局职建处（运河路79号）",
            **campaign_dates(year),
        },
    )

    users = {}
    for username, full_name, role, scope in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, must_change_password=False,
                        password_changed_at=timezone.now())
            user.set_password(DEMO_PASSWORD)
            user.save()
        kwargs = {}
        if role == Role.UNIT:
            kwargs["unit"] = units[scope]
        elif role == Role.CHANNEL:
            kwargs["channel"] = channels[scope]
        RoleAssignment.objects.get_or_create(user=user, role=role, **kwargs)
        users[username] = user

    # PORTAL_DEMO only: privileged demo accounts get a TOTP device whose current code the verify
    # page shows ("演示环境验证码"), so a visitor can pass the second step (docs/security.md).
    from portal.otp import seed_demo_devices

    seed_demo_devices(users.values())

    return {"units": units, "channels": channels, "campaign": campaign, "users": users}
