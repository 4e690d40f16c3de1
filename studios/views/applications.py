"""The unit's applications: list, start, detail (status in plain Chinese, history, where the case
went), submit and withdraw; and the city officer's deadline extension."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView

from portal import roles
from portal.access import PortalPermissionMixin
from portal.enums import Role
from portal.security import RecentAuthRequiredMixin
from portal.selectors import current_campaign, transitions_for
from portal.workflow import TransitionError
from studios import flow
from studios.enums import (
    EDITABLE_STATUSES,
    STATUS_EXPLANATIONS,
    ApplicationStatus,
    StudioStatus,
)
from studios.forms import ApplicationCreateForm, ExtensionForm, SubmitNoticeForm, WithdrawForm
from studios.models import Application
from studios.sections import SECTION_LABELS
from studios.selectors import applications_visible_to, studios_visible_to
from studios.services import (
    application_create,
    application_extend_deadline,
    application_problems,
    application_submit,
    application_transition,
    filing_deadline,
)
from studios.views.steps import ApplicationObjectMixin, render_review
from studios.workflow import APPLICATION_WORKFLOW

STATUS_BADGES = {
    ApplicationStatus.DRAFT: "secondary",
    ApplicationStatus.SUBMITTED: "primary",
    ApplicationStatus.RETURNED: "warning",
    ApplicationStatus.CHANNEL_REJECTED: "danger",
    ApplicationStatus.RECOMMENDED: "success",
    ApplicationStatus.ACCREDITED: "success",
    ApplicationStatus.WITHDRAWN: "dark",
    ApplicationStatus.NOT_SELECTED: "dark",
    ApplicationStatus.REMOVED_AFTER_OBJECTION: "danger",
}


def status_info(application: Application) -> dict:
    """What the unit reads about a case: badge, what happens next, the deadline, where it went."""
    deadline = filing_deadline(application)
    info = {
        "label": application.get_status_display(),
        "badge": STATUS_BADGES.get(application.status, "info"),
        "explanation": STATUS_EXPLANATIONS.get(application.status, ""),
        "deadline": deadline,
        "filing_open": timezone.now() <= deadline,
        "routed_to": "",
    }
    authority = application.channel.authority
    if application.status == ApplicationStatus.RETURNED:
        info["routed_to"] = _("%(authority)s已退回，修改后请重新提交") % {"authority": authority}
    elif application.status not in {ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN}:
        info["routed_to"] = _("已提交至%(authority)s初审") % {"authority": authority}
    return info


def unit_of(user):
    for assignment in roles.assignments(user):
        if assignment.role == Role.UNIT and assignment.unit is not None:
            return assignment.unit
    return None


class ApplicationListView(PortalPermissionMixin, ListView):
    permission_required = "studios.list_applications"
    template_name = "studios/application_list.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        qs = applications_visible_to(self.request.user).order_by("-campaign__year", "-created_at")
        status = self.request.GET.get("status", "")
        if status in ApplicationStatus.values:
            qs = qs.filter(status=status)
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"application": a, "info": status_info(a)} for a in context["applications"]]
        context["campaign"] = current_campaign()
        context["can_create"] = self.request.user.has_perm("studios.create_application")
        return context


class ApplicationCreateView(PortalPermissionMixin, FormView):
    """Start a draft (new studio, or lead change of one of the unit's studios)."""

    permission_required = "studios.create_application"
    template_name = "studios/application_create.html"
    form_class = ApplicationCreateForm

    def dispatch(self, request, *args, **kwargs):
        self.unit = unit_of(request.user) if request.user.is_authenticated else None
        self.campaign = current_campaign()
        return super().dispatch(request, *args, **kwargs)

    def studios(self):
        return studios_visible_to(self.request.user).filter(
            unit=self.unit, status__in=[StudioStatus.ACTIVE, StudioStatus.LEAD_VACANT])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "studios": self.studios()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(unit=self.unit, campaign=self.campaign, filing_open=self.filing_open())
        return context

    def filing_open(self) -> bool:
        return self.campaign is not None and timezone.now() <= self.campaign.unit_filing_deadline

    def form_valid(self, form):
        if self.unit is None or not self.filing_open():
            messages.error(self.request, _("本年度申报未开放或已截止，不能新建申报。"))
            return HttpResponseRedirect(reverse("studios:application-list"))
        application = application_create(
            unit=self.unit, campaign=self.campaign, actor=self.request.user,
            kind=form.cleaned_data["kind"], studio=form.cleaned_data.get("studio"),
        )
        messages.success(self.request, _("已新建申报（案卷号 %(no)s），请逐步填写，填写内容会自动保存。")
                         % {"no": application.case_number})
        return HttpResponseRedirect(reverse("studios:application-step",
                                            kwargs={"pk": application.pk, "step": "cover"}))


def pdf_url(application) -> str:
    try:
        return reverse("studios:application-pdf", kwargs={"pk": application.pk})
    except NoReverseMatch:
        return ""


class ApplicationDetailView(ApplicationObjectMixin, DetailView):
    permission_required = "studios.view_application"
    template_name = "studios/application_detail.html"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("members", "awards", "attachments")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.object
        user = self.request.user
        history = list(transitions_for(application).order_by("id"))
        for row in history:
            sections = (row.data or {}).get("sections") or {}
            row.section_reasons = [(SECTION_LABELS.get(k, k), v) for k, v in sections.items() if v]
            row.from_label = _status_label(row.from_status)
            row.to_label = _status_label(row.to_status)
        editable = application.status in EDITABLE_STATUSES and user.has_perm("studios.change_application",
                                                                             application)
        context.update(
            info=status_info(application),
            history=history,
            actions=[t for t in APPLICATION_WORKFLOW.available_actions(application, user)
                     if t.action in {"submit", "withdraw"}],
            editable=editable,
            problems=application_problems(application) if editable else {},
            steps=flow.steps_for(application),
            withdraw_form=WithdrawForm(),
            can_extend=user.has_perm("studios.grant_extension", application),
            extension_form=ExtensionForm(),
            pdf_url=pdf_url(application),
            can_reveal=user.has_perm("studios.reveal_lead_id", application),
        )
        return context


def _status_label(value: str) -> str:
    try:
        return ApplicationStatus(value).label
    except ValueError:
        return value


class ApplicationSubmitView(ApplicationObjectMixin, DetailView):
    """Submit (POST). A second submit of the same case shows "已提交", not an error page."""

    permission_required = "studios.submit_application"
    http_method_names = ["post"]

    def handle_no_permission(self):
        application = getattr(self, "_permission_object", None)
        if application is not None and self.request.user.has_perm("studios.view_application", application) \
                and application.unit_id in roles.unit_ids(self.request.user) \
                and application.status not in EDITABLE_STATUSES:
            messages.info(self.request, _("该申报已提交（当前状态：%(s)s），无需重复提交。")
                          % {"s": application.get_status_display()})
            return HttpResponseRedirect(reverse("studios:application-detail", kwargs={"pk": application.pk}))
        return super().handle_no_permission()

    def post(self, request, *args, **kwargs):
        application = self.get_object()
        detail = reverse("studios:application-detail", kwargs={"pk": application.pk})
        notice_form = SubmitNoticeForm(request.POST)
        if not notice_form.is_valid():
            # The privacy notice was not ticked (or the page showed an older text): the submit
            # step again, the error next to the checkbox; nothing is written.
            return render_review(request, application, notice_form=notice_form)
        try:
            application = application_submit(application=application, actor=request.user,
                                             notice_version=notice_form.cleaned_data["notice_version"])
        except TransitionError as exc:
            if exc.code == "wrong_state":
                application.refresh_from_db()
                messages.info(request, _("该申报已提交（当前状态：%(s)s），无需重复提交。")
                              % {"s": application.get_status_display()})
                return HttpResponseRedirect(detail)
            messages.error(request, exc.messages[0])
            if exc.code == "incomplete":
                return HttpResponseRedirect(reverse("studios:application-step",
                                                    kwargs={"pk": application.pk, "step": "review"}))
            return HttpResponseRedirect(detail)
        except PermissionDenied:
            messages.info(request, _("该申报已提交，无需重复提交。"))
            return HttpResponseRedirect(detail)
        messages.success(request, _("申报已提交（第%(v)d版），%(where)s。")
                         % {"v": application.version, "where": status_info(application)["routed_to"]})
        return HttpResponseRedirect(detail)


class ApplicationWithdrawView(ApplicationObjectMixin, DetailView):
    permission_required = "studios.withdraw_application"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_object()
        form = WithdrawForm(request.POST)
        detail = reverse("studios:application-detail", kwargs={"pk": application.pk})
        if not form.is_valid():
            messages.error(request, _("请填写撤回理由。"))
            return HttpResponseRedirect(detail)
        try:
            application_transition(application=application, action="withdraw", actor=request.user,
                                   reason=form.cleaned_data["reason"])
        except TransitionError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("申报已撤回。"))
        return HttpResponseRedirect(detail)


class ApplicationExtendView(ApplicationObjectMixin, RecentAuthRequiredMixin, DetailView):
    """The city officer lets one case be submitted after the filing deadline (reason required).
    A decision, so it needs a password + TOTP entry within the last 15 minutes (security.md #8)."""

    permission_required = "studios.grant_extension"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        application = self.get_object()
        form = ExtensionForm(request.POST)
        if form.is_valid():
            try:
                application_extend_deadline(application=application, until=form.cleaned_data["until"],
                                            reason=form.cleaned_data["reason"], actor=request.user)
            except ValidationError as exc:
                for name, errs in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errs)
            else:
                messages.success(request, _("已准予延期至 %(t)s。")
                                 % {"t": timezone.localtime(form.cleaned_data["until"]).strftime("%Y-%m-%d %H:%M")})
                return HttpResponseRedirect(reverse("studios:application-detail", kwargs={"pk": application.pk}))
        messages.error(request, _("延期未保存：") + "；".join(
            e for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(reverse("studios:application-detail", kwargs={"pk": application.pk}))

