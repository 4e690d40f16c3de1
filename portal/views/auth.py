from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.access import PortalPermissionMixin, PublicMixin
from portal.enums import AuditAction
from portal.services import audit_record


class LoginView(PublicMixin, auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(PortalPermissionMixin, auth_views.LogoutView):
    permission_required = "portal.view_dashboard"


class PasswordChangeView(PortalPermissionMixin, auth_views.PasswordChangeView):
    permission_required = "portal.change_own_password"
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("portal:dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password_changed_at", "must_change_password"])
        audit_record(action=AuditAction.PASSWORD_CHANGE, actor=user, request=self.request)
        messages.success(self.request, _("密码已修改。"))
        return response
