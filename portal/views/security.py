"""The user's own security pages: TOTP verification after the password, TOTP enrolment,
re-authentication (sudo mode) and the account-security overview."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from portal import otp
from portal.access import PortalPermissionMixin
from portal.account_forms import OTPEnrolForm, OTPTokenForm, ReauthForm
from portal.enums import AuditAction, AuditOutcome
from portal.security import (
    RateLimitMixin,
    RecentAuthRequiredMixin,
    end_session_if_locked,
    has_recent_auth,
    mark_recent_auth,
    otp_verified,
    password_expires_at,
    requires_otp,
)
from portal.services import audit_record


def safe_next(request, default: str = "portal:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse(default)


@method_decorator(sensitive_post_parameters("token"), name="dispatch")
class OTPVerifyView(PortalPermissionMixin, RateLimitMixin, View):
    """Second sign-in step for privileged roles: a TOTP code (or a backup code)."""

    permission_required = "portal.view_dashboard"
    ratelimit_group = "otp"
    ratelimit_key = "user"
    template_name = "portal/accounts/otp_verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and otp_verified(request.user):
            return HttpResponseRedirect(safe_next(request))
        if request.user.is_authenticated and not user_has_device(request.user):
            return redirect("portal:otp-setup")
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        context = {"form": form, "next": safe_next(request=self.request)}
        if settings.PORTAL_DEMO:
            device = otp.confirmed_totp(self.request.user)
            context["demo_code"] = otp.current_code(device) if device else None
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_form(OTPTokenForm())

    def post(self, request):
        form = OTPTokenForm(request.POST)
        device = match_token(request.user, form.cleaned_data["token"]) if form.is_valid() else None
        if device is None:
            audit_record(action=AuditAction.OTP, outcome=AuditOutcome.FAILURE, request=request,
                         detail={"step": "verify"})
            if form.is_valid():
                form.add_error("token", _("验证码不正确或已使用过，请等待下一个验证码。"))
            return self.render_form(form, status=200)
        otp_login(request, device)
        mark_recent_auth(request)
        audit_record(action=AuditAction.OTP, request=request, detail={"step": "verify", "device": device.name})
        return HttpResponseRedirect(safe_next(request))


@method_decorator(sensitive_post_parameters("token"), name="dispatch")
class OTPSetupView(PortalPermissionMixin, RateLimitMixin, View):
    """Bind an authenticator app: scan the QR code, confirm with a code, keep the backup codes.

    First enrolment needs only the password session; replacing a bound device needs a verified
    session and recent re-authentication."""

    permission_required = "portal.view_dashboard"
    ratelimit_group = "otp"
    ratelimit_key = "user"
    template_name = "portal/accounts/otp_setup.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user_has_device(user):
            if not otp_verified(user):
                return redirect("portal:otp-verify")
            if not has_recent_auth(request):
                from portal.security import reauth_redirect

                return reauth_redirect(request)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, device):
        return render(self.request, self.template_name, {
            "form": form, "qr_svg": otp.qr_svg(device), "secret": otp.secret_base32(device),
            "next": safe_next(self.request), "replacing": user_has_device(self.request.user),
        })

    def get(self, request):
        return self.render_form(OTPEnrolForm(), otp.pending_totp(request.user))

    def post(self, request):
        device = otp.pending_totp(request.user)
        form = OTPEnrolForm(request.POST)
        if not form.is_valid() or not device.verify_token(form.cleaned_data["token"]):
            audit_record(action=AuditAction.OTP, outcome=AuditOutcome.FAILURE, request=request,
                         detail={"step": "enrol"})
            if form.is_valid():
                form.add_error("token", _("验证码不正确，请确认手机时间准确后重试。"))
            return self.render_form(form, device)
        codes = otp.confirm_enrolment(request.user, device)
        otp_login(request, device)
        mark_recent_auth(request)
        audit_record(action=AuditAction.OTP, request=request, detail={"step": "enrol"})
        return render(request, "portal/accounts/backup_codes.html", {"codes": codes, "next": safe_next(request)})


@method_decorator(sensitive_post_parameters("password", "token"), name="dispatch")
class ReauthView(PortalPermissionMixin, RateLimitMixin, View):
    """Sudo mode: confirm the password (and a TOTP code for privileged roles) to unlock sensitive
    actions for PORTAL_REAUTH_SECONDS."""

    permission_required = "portal.view_dashboard"
    ratelimit_group = "reauth"
    ratelimit_key = "user"
    template_name = "portal/accounts/reauth.html"

    def with_token(self) -> bool:
        return requires_otp(self.request.user) and user_has_device(self.request.user)

    def get(self, request):
        form = ReauthForm(request=request, with_token=self.with_token())
        return render(request, self.template_name, {"form": form, "next": safe_next(request)})

    def post(self, request):
        form = ReauthForm(request.POST, request=request, with_token=self.with_token())
        if form.is_valid():
            mark_recent_auth(request)
            audit_record(action=AuditAction.LOGIN, request=request, detail={"reauth": True})
            return HttpResponseRedirect(safe_next(request))
        if end_session_if_locked(request):
            return HttpResponse(status=429)  # AxesMiddleware replaces it with the lockout page
        return render(request, self.template_name, {"form": form, "next": safe_next(request)})


class AccountSecurityView(PortalPermissionMixin, View):
    """My account: password age, authenticator and backup codes."""

    permission_required = "portal.view_dashboard"
    template_name = "portal/accounts/security.html"

    def get(self, request):
        user = request.user
        return render(request, self.template_name, {
            "password_changed_at": user.password_changed_at,
            "password_expires_at": password_expires_at(user),
            "device": otp.confirmed_totp(user),
            "backup_codes_left": otp.backup_codes_left(user),
            "otp_required": requires_otp(user),
        })


class BackupCodesView(PortalPermissionMixin, RecentAuthRequiredMixin, View):
    """Issue a new set of backup codes (the old set stops working)."""

    permission_required = "portal.view_dashboard"
    http_method_names = ["post"]

    def post(self, request):
        if otp.confirmed_totp(request.user) is None:
            messages.error(request, _("请先绑定身份验证器。"))
            return redirect("portal:account-security")
        codes = otp.issue_backup_codes(request.user)
        audit_record(action=AuditAction.OTP, request=request, detail={"step": "backup_codes"})
        return render(request, "portal/accounts/backup_codes.html",
                      {"codes": codes, "next": reverse("portal:account-security")})
