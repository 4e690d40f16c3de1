from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, UpdateView

from portal import reference_data
from portal.access import PortalPermissionMixin
from portal.forms import ReferenceItemForm
from portal.models import ReferenceItem


class ReferenceItemListView(PortalPermissionMixin, ListView):
    """Reference lists grouped by kind; the city bureau may relabel or deactivate entries."""

    permission_required = "portal.manage_reference"
    template_name = "portal/reference_list.html"
    context_object_name = "items"

    def get_queryset(self):
        # Only known kinds reach the query (a NUL in ?kind= was a 500: security.md #26 fuzz).
        kind = self.request.GET.get("kind")
        self.kind = kind if kind in reference_data.KIND_LABELS else "lead_honour"
        return ReferenceItem.objects.filter(kind=self.kind).order_by("sort_order", "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = list(reference_data.KIND_LABELS.items())
        context["kind"] = self.kind
        return context


class ReferenceItemUpdateView(PortalPermissionMixin, SuccessMessageMixin, UpdateView):
    permission_required = "portal.manage_reference"
    form_class = ReferenceItemForm
    template_name = "components/form_page.html"
    success_message = _("已保存。")

    def get_queryset(self):
        return ReferenceItem.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = _("编辑参考数据")
        context["cancel_url"] = self.get_success_url()
        return context

    def get_success_url(self):
        return reverse("portal:reference-list") + f"?kind={self.object.kind}"

    def form_valid(self, form):
        from django.core.cache import cache

        response = super().form_valid(form)
        cache.delete(f"reference:{self.object.kind}")
        return response
