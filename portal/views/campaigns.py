from django.contrib import messages
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DeleteView, ListView, UpdateView

from portal.access import PortalPermissionMixin
from portal.forms import CalendarOverrideForm, CampaignForm
from portal.models import CalendarOverride
from portal.selectors import campaigns_visible_to
from portal.services import campaign_save
from portal.workdays import package_covers


class CampaignListView(PortalPermissionMixin, ListView):
    permission_required = "portal.view_campaign"
    template_name = "portal/campaign_list.html"
    context_object_name = "campaigns"

    def get_queryset(self):
        return campaigns_visible_to(self.request.user)


class CampaignFormMixin(PortalPermissionMixin, SuccessMessageMixin):
    permission_required = "portal.manage_campaign"
    form_class = CampaignForm
    template_name = "components/form_page.html"
    success_url = reverse_lazy("portal:campaign-list")
    success_message = _("年度申报通知已保存。")

    def get_queryset(self):
        return campaigns_visible_to(self.request.user)

    def form_valid(self, form):
        self.object = campaign_save(campaign=form.instance, actor=self.request.user)
        if not package_covers(self.object.year):
            messages.warning(
                self.request,
                _("节假日数据包尚未收录%(year)s年的安排，请在“节假日调整”中录入，以便公示期按工作日计算。")
                % {"year": self.object.year},
            )
        messages.success(self.request, self.success_message)
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(self.get_success_url())


class CampaignCreateView(CampaignFormMixin, CreateView):
    extra_context = {"page_title": _("新建年度申报通知"), "cancel_url": reverse_lazy("portal:campaign-list")}


class CampaignUpdateView(CampaignFormMixin, UpdateView):
    extra_context = {"page_title": _("编辑年度申报通知"), "cancel_url": reverse_lazy("portal:campaign-list")}


class CalendarOverrideListView(PortalPermissionMixin, SuccessMessageMixin, CreateView):
    """List of overrides with an add form on the same page."""

    permission_required = "portal.manage_calendar"
    template_name = "portal/calendar_list.html"
    form_class = CalendarOverrideForm
    success_url = reverse_lazy("portal:calendar")
    success_message = _("已保存。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overrides"] = CalendarOverride.objects.all()
        return context


class CalendarOverrideDeleteView(PortalPermissionMixin, DeleteView):
    permission_required = "portal.manage_calendar"
    template_name = "portal/confirm_delete.html"
    success_url = reverse_lazy("portal:calendar")

    def get_queryset(self):
        return CalendarOverride.objects.all()
