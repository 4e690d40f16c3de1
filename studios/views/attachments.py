"""Evidence files: upload into a slot (content-checked), download through a permission-checked,
audited view, delete while the case is editable.

Download re-checks the file against the SHA-256 taken at upload: a changed or missing file is
never served; the user gets a Chinese explanation page with status 409 and an INTEGRITY audit
row raises the alarm (security.md #21). A storage failure on upload answers 507 with the message
next to the slot, the rest of the page as it was (security.md L9)."""

import hmac
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction
from portal.services import audit_record
from portal.uploads import ALLOWED_TYPES, UploadRejected, check_upload
from studios.enums import EvidenceSlot
from studios.forms import AttachmentUploadForm
from studios.models import Attachment
from studios.selectors import applications_visible_to
from studios.services import (
    StorageUnavailable,
    attachment_add,
    attachment_delete,
    attachment_read,
    integrity_alert,
)
from studios.views.steps import ApplicationObjectMixin, ApplicationStepView, slot_cards


def _slot_response(request, application, slot: str, error: str = "", status: int = 200):
    """htmx: the slot's card again; otherwise the evidence step (error shown next to the slot)."""
    if request.htmx:
        card = next(c for c in slot_cards(application, request.user, {slot: error}) if c["slot"] == slot)
        return render(request, "studios/partials.html#slot", {"card": card, "application": application},
                      status=status)
    if not error:
        return HttpResponseRedirect(reverse("studios:application-step",
                                            kwargs={"pk": application.pk, "step": "evidence"}))
    view = ApplicationStepView()
    view.setup(request, pk=application.pk, step="evidence")
    view.object = application
    view.step = view.get_step()
    response = view.render_step(slot_errors={slot: error})
    response.status_code = status
    return response


class AttachmentUploadView(ApplicationObjectMixin, DetailView):
    permission_required = "studios.change_application"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_object()
        form = AttachmentUploadForm(request.POST, request.FILES)
        slot = request.POST.get("slot", "")
        if slot not in EvidenceSlot.values:
            raise Http404
        if not form.is_valid():
            error = "；".join(e for errs in form.errors.values() for e in errs)
            return _slot_response(request, application, slot, error)
        try:
            checked = check_upload(form.cleaned_data["file"])
            attachment_add(application=application, slot=slot, upload=checked, actor=request.user)
        except UploadRejected as exc:
            return _slot_response(request, application, slot, exc.messages[0])
        except StorageUnavailable as exc:
            # 507 Insufficient Storage: the server could not store the file; nothing was saved.
            return _slot_response(request, application, slot, exc.messages[0], status=507)
        except ValidationError as exc:
            return _slot_response(request, application, slot, exc.messages[0])
        if not request.htmx:
            messages.success(request, _("文件已上传。"))
        return _slot_response(request, application, slot)


class AttachmentObjectMixin(PortalPermissionMixin):
    """Attachments of applications the user may see (others: 404); permissions are checked on
    the application."""

    context_object_name = "attachment"

    def get_queryset(self):
        return Attachment.objects.select_related("application").filter(
            application__in=applications_visible_to(self.request.user))

    def get_permission_object(self):
        attachment = super().get_permission_object()
        return attachment.application if attachment is not None else None


class AttachmentDownloadView(AttachmentObjectMixin, DetailView):
    permission_required = "studios.view_attachment"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        attachment = self.get_object()
        name = attachment.original_name
        extension = ALLOWED_TYPES.get(attachment.content_type, "bin")
        if not name.lower().endswith("." + extension) and not (extension == "jpg" and name.lower().endswith(".jpeg")):
            name = f"{name}.{extension}"
        content, actual = attachment_read(attachment)
        if not hmac.compare_digest(actual, attachment.sha256):
            integrity_alert(obj=attachment, kind="attachment", expected=attachment.sha256, actual=actual,
                            actor=request.user, request=request)
            return render(request, "studios/attachment_integrity_error.html",
                          {"attachment": attachment, "application": attachment.application}, status=409)
        audit_record(action=AuditAction.DOWNLOAD, actor=request.user, obj=attachment,
                     detail={"application": attachment.application_id, "sha256": attachment.sha256})
        response = HttpResponse(content, content_type=attachment.content_type)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class AttachmentDeleteView(AttachmentObjectMixin, DetailView):
    permission_required = "studios.change_application"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        attachment = self.get_object()
        application = attachment.application
        try:
            attachment_delete(attachment=attachment, actor=request.user)
        except ValidationError as exc:
            return _slot_response(request, application, attachment.slot, exc.messages[0])
        if not request.htmx:
            messages.success(request, _("文件已删除。"))
        return _slot_response(request, application, attachment.slot)
