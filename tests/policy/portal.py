"""URL policy of the portal app (and the project-level auth routes).

See tests/policy/__init__.py for what `allow`, `hidden`, `status`, `snapshot` and `shows` mean.
"""

from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.enums import AuditAction
from portal.models import AuditEvent, CalendarOverride, Campaign, Channel, ReferenceItem, RoleAssignment, Unit, User
from tests.factories.portal import DEFAULT_PASSWORD, CalendarOverrideFactory, UserFactory, user_with_role, valid_uscc
from tests.helpers import SIGNED_IN
from tests.policy import EVERYONE, Route

CITY = {"city_officer", "city_approver"}
OFFICER = {"city_officer"}
ADMINS = {"sysadmin", "secadmin"}
# Personas whose selector does not reach unit_a (京口区): they get 404 on its pages.
OUTSIDE_UNIT_A = {"other_unit", "other_channel", "expert", "unassigned_expert", "sysadmin", "secadmin"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dt(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def campaign_data(campaign: Campaign, **changes) -> dict:
    data = {
        "year": campaign.year,
        "title": campaign.title,
        "doc_number": campaign.doc_number,
        "is_published": "on" if campaign.is_published else "",
        "published_on": campaign.published_on.isoformat() if campaign.published_on else "",
        "summary": campaign.summary,
        **{
            name: _dt(getattr(campaign, name))
            for name in ("unit_filing_deadline", "channel_review_deadline", "expert_review_deadline",
                         "city_decision_deadline", "evaluation_filing_deadline")
        },
        "channel_quota_min": campaign.channel_quota_min,
        "channel_quota_max": campaign.channel_quota_max,
        "direct_city_quota_max": campaign.direct_city_quota_max,
        "accreditation_max": campaign.accreditation_max,
        "startup_fund": str(campaign.startup_fund),
        "publicity_working_days": campaign.publicity_working_days,
        "contact_person": campaign.contact_person,
        "contact_phone": campaign.contact_phone,
        "contact_address": campaign.contact_address,
    }
    return {**data, **changes}


def unit_data(unit: Unit, **changes) -> dict:
    data = {
        "name": unit.name, "uscc": unit.uscc, "unit_type": unit.unit_type, "ownership": unit.ownership,
        "channel": unit.channel_id, "address": unit.address, "postcode": unit.postcode,
        "contact_name": unit.contact_name, "contact_phone": unit.contact_phone, "email": unit.email,
        "is_active": "on" if unit.is_active else "",
    }
    return {**data, **changes}


NEW_UNIT_NAME = "镇江新建测试机械有限公司"


def new_unit_data(w) -> dict:
    return {
        "name": NEW_UNIT_NAME, "uscc": valid_uscc(987654), "unit_type": "10", "ownership": "10",
        "channel": w.jingkou.pk, "address": "镇江市京口区学府路1号", "postcode": "212001",
        "contact_name": "韩志强", "contact_phone": "13912345678", "email": "hr@example.cn", "is_active": "on",
    }


def channel_data(channel: Channel, **changes) -> dict:
    data = {"code": channel.code, "name": channel.name, "kind": channel.kind, "authority": channel.authority,
            "sort_order": channel.sort_order, "is_active": "on" if channel.is_active else ""}
    return {**data, **changes}


def reference_item() -> ReferenceItem:
    return ReferenceItem.objects.get(kind="unit_type", code="10")


def unit_list_shows(w, persona):
    return {
        "channel": [w.unit_a.name],
        "other_channel": [w.unit_b.name],
    }.get(persona, [w.unit_a.name, w.unit_b.name, w.unit_direct.name])


def unit_list_hides(w, persona):
    return {
        "channel": [w.unit_b.name, w.unit_direct.name],
        "other_channel": [w.unit_a.name, w.unit_direct.name],
    }.get(persona, [])


POLICY = {
    # Public pages and sign-in.
    "portal:home": Route(allow=EVERYONE, shows=lambda w, p: [w.campaign.title, "单位申报截止"]),
    "login": Route(
        allow={"anonymous"}, methods=("GET", "POST"),
        status=dict.fromkeys(SIGNED_IN, 302),  # signed-in users go on to their dashboard
        data=lambda w: {"username": w.users["unit"].username, "password": DEFAULT_PASSWORD},
        redirect="/dashboard/", shows=lambda w, p: ["用户名", "密码"],
    ),
    "logout": Route(allow=SIGNED_IN, methods=("POST",), redirect="/"),
    "password_change": Route(
        allow=SIGNED_IN, methods=("GET", "POST"),
        data=lambda w: {"old_password": DEFAULT_PASSWORD, "new_password1": "Qz7-unique-Lantern-xyz",
                        "new_password2": "Qz7-unique-Lantern-xyz"},
        snapshot=lambda w: list(User.objects.order_by("pk").values_list("password", flat=True)),
        redirect="/dashboard/", shows=lambda w, p: ["修改密码"],
    ),
    "portal:dashboard": Route(allow=SIGNED_IN, shows=lambda w, p: [w.users[p].display_name]),
    # Campaign and calendar: the city officer configures, others at most read.
    "portal:campaign-list": Route(
        allow={"channel", "other_channel", "auditor", *CITY}, shows=lambda w, p: [w.campaign.title],
    ),
    "portal:campaign-create": Route(
        allow=OFFICER, methods=("GET", "POST"),
        data=lambda w: campaign_data(w.campaign, year=w.campaign.year + 1, title="下一年度通知"),
        snapshot=lambda w: Campaign.objects.count(),
        redirect="/campaigns/", shows=lambda w, p: ["新建年度申报通知"],
    ),
    "portal:campaign-update": Route(
        allow=OFFICER, methods=("GET", "POST"),
        kwargs=lambda w: {"pk": w.campaign.pk},
        data=lambda w: campaign_data(w.campaign, title="修改后的年度通知标题"),
        snapshot=lambda w: Campaign.objects.get(pk=w.campaign.pk).title,
        redirect="/campaigns/", shows=lambda w, p: ["编辑年度申报通知", w.campaign.title],
    ),
    "portal:calendar": Route(
        allow=OFFICER, methods=("GET", "POST"),
        data=lambda w: {"date": "2026-10-09", "is_workday": "", "note": "临时休息日"},
        snapshot=lambda w: list(CalendarOverride.objects.values_list("date", "is_workday")),
        redirect="/calendar/", shows=lambda w, p: ["节假日调整"],
    ),
    "portal:calendar-delete": Route(
        allow=OFFICER, methods=("GET", "POST", "DELETE"),
        setup=lambda w: w.add(override=CalendarOverrideFactory(note="待删除的调整")),
        kwargs=lambda w: {"pk": w.override.pk},
        snapshot=lambda w: CalendarOverride.objects.filter(pk=w.override.pk).exists(),
        redirect="/calendar/",
    ),
    # Units: scoped by channel; the city officer maintains them.
    "portal:unit-list": Route(
        allow={"channel", "other_channel", "auditor", *CITY}, shows=unit_list_shows, hides=unit_list_hides,
    ),
    "portal:unit-create": Route(
        allow=OFFICER, methods=("GET", "POST"), data=new_unit_data,
        snapshot=lambda w: Unit.objects.count(),
        redirect=lambda w: reverse("portal:unit-detail", kwargs={"pk": Unit.objects.get(name=NEW_UNIT_NAME).pk}),
        shows=lambda w, p: ["新增申报单位"],
    ),
    "portal:unit-export": Route(allow=CITY, content_type=XLSX),
    "portal:unit-detail": Route(
        allow={"unit", "channel", "auditor", *CITY}, hidden=OUTSIDE_UNIT_A,
        kwargs=lambda w: {"pk": w.unit_a.pk}, shows=lambda w, p: [w.unit_a.name, w.unit_a.uscc],
    ),
    "portal:unit-update": Route(
        allow=OFFICER, hidden=OUTSIDE_UNIT_A, methods=("GET", "POST"),
        kwargs=lambda w: {"pk": w.unit_a.pk},
        data=lambda w: unit_data(w.unit_a, address="镇江市京口区学府路100号"),
        snapshot=lambda w: Unit.objects.values_list("address", "updated_at").get(pk=w.unit_a.pk),
        redirect=lambda w: reverse("portal:unit-detail", kwargs={"pk": w.unit_a.pk}),
        shows=lambda w, p: ["编辑申报单位", w.unit_a.name],
    ),
    # Channels and reference lists: the city officer only.
    "portal:channel-list": Route(allow=OFFICER, shows=lambda w, p: ["京口区人力资源和社会保障局", "丹阳市"]),
    "portal:channel-create": Route(
        allow=OFFICER, methods=("GET", "POST"),
        data=lambda w: {"code": "HY900", "name": "市交通运输局", "kind": "industry",
                        "authority": "镇江市交通运输局", "sort_order": 100, "is_active": "on"},
        snapshot=lambda w: Channel.objects.count(),
        redirect="/channels/", shows=lambda w, p: ["新增推荐渠道"],
    ),
    "portal:channel-update": Route(
        allow=OFFICER, methods=("GET", "POST"),
        kwargs=lambda w: {"pk": w.jingkou.pk},
        data=lambda w: channel_data(w.jingkou, authority="京口区人社局（更名）"),
        snapshot=lambda w: Channel.objects.get(pk=w.jingkou.pk).authority,
        redirect="/channels/", shows=lambda w, p: ["编辑推荐渠道", "京口区人力资源和社会保障局"],
    ),
    "portal:reference-list": Route(allow=OFFICER, shows=lambda w, p: ["中华技能大奖", "江苏工匠"]),
    "portal:reference-update": Route(
        allow=OFFICER, methods=("GET", "POST"),
        kwargs=lambda w: {"pk": reference_item().pk},
        data=lambda w: {"label": "企业（含个体）", "short_label": "企业", "description": "", "sort_order": 0,
                        "is_active": "on"},
        snapshot=lambda w: ReferenceItem.objects.get(pk=reference_item().pk).label,
        redirect="/reference/?kind=unit_type", shows=lambda w, p: ["编辑参考数据", "企业"],
    ),
    # Audit trail: the auditor reads it.
    "portal:audit-list": Route(allow={"auditor"}, shows=lambda w, p: ["安全审计日志"]),
    "portal:history-list": Route(allow={"auditor"}, shows=lambda w, p: ["数据变更记录"]),
    "portal:transition-list": Route(allow={"auditor"}, shows=lambda w, p: ["业务流转记录"]),
    # Security (issue 4): the user's own second factor, re-authentication and account page.
    # login() marks privileged sessions OTP-verified, so the verify page sends everyone on (unit
    # users, who have no device, to the optional enrolment page).
    "portal:otp-verify": Route(
        allow=SIGNED_IN, methods=("GET", "POST"), data=lambda w: {"token": "000000"},
        status=dict.fromkeys(SIGNED_IN, 302),
    ),
    "portal:otp-setup": Route(
        allow=SIGNED_IN, methods=("GET", "POST"), data=lambda w: {"token": "000000"}, post_status=200,
        shows=lambda w, p: ["绑定身份验证器"],
    ),
    "portal:otp-backup-codes": Route(
        allow=SIGNED_IN, methods=("POST",), post_status=200, status={"unit": 302, "other_unit": 302},
        snapshot=lambda w: StaticToken.objects.count(),
    ),
    "portal:reauth": Route(
        allow=SIGNED_IN, methods=("GET", "POST"), data=lambda w: {"password": "not-the-password-1A"},
        post_status=200, shows=lambda w, p: ["验证身份"],
    ),
    "portal:account-security": Route(allow=SIGNED_IN, shows=lambda w, p: ["账号安全"]),
    # Audited reveal of a registered personal-information field (portal/pi.py).
    "portal:reveal": Route(
        allow={"unit", "channel", *CITY}, hidden=OUTSIDE_UNIT_A, methods=("POST",), post_status=200,
        kwargs=lambda w: {"model_label": "portal.Unit", "object_id": str(w.unit_a.pk), "field": "contact_phone"},
        snapshot=lambda w: AuditEvent.objects.filter(action=AuditAction.REVEAL).count(),
    ),
    # Account administration, 三权分立: sysadmin manages accounts, secadmin roles and security.
    "portal:account-list": Route(allow=ADMINS, shows=lambda w, p: ["账号管理", w.users["unit"].username]),
    "portal:account-create": Route(
        allow={"sysadmin"}, methods=("GET", "POST"), post_status=200,
        data=lambda w: {"username": "new_account_x", "full_name": "新建账号", "email": "new@example.cn"},
        snapshot=lambda w: User.objects.count(), shows=lambda w, p: ["新建账号"],
    ),
    "portal:account-detail": Route(
        allow=ADMINS, kwargs=lambda w: {"pk": w.users["unit"].pk}, shows=lambda w, p: [w.users["unit"].username],
    ),
    "portal:account-deactivate": Route(
        allow={"sysadmin"}, methods=("POST",), kwargs=lambda w: {"account_id": w.users["unit"].pk},
        snapshot=lambda w: User.objects.get(pk=w.users["unit"].pk).is_active,
    ),
    "portal:account-activate": Route(
        allow={"sysadmin"}, methods=("POST",),
        setup=lambda w: w.add(inactive=UserFactory(username="p_inactive", is_active=False)),
        kwargs=lambda w: {"account_id": w.inactive.pk},
        snapshot=lambda w: User.objects.get(pk=w.inactive.pk).is_active,
    ),
    "portal:account-reset-password": Route(
        allow={"sysadmin"}, methods=("POST",), post_status=200, kwargs=lambda w: {"account_id": w.users["unit"].pk},
        snapshot=lambda w: User.objects.get(pk=w.users["unit"].pk).password,
    ),
    "portal:account-unlock": Route(
        allow={"secadmin"}, methods=("POST",),
        setup=lambda w: AccessAttempt.objects.update_or_create(
            username=w.users["unit"].username, ip_address="192.0.2.1", user_agent="test",
            defaults={"failures_since_start": 5, "get_data": "", "post_data": "", "http_accept": "",
                      "path_info": "/accounts/login/"},
        ),
        kwargs=lambda w: {"account_id": w.users["unit"].pk},
        snapshot=lambda w: AccessAttempt.objects.filter(username=w.users["unit"].username).count(),
    ),
    "portal:account-end-sessions": Route(
        allow={"secadmin"}, methods=("POST",), kwargs=lambda w: {"account_id": w.users["unit"].pk},
        snapshot=lambda w: AuditEvent.objects.filter(action=AuditAction.ACCOUNT).count(),
    ),
    "portal:account-otp-reset": Route(
        allow={"secadmin"}, methods=("POST",),
        setup=lambda w: TOTPDevice.objects.create(user=w.users["expert"], name="policy", confirmed=True),
        kwargs=lambda w: {"account_id": w.users["expert"].pk},
        snapshot=lambda w: TOTPDevice.objects.filter(user=w.users["expert"]).count(),
    ),
    "portal:role-grant": Route(
        allow={"secadmin"}, methods=("POST",),
        setup=lambda w: w.add(grantee=UserFactory(username="p_grantee")),
        kwargs=lambda w: {"account_id": w.grantee.pk}, data=lambda w: {"role": "expert"},
        snapshot=lambda w: RoleAssignment.objects.filter(user=w.grantee).count(),
    ),
    "portal:role-revoke": Route(
        allow={"secadmin"}, methods=("POST",),
        setup=lambda w: w.add(revokee=user_with_role("expert", username="p_revokee")),
        kwargs=lambda w: {"account_id": w.revokee.pk,
                          "assignment_id": RoleAssignment.objects.get(user=w.revokee).pk},
        snapshot=lambda w: RoleAssignment.objects.filter(user=w.revokee).count(),
    ),
}
