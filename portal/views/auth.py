from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from portal.access import PortalPermissionMixin, PublicMixin
from portal.enums import AuditAction
from portal.security import RateLimitMixin, mark_recent_auth
from portal.services import audit_record


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class LoginView(PublicMixin, RateLimitMixin, auth_views.LoginView):
    """Password step. Failures count per account in django-axes (5 → locked 30 min, answered 429
    by AxesMiddleware); POSTs are also rate-limited per client IP (PORTAL_RATELIMITS["login"]).
    Privileged roles continue to the TOTP step (portal.security.AccountPolicyMiddleware)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    ratelimit_group = "login"


class LogoutView(PortalPermissionMixin, auth_views.LogoutView):
    permission_required = "portal.view_dashboard"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Residual information (等保 8.1.4.10): the browser drops cache, cookies and storage.
        response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
        return response


@method_decorator(sensitive_post_parameters("old_password", "new_password1", "new_password2"), name="dispatch")
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
        mark_recent_auth(self.request)
        audit_record(action=AuditAction.PASSWORD_CHANGE, actor=user, request=self.request)
        messages.success(self.request, _("密码已修改。"))
        return response
