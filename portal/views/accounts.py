"""Account administration pages with separated duties (三权分立).

- 系统管理员 (portal.manage_users): create, deactivate/reactivate, reset to a new initial password.
- 安全管理员 (portal.manage_roles / portal.unlock_accounts / portal.manage_account_security):
  grant and revoke scoped roles, unlock, end sessions, reset a lost second factor.
- 审计管理员 reads the audit log (portal.views.audit) and nothing here.
Every state change needs recent re-authentication and is audited by portal.accounts.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_variables
from django.views.generic import DetailView, ListView

from portal import accounts, otp
from portal.access import PortalPermissionMixin
from portal.account_forms import AccountCreateForm, RoleGrantForm
from portal.models import RoleAssignment, User
from portal.security import RecentAuthRequiredMixin
from portal.services import role_grant, role_revoke


def accounts_visible_to(user):
    """Every account (with roles). Only account administrators reach the views that use it (the
    view permission is global), so others get 403, not 404."""
    return User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit", "channel"))
    ).order_by("username")


class AccountListView(PortalPermissionMixin, ListView):
    permission_required = "portal.view_accounts"
    template_name = "portal/accounts/account_list.html"
    context_object_name = "accounts"
    paginate_by = 50

    def get_queryset(self):
        qs = accounts_visible_to(self.request.user)
        q = self.request.GET.get("q", "").strip()
        if q:
            qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.request.GET.get("q", "")
        context["locked"] = accounts.locked_usernames()
        return context


class AccountDetailView(PortalPermissionMixin, DetailView):
    permission_required = "portal.view_accounts"
    template_name = "portal/accounts/account_detail.html"
    context_object_name = "account"

    def get_queryset(self):
        return accounts_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = self.object
        context["is_locked"] = accounts.is_locked(account.username)
        context["has_device"] = otp.confirmed_totp(account) is not None
        context["grant_form"] = RoleGrantForm(user=account)
        return context


@method_decorator(sensitive_variables("password"), name="post")
class AccountCreateView(PortalPermissionMixin, RecentAuthRequiredMixin, View):
    permission_required = "portal.manage_users"
    template_name = "portal/accounts/account_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": AccountCreateForm()})

    def post(self, request):
        form = AccountCreateForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        user, password = accounts.user_create(
            username=form.cleaned_data["username"], full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"], actor=request.user,
        )
        return render(request, "portal/accounts/initial_password.html", {"account": user, "password": password})


class AccountActionView(PortalPermissionMixin, RecentAuthRequiredMixin, View):
    """Base of the POST-only actions on one account (the account comes from the scoped queryset)."""

    http_method_names = ["post"]

    def get_account(self) -> User:
        return get_object_or_404(accounts_visible_to(self.request.user), pk=self.kwargs["account_id"])

    def post(self, request, account_id):
        account = self.get_account()
        try:
            response = self.act(account)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("portal:account-detail", pk=account.pk)
        return response or redirect("portal:account-detail", pk=account.pk)

    def act(self, account: User):
        raise NotImplementedError


class AccountDeactivateView(AccountActionView):
    permission_required = "portal.manage_users"

    def act(self, account):
        accounts.user_set_active(user=account, active=False, actor=self.request.user)
        messages.success(self.request, _("账号已停用，其所有会话已结束。"))


class AccountActivateView(AccountActionView):
    permission_required = "portal.manage_users"

    def act(self, account):
        accounts.user_set_active(user=account, active=True, actor=self.request.user)
        messages.success(self.request, _("账号已启用。"))


@method_decorator(sensitive_variables("password"), name="act")
class AccountResetPasswordView(AccountActionView):
    permission_required = "portal.manage_users"

    def act(self, account):
        password = accounts.user_reset_password(user=account, actor=self.request.user)
        return render(self.request, "portal/accounts/initial_password.html",
                      {"account": account, "password": password, "reset": True})


class AccountUnlockView(AccountActionView):
    permission_required = "portal.unlock_accounts"

    def act(self, account):
        accounts.account_unlock(user=account, actor=self.request.user)
        messages.success(self.request, _("账号已解锁。"))


class AccountEndSessionsView(AccountActionView):
    permission_required = "portal.manage_account_security"

    def act(self, account):
        count = accounts.sessions_end(user=account, actor=self.request.user)
        messages.success(self.request, _("已结束该账号的%(n)d个会话。") % {"n": count})


class AccountOTPResetView(AccountActionView):
    permission_required = "portal.manage_account_security"

    def act(self, account):
        accounts.otp_reset(user=account, actor=self.request.user)
        messages.success(self.request, _("已重置双因素认证，该用户下次登录时须重新绑定身份验证器。"))


class RoleGrantView(AccountActionView):
    permission_required = "portal.manage_roles"

    def act(self, account):
        form = RoleGrantForm(self.request.POST, user=account)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(self.request, error)
            return None
        data = form.cleaned_data
        try:
            role_grant(user=account, role=data["role"], granted_by=self.request.user,
                       unit=data["unit"], channel=data["channel"])
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(self.request, error)
            return None
        messages.success(self.request, _("已授予角色。"))
        return None


class RoleRevokeView(AccountActionView):
    permission_required = "portal.manage_roles"

    def act(self, account):
        assignment = get_object_or_404(RoleAssignment, pk=self.kwargs["assignment_id"], user=account)
        role_revoke(assignment=assignment, revoked_by=self.request.user)
        messages.success(self.request, _("已撤销角色。"))

    def post(self, request, account_id, assignment_id):
        return super().post(request, account_id)
