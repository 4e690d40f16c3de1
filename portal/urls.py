from django.contrib import admin
from django.urls import include, path

from portal.views import accounts, audit, auth, campaigns, dashboard, pi, public, reference, security, units

portal_patterns = [
    path("", public.HomeView.as_view(), name="home"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("campaigns/", campaigns.CampaignListView.as_view(), name="campaign-list"),
    path("campaigns/new/", campaigns.CampaignCreateView.as_view(), name="campaign-create"),
    path("campaigns/<int:pk>/edit/", campaigns.CampaignUpdateView.as_view(), name="campaign-update"),
    path("calendar/", campaigns.CalendarOverrideListView.as_view(), name="calendar"),
    path("calendar/<int:pk>/delete/", campaigns.CalendarOverrideDeleteView.as_view(), name="calendar-delete"),
    path("units/", units.UnitListView.as_view(), name="unit-list"),
    path("units/new/", units.UnitCreateView.as_view(), name="unit-create"),
    path("units/export/", units.UnitExportView.as_view(), name="unit-export"),
    path("units/<int:pk>/", units.UnitDetailView.as_view(), name="unit-detail"),
    path("units/<int:pk>/edit/", units.UnitUpdateView.as_view(), name="unit-update"),
    path("channels/", units.ChannelListView.as_view(), name="channel-list"),
    path("channels/new/", units.ChannelCreateView.as_view(), name="channel-create"),
    path("channels/<int:pk>/edit/", units.ChannelUpdateView.as_view(), name="channel-update"),
    path("reference/", reference.ReferenceItemListView.as_view(), name="reference-list"),
    path("reference/<int:pk>/edit/", reference.ReferenceItemUpdateView.as_view(), name="reference-update"),
    path("audit/", audit.AuditEventListView.as_view(), name="audit-list"),
    path("audit/history/", audit.DataHistoryListView.as_view(), name="history-list"),
    path("audit/transitions/", audit.TransitionLogListView.as_view(), name="transition-list"),
    # Security (issue 4): second factor, re-authentication, own account, PI reveal, account admin.
    path("security/otp/verify/", security.OTPVerifyView.as_view(), name="otp-verify"),
    path("security/otp/setup/", security.OTPSetupView.as_view(), name="otp-setup"),
    path("security/otp/backup-codes/", security.BackupCodesView.as_view(), name="otp-backup-codes"),
    path("security/reauth/", security.ReauthView.as_view(), name="reauth"),
    path("security/", security.AccountSecurityView.as_view(), name="account-security"),
    path("pi/reveal/<str:model_label>/<str:object_id>/<str:field>/", pi.RevealView.as_view(), name="reveal"),
    path("accounts/", accounts.AccountListView.as_view(), name="account-list"),
    path("accounts/new/", accounts.AccountCreateView.as_view(), name="account-create"),
    path("accounts/<int:pk>/", accounts.AccountDetailView.as_view(), name="account-detail"),
    path("accounts/<int:account_id>/deactivate/", accounts.AccountDeactivateView.as_view(), name="account-deactivate"),
    path("accounts/<int:account_id>/activate/", accounts.AccountActivateView.as_view(), name="account-activate"),
    path("accounts/<int:account_id>/reset-password/", accounts.AccountResetPasswordView.as_view(),
         name="account-reset-password"),
    path("accounts/<int:account_id>/unlock/", accounts.AccountUnlockView.as_view(), name="account-unlock"),
    path("accounts/<int:account_id>/end-sessions/", accounts.AccountEndSessionsView.as_view(),
         name="account-end-sessions"),
    path("accounts/<int:account_id>/otp-reset/", accounts.AccountOTPResetView.as_view(), name="account-otp-reset"),
    path("accounts/<int:account_id>/roles/grant/", accounts.RoleGrantView.as_view(), name="role-grant"),
    path("accounts/<int:account_id>/roles/<int:assignment_id>/revoke/", accounts.RoleRevokeView.as_view(),
         name="role-revoke"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("studios/", include("studios.urls")),
    path("reviews/", include("reviews.urls")),
    path("django-admin/", admin.site.urls),
]
