"""Dashboard panel of the unit: this campaign's applications, what happens next, the deadline."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import dashboard
from portal.enums import Role
from portal.selectors import current_campaign


def unit_applications_panel(request):
    from studios.selectors import applications_visible_to
    from studios.views.applications import status_info

    campaign = current_campaign()
    rows = []
    if campaign is not None:
        qs = applications_visible_to(request.user).filter(campaign=campaign).order_by("-created_at")
        rows = [{"application": a, "info": status_info(a)} for a in qs]
    filing_open = campaign is not None and timezone.now() <= campaign.unit_filing_deadline
    return {
        "title": _("本年度申报"),
        "template": "studios/panels/unit_applications.html",
        "context": {"campaign": campaign, "rows": rows, "filing_open": filing_open,
                    "can_create": request.user.has_perm("studios.create_application")},
        "link": reverse("studios:application-list"),
        "link_label": _("全部申报"),
        "order": 10,
        "width": 12,
    }


def register_panels() -> None:
    dashboard.register(Role.UNIT, unit_applications_panel)
