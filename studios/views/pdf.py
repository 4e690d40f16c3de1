"""Download of Annex 1 (申报表) as a PDF, for the unit (to print, stamp and re-upload), its channel
and the city. Out-of-scope cases are 404 (the selector), the permission is checked on the case.

The lead person's ID number and phone are printed in full only for readers who may reveal them
(`studios.reveal_lead_id`); each such download also writes one REVEAL audit row, like the reveal
button. Every download writes one DOWNLOAD audit row. PDFs are never stored or cached: they may hold
the full ID number.
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.views.generic import View
from django.views.generic.detail import SingleObjectMixin

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction
from portal.services import audit_record
from studios.pdf import annex1_pdf
from studios.selectors import applications_visible_to


def content_disposition(filename: str, fallback: str) -> str:
    """`attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class ApplicationPdfView(PortalPermissionMixin, SingleObjectMixin, View):
    permission_required = "studios.download_application_pdf"
    context_object_name = "application"

    def get_queryset(self):
        return applications_visible_to(self.request.user).prefetch_related("members", "awards", "attachments")

    def get(self, request, *args, **kwargs):
        application = self.get_object()
        full = request.user.has_perm("studios.reveal_lead_id", application)
        pdf = annex1_pdf(application, full_personal_info=full)
        detail = {"what": "annex1_pdf", "case_number": pdf.case_number, "version": pdf.version,
                  "content_hash": pdf.content_hash, "bytes": len(pdf.content), "full_personal_info": full}
        audit_record(action=AuditAction.DOWNLOAD, request=request, obj=application, detail=detail)
        if full and application.lead_id_number:
            audit_record(action=AuditAction.REVEAL, request=request, obj=application,
                         detail={"field": "lead_id_number", "via": "annex1_pdf"})
        response = HttpResponse(pdf.content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(pdf.filename, f"{pdf.case_number}.pdf")
        response["Content-Length"] = str(len(pdf.content))
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
