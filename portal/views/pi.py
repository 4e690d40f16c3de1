"""The audited reveal of one personal-information field (see portal.pi)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.views import View

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction
from portal.pi import get_revealable
from portal.services import audit_denied, audit_record


class RevealView(PortalPermissionMixin, View):
    """POST (model label, object id, field) → the full value as an htmx fragment, audited once."""

    permission_required = "portal.reveal_pi"
    http_method_names = ["post"]

    def post(self, request, model_label: str, object_id: str, field: str):
        entry = get_revealable(model_label, field)
        if entry is None:
            raise Http404
        obj = entry.objects_for(request.user).filter(pk=object_id).first() if object_id.isdigit() else None
        if obj is None:
            raise Http404
        if not request.user.has_perm(entry.permission, obj):
            audit_denied(request, reason="reveal", permission=entry.permission, field=field,
                         object=f"{entry.model_label}:{obj.pk}")
            raise PermissionDenied
        value = getattr(obj, field) or ""
        audit_record(action=AuditAction.REVEAL, obj=obj, request=request, detail={"field": field})
        html = render_to_string("portal/pi/revealed.html", {"value": value, "field": field}, request=request)
        return HttpResponse(html)
