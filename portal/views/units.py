from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction
from portal.forms import ChannelForm, UnitForm
from portal.models import Channel
from portal.resources import UnitResource
from portal.selectors import units_visible_to
from portal.services import audit_record, unit_save


class UnitListView(PortalPermissionMixin, ListView):
    permission_required = "portal.view_units"
    template_name = "portal/unit_list.html"
    context_object_name = "units"
    paginate_by = 50

    def get_queryset(self):
        qs = units_visible_to(self.request.user)
        # NUL cannot reach PostgreSQL (psycopg2 raises: a 500 found by the security.md #26 fuzz).
        q = self.request.GET.get("q", "").replace("\x00", "").strip()
        if q:
            qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q))
        channel = self.request.GET.get("channel")
        if channel and channel.isdigit():
            qs = qs.filter(channel_id=int(channel))
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = Channel.objects.filter(id__in=units_visible_to(self.request.user).values("channel_id"))
        context["q"] = self.request.GET.get("q", "")
        return context


class UnitDetailView(PortalPermissionMixin, DetailView):
    permission_required = "portal.view_unit"
    template_name = "portal/unit_detail.html"
    context_object_name = "unit"

    def get_queryset(self):
        return units_visible_to(self.request.user)


class UnitFormMixin(PortalPermissionMixin, SuccessMessageMixin):
    permission_required = "portal.manage_units"
    form_class = UnitForm
    template_name = "components/form_page.html"
    success_message = _("单位信息已保存。")

    def get_queryset(self):
        return units_visible_to(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        # unit_save is the one write; ModelFormMixin.form_valid would save the row a second time.
        self.object = unit_save(unit=form.instance, actor=self.request.user)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse_lazy("portal:unit-detail", kwargs={"pk": self.object.pk})


class UnitCreateView(UnitFormMixin, CreateView):
    extra_context = {"page_title": _("新增申报单位"), "cancel_url": reverse_lazy("portal:unit-list")}


class UnitUpdateView(UnitFormMixin, UpdateView):
    extra_context = {"page_title": _("编辑申报单位"), "cancel_url": reverse_lazy("portal:unit-list")}


class UnitExportView(PortalPermissionMixin, View):
    """The unit register as an Excel file (django-import-export), audited."""

    permission_required = "portal.export_units"

    def get(self, request):
        qs = units_visible_to(request.user)
        dataset = UnitResource().export(qs)
        audit_record(action=AuditAction.EXPORT, request=request, detail={"what": "units", "rows": len(dataset)})
        response = HttpResponse(
            dataset.xlsx, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"units-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response


class ChannelListView(PortalPermissionMixin, ListView):
    permission_required = "portal.manage_channels"
    template_name = "portal/channel_list.html"
    context_object_name = "channels"

    def get_queryset(self):
        return Channel.objects.all()


class ChannelFormMixin(PortalPermissionMixin, SuccessMessageMixin):
    permission_required = "portal.manage_channels"
    form_class = ChannelForm
    template_name = "components/form_page.html"
    success_url = reverse_lazy("portal:channel-list")
    success_message = _("推荐渠道已保存。")

    def get_queryset(self):
        return Channel.objects.all()


class ChannelCreateView(ChannelFormMixin, CreateView):
    extra_context = {"page_title": _("新增推荐渠道"), "cancel_url": reverse_lazy("portal:channel-list")}


class ChannelUpdateView(ChannelFormMixin, UpdateView):
    extra_context = {"page_title": _("编辑推荐渠道"), "cancel_url": reverse_lazy("portal:channel-list")}
