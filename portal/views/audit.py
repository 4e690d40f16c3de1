from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView
from pghistory.models import Events

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction, Role
from portal.forms import AuditFilterForm
from portal.models import AuditEvent, TransitionLog
from portal.selectors import audit_events_visible_to
from portal.services import AUDIT_ROLE_ANONYMOUS, AUDIT_ROLE_NONE, AUDIT_ROLE_SUPERUSER, AUDIT_ROLE_SYSTEM


def audit_role_label(value: str) -> str:
    """The Chinese name of an AuditEvent.actor_role (a Role value or one of the AUDIT_ROLE_* markers)."""
    markers = {AUDIT_ROLE_ANONYMOUS: _("未登录"), AUDIT_ROLE_SYSTEM: _("系统任务"), AUDIT_ROLE_NONE: _("无角色"),
               AUDIT_ROLE_SUPERUSER: _("超级用户")}
    if value in markers:
        return markers[value]
    return str(Role(value).label) if value in Role.values else value


@lru_cache(maxsize=32)
def _model_of(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _status_label(model, value: str) -> str:
    if model is None:
        return value
    try:
        choices = dict(model._meta.get_field("status").flatchoices)
    except FieldDoesNotExist:
        return value
    return str(choices.get(value, value))


def audit_object_label(event: AuditEvent) -> str:
    """The object as the auditor reads it: "申报 #12" (model verbose name and id)."""
    if not event.object_type:
        return ""
    model = _model_of(event.object_type)
    name = str(model._meta.verbose_name) if model is not None else event.object_type
    return f"{name} #{event.object_id}" if event.object_id else name


def audit_detail_text(event: AuditEvent) -> str:
    """One line for the detail column. Workflow rows read "提交申报：草稿 → 待初审"."""
    detail = event.detail or {}
    if event.action == AuditAction.WORKFLOW and {"from", "to"} <= set(detail):
        model = _model_of(event.object_type)
        return _("%(label)s：%(from)s → %(to)s") % {
            "label": detail.get("label") or detail.get("action", ""),
            "from": _status_label(model, detail["from"]), "to": _status_label(model, detail["to"]),
        }
    return "；".join(f"{key}: {value}" for key, value in detail.items() if not isinstance(value, dict | list))


def _day_start(day: date) -> datetime:
    """Midnight of `day` in the portal's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time.min))


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
            term = data["q"].strip()
            if term:
                # An exact account name or request id uses the indexes; anything else is a
                # substring search over account names and paths (a scan, fine for occasional use).
                exact = qs.filter(actor_username=term) | qs.filter(request_id=term)
                if exact.exists():
                    qs = exact
                else:
                    qs = qs.filter(actor_username__icontains=term) | qs.filter(path__icontains=term)
            if data["action"]:
                qs = qs.filter(action=data["action"])
            # Whole local days as a created_at range (indexable, unlike created_at__date).
            if data["start"]:
                qs = qs.filter(created_at__gte=_day_start(data["start"]))
            if data["end"]:
                qs = qs.filter(created_at__lt=_day_start(data["end"] + timedelta(days=1)))
        return qs.order_by("-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        for event in context["events"]:
            event.role_label = audit_role_label(event.actor_role)
            event.object_label = audit_object_label(event)
            event.detail_text = audit_detail_text(event)
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
