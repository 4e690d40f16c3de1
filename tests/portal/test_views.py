"""Portal pages: home, dashboards, campaign and unit forms, the unit register and its export."""

import html
import io
import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.enums import AuditAction
from portal.models import AuditEvent, Campaign, Unit
from tests.factories.portal import CampaignFactory, UnitFactory, valid_uscc
from tests.helpers import login
from tests.policy.portal import campaign_data, new_unit_data, unit_data

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def text(response) -> str:
    return response.content.decode()


def field_errors(response, field: str) -> list[str]:
    """The error messages crispy renders inside the form field's own block (`div_id_<field>`)."""
    body = text(response)
    start = body.find(f'<div id="div_id_{field}"')
    if start < 0:
        return []
    end = body.find('<div id="div_id_', start + 1)
    block = body[start:end if end > 0 else None]
    return [html.unescape(m) for m in re.findall(rf'id="error_\d+_id_{field}"><strong>(.*?)</strong>', block)]


def section_titles(response) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<h2 class="h5 section-title">(.*?)</h2>', text(response))]


def deadline_rows(response) -> list[tuple[str, str]]:
    block = re.search(r'<ol class="deadline-list[^"]*">(.*?)</ol>', text(response), re.S).group(1)
    return re.findall(r"<span>(.*?)</span>\s*<span[^>]*>(.*?)</span>", block)


def unit_names(response) -> list[str]:
    return [u.name for u in response.context["units"]]


# ---------------------------------------------------------------------------------------------
# Home


def test_home_shows_the_current_campaign_and_its_deadlines(world, client):
    CampaignFactory(year=2025, title="2025年通知（已结束）")
    CampaignFactory(year=2027, title="2027年通知（草稿）", is_published=False)
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert response.context["campaign"] == world.campaign
    assert "2026年镇江市技能大师工作室申报认定和评估考核工作" in body
    assert "镇人社函〔2026〕69号 · 2026年4月20日" in body
    assert "2025年通知" not in body and "2027年通知" not in body
    assert deadline_rows(response) == [
        ("单位申报截止", "2026年5月20日 17:30"),
        ("初审推荐截止", "2026年5月29日 17:30"),
        ("专家评审截止", "2026年6月30日 17:30"),
        ("市局认定截止", "2026年8月31日 17:30"),
        ("评估考核填报截止", "2026年5月29日 17:30"),
    ]
    for fact in ("各地推荐 1–2 家", "全市认定不超过 5 个", "一次性启动资金 20000 元", "公示期 5 个工作日"):
        assert fact in body


def test_home_without_a_published_campaign_says_so(db, client):
    CampaignFactory(year=2027, is_published=False)
    response = client.get("/")
    assert response.context["campaign"] is None
    assert "本年度通知尚未发布，请留意市人社局公告。" in text(response)


# ---------------------------------------------------------------------------------------------
# Dashboards: one section per role, titled with the role's Chinese label and scope


DASHBOARD_SECTIONS = {
    "unit": ["申报单位 · 镇江华晟精密机械有限公司"],
    "other_unit": ["申报单位 · 丹阳市天工眼镜光学有限公司"],
    "channel": ["推荐单位（辖市区人社局/行业主管部门） · 京口区人力资源和社会保障局"],
    "other_channel": ["推荐单位（辖市区人社局/行业主管部门） · 丹阳市人力资源和社会保障局"],
    "expert": ["评审专家"],
    "unassigned_expert": ["评审专家"],
    "city_officer": ["市人社局经办人"],
    "city_approver": ["市人社局审批人"],
    "auditor": ["审计管理员"],
    "sysadmin": ["系统管理员"],
    "secadmin": ["安全管理员"],
}


@pytest.mark.parametrize("persona", list(DASHBOARD_SECTIONS))
def test_each_role_sees_its_own_dashboard_section(persona, world, client):
    user = world.users[persona]
    login(client, user)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert section_titles(response) == DASHBOARD_SECTIONS[persona]
    body = text(response)
    assert f"{user.display_name}，您好" in body
    assert f'data-role="{user.role_assignments.get().role}"' in body
    assert "本年度时间安排" in body


def test_a_user_with_two_roles_sees_two_sections(world, client):
    from portal.enums import Role
    from tests.factories.portal import RoleAssignmentFactory

    user = world.users["city_officer"]
    RoleAssignmentFactory(user=user, role=Role.EXPERT)
    login(client, user)
    response = client.get(reverse("portal:dashboard"))
    assert section_titles(response) == ["市人社局经办人", "评审专家"]


def test_the_channel_dashboard_counts_only_its_own_units(world, client):
    UnitFactory(channel=world.jingkou)
    login(client, world.users["channel"])
    body = text(client.get(reverse("portal:dashboard")))
    assert re.search(r'<div class="stat-number">(\d+)</div>\s*<div class="text-muted small">家单位在本渠道登记',
                     body).group(1) == "2"


# ---------------------------------------------------------------------------------------------
# Campaign edit (city officer)


def test_campaign_edit_refuses_deadlines_out_of_order_next_to_the_field(world, client):
    campaign = world.campaign
    login(client, world.users["city_officer"])
    url = reverse("portal:campaign-update", kwargs={"pk": campaign.pk})
    data = campaign_data(campaign, channel_review_deadline="2026-05-19T17:30",
                         city_decision_deadline="2026-06-01T09:00")
    response = client.post(url, data)
    assert response.status_code == 200
    assert field_errors(response, "channel_review_deadline") == ["该截止时间不能早于“单位申报截止”。"]
    assert field_errors(response, "city_decision_deadline") == ["该截止时间不能早于“专家评审截止”。"]
    assert field_errors(response, "unit_filing_deadline") == []
    campaign.refresh_from_db()
    assert timezone.localtime(campaign.channel_review_deadline) == datetime(2026, 5, 29, 17, 30, tzinfo=TZ)
    assert AuditEvent.objects.filter(action=AuditAction.CONFIG).count() == 0


def test_campaign_edit_refuses_a_quota_minimum_above_the_maximum(world, client):
    login(client, world.users["city_officer"])
    url = reverse("portal:campaign-update", kwargs={"pk": world.campaign.pk})
    response = client.post(url, campaign_data(world.campaign, channel_quota_min=3, channel_quota_max=2))
    assert field_errors(response, "channel_quota_min") == ["最少推荐数不能大于最多推荐数。"]


def test_campaign_edit_saves_and_is_audited(world, client):
    officer, campaign = world.users["city_officer"], world.campaign
    login(client, officer)
    url = reverse("portal:campaign-update", kwargs={"pk": campaign.pk})
    response = client.post(url, campaign_data(campaign, channel_review_deadline="2026-06-05T12:00",
                                              channel_quota_max=3), follow=True)
    assert response.redirect_chain == [(reverse("portal:campaign-list"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["年度申报通知已保存。"]
    campaign.refresh_from_db()
    assert (timezone.localtime(campaign.channel_review_deadline), campaign.channel_quota_max) == (
        datetime.combine(datetime(2026, 6, 5).date(), time(12, 0), tzinfo=TZ), 3)
    [event] = AuditEvent.objects.filter(action=AuditAction.CONFIG)
    assert (event.actor_id, event.object_type, event.object_id, event.detail, event.path) == (
        officer.pk, "portal.Campaign", str(campaign.pk), {"year": 2026}, url)


def test_a_campaign_for_a_year_without_holiday_data_warns_the_officer(world, client):
    login(client, world.users["city_officer"])
    data = campaign_data(world.campaign, year=2035, title="2035年通知",
                         **{f: v.replace("2026-", "2035-") for f, v in campaign_data(world.campaign).items()
                            if f.endswith("_deadline")}, published_on="2035-04-20")
    response = client.post(reverse("portal:campaign-create"), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "节假日数据包尚未收录2035年的安排，请在“节假日调整”中录入，以便公示期按工作日计算。",
        "年度申报通知已保存。",
    ]
    assert Campaign.objects.get(year=2035).title == "2035年通知"


# ---------------------------------------------------------------------------------------------
# Units: USCC validation, scoping, export, query counts


@pytest.mark.parametrize(
    "uscc, message",
    [
        ("91321102", "统一社会信用代码应为18位，您填写了8位。"),
        (valid_uscc(4242)[:17] + ("0" if valid_uscc(4242)[17] != "0" else "1"),
         "统一社会信用代码校验位不正确，请对照营业执照或登记证书逐位核对。"),
    ],
    ids=["length", "checksum"],
)
def test_unit_create_validates_the_uscc_in_chinese(uscc, message, world, client):
    login(client, world.users["city_officer"])
    response = client.post(reverse("portal:unit-create"), {**new_unit_data(world), "uscc": uscc})
    assert response.status_code == 200
    assert field_errors(response, "uscc") == [message]
    assert Unit.objects.count() == 3


def test_unit_edit_validates_the_uscc_in_chinese(world, client):
    login(client, world.users["city_officer"])
    url = reverse("portal:unit-update", kwargs={"pk": world.unit_a.pk})
    response = client.post(url, unit_data(world.unit_a, uscc="91321102MA1XYZ"))
    assert field_errors(response, "uscc") == ["统一社会信用代码应为18位，您填写了14位。"]
    assert Unit.objects.get(pk=world.unit_a.pk).uscc == world.unit_a.uscc


def test_unit_create_saves_the_normalised_uscc(world, client):
    login(client, world.users["city_officer"])
    uscc = valid_uscc(777)
    response = client.post(reverse("portal:unit-create"), {**new_unit_data(world), "uscc": f" {uscc.lower()} "})
    unit = Unit.objects.get(name="镇江新建测试机械有限公司")
    assert (response.status_code, response["Location"]) == (302, reverse("portal:unit-detail", kwargs={"pk": unit.pk}))
    assert (unit.uscc, unit.channel, unit.contact_phone) == (uscc, world.jingkou, "13912345678")


def test_channel_officer_sees_only_the_units_of_their_channel(world, client):
    extra = UnitFactory(name="镇江金山电气设备有限公司", channel=world.jingkou)
    login(client, world.users["channel"])
    response = client.get(reverse("portal:unit-list"))
    assert unit_names(response) == sorted([world.unit_a.name, extra.name])
    assert [c.name for c in response.context["channels"]] == ["京口区"]
    # Filtering by another channel cannot widen the scope.
    response = client.get(reverse("portal:unit-list"), {"channel": world.danyang.pk})
    assert unit_names(response) == []


def test_city_staff_see_every_unit_and_can_search(world, client):
    login(client, world.users["city_approver"])
    response = client.get(reverse("portal:unit-list"))
    assert unit_names(response) == [world.unit_a.name, world.unit_b.name, world.unit_direct.name]
    response = client.get(reverse("portal:unit-list"), {"q": "天工"})
    assert unit_names(response) == [world.unit_b.name]
    response = client.get(reverse("portal:unit-list"), {"q": world.unit_direct.uscc})
    assert unit_names(response) == [world.unit_direct.name]


def test_unit_user_gets_403_on_the_unit_list(world, client):
    login(client, world.users["unit"])
    response = client.get(reverse("portal:unit-list"))
    assert response.status_code == 403
    assert world.unit_b.name not in text(response)
    assert "units" not in (response.context or {})


def test_unit_export_is_an_xlsx_of_the_visible_units_and_is_audited(world, client):
    from openpyxl import load_workbook

    officer = world.users["city_officer"]
    login(client, officer)
    response = client.get(reverse("portal:unit-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == (
        f"attachment; filename*=UTF-8''units-{timezone.localdate():%Y%m%d}.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["单位名称", "统一社会信用代码", "推荐渠道", "单位类型", "所有制", "通讯地址", "邮编", "联系人"]
    assert rows[1:] == [
        [u.name, u.uscc, u.channel.name, u.unit_type, u.ownership, u.address, u.postcode, u.contact_name]
        for u in (world.unit_a, world.unit_b, world.unit_direct)
    ]
    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert (event.actor_id, event.detail, event.path) == (officer.pk, {"what": "units", "rows": 3}, "/units/export/")


@pytest.mark.parametrize("persona, extra_units", [("channel", 2), ("city_officer", 2)])
def test_unit_list_query_count_does_not_grow_with_units(persona, extra_units, world, client,
                                                        django_assert_num_queries):
    login(client, world.users[persona])
    url = reverse("portal:unit-list")
    client.get(url)  # warm the session
    with django_assert_num_queries(UNIT_LIST_QUERIES[persona]):
        response = client.get(url)
    few = len(response.context["units"])
    for _ in range(extra_units):
        UnitFactory(channel=world.jingkou)
    with django_assert_num_queries(UNIT_LIST_QUERIES[persona]):
        response = client.get(url)
    assert len(response.context["units"]) == few + extra_units


# Session, user, OTP device, role assignments, count, user and group permissions (ModelBackend,
# for the {{ perms }} in the menu), channels of the filter, the page of units with their channels.
UNIT_LIST_QUERIES = {"channel": 9, "city_officer": 9}
