from django.views.generic import ListView
from pghistory.models import Events

from portal.access import PortalPermissionMixin
from portal.forms import AuditFilterForm
from portal.models import TransitionLog
from portal.selectors import audit_events_visible_to


class AuditEventListView(PortalPermissionMixin, ListView):
    """Security events (logins, failures, denied accesses, exports …), filterable."""

    permission_required = "portal.view_audit"
    template_name = "portal/audit_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        qs = audit_events_visible_to(self.request.user)
        self.filter_form = AuditFilterForm(self.request.GET or None)
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["q"]:
                qs = qs.filter(actor_username__icontains=data["q"]) | qs.filter(path__icontains=data["q"])
            if data["action"]:
                qs = qs.filter(action=data["action"])
            if data["start"]:
                qs = qs.filter(created_at__date__gte=data["start"])
            if data["end"]:
                qs = qs.filter(created_at__date__lte=data["end"])
        return qs.order_by("-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class DataHistoryListView(PortalPermissionMixin, ListView):
    """Every change to domain data (pghistory events: model, before/after, actor, IP, URL)."""

    permission_required = "portal.view_audit"
    template_name = "portal/history_list.html"
    context_object_name = "events"
    paginate_by = 50

    def get_queryset(self):
        qs = Events.objects.order_by("-pgh_created_at")
        model = self.request.GET.get("model", "").strip()
        if model:
            qs = qs.filter(pgh_obj_model=model)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from portal.history import annotate_actors, tracked_models

        context["models"] = tracked_models()
        context["selected_model"] = self.request.GET.get("model", "")
        annotate_actors(context["events"])
        return context


class TransitionLogListView(PortalPermissionMixin, ListView):
    """Workflow history across all cases."""

    permission_required = "portal.view_audit"
    template_name = "portal/transition_list.html"
    context_object_name = "transitions"
    paginate_by = 50

    def get_queryset(self):
        return TransitionLog.objects.select_related("actor", "content_type").order_by("-id")
