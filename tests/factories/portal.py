"""factory-boy factories for the portal app.

Channels are data (migration 0002): use `channel("321102")` to fetch one rather than creating
look-alikes. Units get a valid 统一社会信用代码 (GB 32100 check character computed, not copied).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from portal.enums import ChannelKind, Role
from portal.models import CalendarOverride, Campaign, Channel, RoleAssignment, Unit, User
from portal.validators import USCC_ALPHABET, uscc_check_char

TZ = ZoneInfo("Asia/Shanghai")
# Every factory user's password: passes the portal's validators (length 12, not common, not numeric).
DEFAULT_PASSWORD = "Test-Zhenjiang-pw-2026"

JINGKOU = "321102"
DANYANG = "321181"
DIRECT = "DIRECT"


def channel(code: str) -> Channel:
    """A reporting channel loaded by the data migration (京口区 321102, 丹阳市 321181, DIRECT …)."""
    return Channel.objects.get(code=code)


def valid_uscc(n: int, region: str = JINGKOU) -> str:
    """A syntactically valid 统一社会信用代码, distinct for each n."""
    org, value = [], n
    for _ in range(9):
        value, digit = divmod(value, 31)
        org.append(USCC_ALPHABET[digit])
    first17 = "91" + region + "".join(reversed(org))
    return first17 + uscc_check_char(first17)


def at(day: date, hour: int = 17, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    must_change_password = False
    password_changed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(DEFAULT_PASSWORD)


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"镇江测试{n}号精密机械有限公司")
    uscc = factory.Sequence(lambda n: valid_uscc(n + 1000))
    unit_type = "10"
    ownership = "10"
    channel = factory.LazyFunction(lambda: channel(JINGKOU))
    address = factory.Sequence(lambda n: f"镇江市京口区学府路{n + 1}号")
    postcode = "212001"
    contact_name = "孙丽萍"
    contact_phone = factory.Sequence(lambda n: f"139{n % 10**8:08d}")
    email = factory.Sequence(lambda n: f"hr{n}@example.cn")


class CampaignFactory(DjangoModelFactory):
    """A published campaign with 2023-style deadlines in its year (pass `year=`)."""

    class Meta:
        model = Campaign

    year = factory.Sequence(lambda n: 2100 + n)
    title = factory.LazyAttribute(lambda o: f"{o.year}年镇江市技能大师工作室申报认定和评估考核工作")
    doc_number = factory.LazyAttribute(lambda o: f"镇人社函〔{o.year}〕69号")
    is_published = True
    published_on = factory.LazyAttribute(lambda o: date(o.year, 4, 20))
    summary = "符合条件的申报单位按隶属关系向所属辖市、区人社局或行业主管部门申报。"
    unit_filing_deadline = factory.LazyAttribute(lambda o: at(date(o.year, 5, 20)))
    channel_review_deadline = factory.LazyAttribute(lambda o: at(date(o.year, 5, 29)))
    expert_review_deadline = factory.LazyAttribute(lambda o: at(date(o.year, 6, 30)))
    city_decision_deadline = factory.LazyAttribute(lambda o: at(date(o.year, 8, 31)))
    evaluation_filing_deadline = factory.LazyAttribute(lambda o: at(date(o.year, 5, 29)))
    contact_person = "王丹"
    contact_phone = "0511-85340338"
    contact_address = "镇江市人社局职建处（运河路79号）"


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.EXPERT
    unit = None
    channel = None
    granted_by = None


class ChannelFactory(DjangoModelFactory):
    """A new (industry) channel; the migration's channels are fetched with `channel(code)`."""

    class Meta:
        model = Channel

    code = factory.Sequence(lambda n: f"HY{n:03d}")
    name = factory.Sequence(lambda n: f"测试行业主管部门{n}")
    kind = ChannelKind.INDUSTRY
    authority = factory.LazyAttribute(lambda o: o.name)
    sort_order = 500


class CalendarOverrideFactory(DjangoModelFactory):
    class Meta:
        model = CalendarOverride

    date = factory.Sequence(lambda n: date.fromordinal(date(2035, 1, 1).toordinal() + n))
    is_workday = False
    note = "测试调整"


def user_with_role(role: str, *, unit: Unit | None = None, channel: Channel | None = None, **user_fields) -> User:
    """A user holding one role with its scope."""
    user = UserFactory(**user_fields)
    RoleAssignmentFactory(user=user, role=role, unit=unit, channel=channel)
    return user
