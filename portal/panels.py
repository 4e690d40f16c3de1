"""Dashboard panels of the portal app (apps add theirs the same way, in AppConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal import dashboard
from portal.enums import Role
from portal.selectors import audit_events_visible_to, current_campaign, units_visible_to


def campaign_panel(request):
    campaign = current_campaign()
    return {
        "title": _("本年度时间安排"),
        "template": "portal/panels/campaign.html",
        "context": {"campaign": campaign},
        "order": 90,
        "width": 6,
    }


def city_setup_panel(request):
    campaign = current_campaign()
    return {
        "title": _("年度工作配置"),
        "template": "portal/panels/city_setup.html",
        "context": {"campaign": campaign, "unit_count": units_visible_to(request.user).count()},
        "link": reverse("portal:campaign-list"),
        "link_label": _("年度通知"),
        "order": 80,
    }


def channel_units_panel(request):
    return {
        "title": _("本渠道申报单位"),
        "template": "portal/panels/unit_count.html",
        "context": {"unit_count": units_visible_to(request.user).count()},
        "link": reverse("portal:unit-list"),
        "order": 80,
    }


def audit_panel(request):
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(days=1)
    events = audit_events_visible_to(request.user)
    return {
        "title": _("近24小时安全事件"),
        "template": "portal/panels/audit.html",
        "context": {
            "total": events.filter(created_at__gte=since).count(),
            "failures": events.filter(created_at__gte=since).exclude(outcome="success").count(),
            "recent": list(events.order_by("-id")[:5]),
        },
        "link": reverse("portal:audit-list"),
        "width": 12,
    }


def expert_panel(request):
    """Until expert scoring lands, tell experts when review starts."""
    return {
        "title": _("评审任务"),
        "template": "portal/panels/expert.html",
        "context": {"campaign": current_campaign()},
        "order": 10,
    }


def register_panels() -> None:
    for role in Role.values:
        dashboard.register(role, campaign_panel)
    for role in (Role.CITY_OFFICER, Role.CITY_APPROVER):
        dashboard.register(role, city_setup_panel)
    dashboard.register(Role.CHANNEL, channel_units_panel)
    dashboard.register(Role.AUDITOR, audit_panel)
    dashboard.register(Role.EXPERT, expert_panel)
