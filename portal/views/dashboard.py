from django.views.generic import TemplateView

from portal import dashboard, roles
from portal.access import PortalPermissionMixin
from portal.enums import Role
from portal.selectors import current_campaign


class DashboardView(PortalPermissionMixin, TemplateView):
    """What this user must do next, one section per role they hold."""

    permission_required = "portal.view_dashboard"
    template_name = "portal/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sections = []
        for assignment in roles.assignments(self.request.user):
            sections.append({
                "assignment": assignment,
                "role_label": Role(assignment.role).label,
                "panels": dashboard.panels_for(self.request, assignment.role),
            })
        context["sections"] = sections
        context["campaign"] = current_campaign()
        return context
