from django.urls import path

from studios.views import applications, attachments, steps
from studios.views.pdf import ApplicationPdfView

app_name = "studios"

urlpatterns = [
    path("applications/", applications.ApplicationListView.as_view(), name="application-list"),
    path("applications/new/", applications.ApplicationCreateView.as_view(), name="application-create"),
    path("applications/<int:pk>/", applications.ApplicationDetailView.as_view(), name="application-detail"),
    path("applications/<int:pk>/pdf/", ApplicationPdfView.as_view(), name="application-pdf"),
    path("applications/<int:pk>/step/<slug:step>/", steps.ApplicationStepView.as_view(), name="application-step"),
    path("applications/<int:pk>/step/<slug:step>/autosave/", steps.ApplicationAutosaveView.as_view(),
         name="application-autosave"),
    path("applications/<int:pk>/rows/<slug:relation>/new/", steps.ApplicationRowAddView.as_view(),
         name="application-row-add"),
    path("applications/<int:pk>/submit/", applications.ApplicationSubmitView.as_view(), name="application-submit"),
    path("applications/<int:pk>/withdraw/", applications.ApplicationWithdrawView.as_view(),
         name="application-withdraw"),
    path("applications/<int:pk>/extend/", applications.ApplicationExtendView.as_view(), name="application-extend"),
    path("applications/<int:pk>/attachments/", attachments.AttachmentUploadView.as_view(), name="attachment-upload"),
    path("attachments/<int:pk>/", attachments.AttachmentDownloadView.as_view(), name="attachment-download"),
    path("attachments/<int:pk>/delete/", attachments.AttachmentDeleteView.as_view(), name="attachment-delete"),
]
