from django.contrib import admin
from django.urls import include, path

from portal.views import audit, auth, campaigns, dashboard, public, reference, units

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
