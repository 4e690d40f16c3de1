"""Channel pre-review pages: the officer's queue, the review page of one application with its
actions, and the 推荐汇总表 export.

Scoping: the review page and the actions take their queryset from
`reviews.selectors.reviewable_applications`, so a case of another channel is a 404; the action
itself is checked on the case by the transition (state, permission, deadline, quota).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, TemplateView

from portal.access import PortalPermissionMixin
from portal.enums import AuditAction
from portal.security import RecentAuthRequiredMixin
from portal.selectors import current_campaign, transitions_for
from portal.services import audit_record
from portal.workflow import TransitionError
from reviews import selectors, services
from reviews.display import annex_sections, describe_diff
from reviews.forms import ACTION_FORMS, RecommendForm
from reviews.resources import RecommendationResource
from studios.enums import STATUS_EXPLANATIONS, ApplicationStatus
from studios.sections import SECTION_LABELS
from studios.services import snapshot_diff
from studios.workflow import APPLICATION_WORKFLOW

CHANNEL_ACTIONS = ("return", "reject", "recommend", "unrecommend")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReviewQueueView(PortalPermissionMixin, TemplateView):
    """待初审 / 已退回 / 已推荐 / 未通过 of the channels the officer pre-reviews, this campaign."""

    permission_required = "reviews.view_queue"
    template_name = "reviews/application_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        campaign = current_campaign()
        tab = self.request.GET.get("tab", "pending")
        if tab not in selectors.TAB_KEYS:
            tab = "pending"
        context.update(campaign=campaign, tab=tab)
        if campaign is None:
            return context
        counts = selectors.queue_tab_counts(user, campaign)
        context.update(
            tabs=[{"key": key, "label": label, "count": counts[key]} for key, label, _s in selectors.QUEUE_TABS],
            applications=list(selectors.review_queue(user, campaign, tab)),
            quotas=selectors.quota_states(user, campaign),
            review_open=selectors.channel_review_open(campaign),
        )
        return context


class ApplicationReviewView(PortalPermissionMixin, DetailView):
    """One application as its reviewer sees it: the Annex 1 read-only, what changed since the
    previous version, the history, and the actions still open."""

    permission_required = "reviews.review_application"
    template_name = "reviews/application_review.html"
    context_object_name = "application"

    def get_queryset(self):
        return selectors.reviewable_applications(self.request.user).prefetch_related(
            "members", "awards", "attachments"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(review_context(self.request, self.object, bound=kwargs.get("bound_forms")))
        return context


def review_context(request, application, bound: dict | None = None) -> dict:
    user = request.user
    campaign = application.campaign
    history = list(transitions_for(application))
    last_return = next((t for t in reversed(history) if t.action == "return"), None)
    return_reasons = (last_return.data or {}).get("sections", {}) if last_return else {}

    changes = describe_diff(snapshot_diff(application)) if application.version >= 2 else []
    changed = {c.name for c in changes}

    review_open = selectors.channel_review_open(campaign)
    # After the channel deadline no button is offered (the page says why); the services refuse too.
    actions = [t for t in APPLICATION_WORKFLOW.available_actions(application, user)
               if t.action in CHANNEL_ACTIONS] if review_open else []

    free_ranks = selectors.free_ranks(campaign=campaign, channel=application.channel)
    quota = next((q for q in selectors.quota_states(user, campaign) if q.channel.pk == application.channel_id), None)
    forms = {}
    for transition in actions:
        form_class = ACTION_FORMS[transition.action]
        form = (bound or {}).get(transition.action)
        if form is None:
            form = form_class(free_ranks=free_ranks) if form_class is RecommendForm else form_class()
        forms[transition.action] = form
    return {
        "campaign": campaign,
        "sections": annex_sections(application, changed=changed, return_reasons=return_reasons),
        "members": list(application.members.all()),
        "awards": list(application.awards.all()),
        "attachments": list(application.attachments.all()),
        "changes": changes,
        "history": [_history_row(t) for t in history],
        "last_return": last_return,
        "actions": [{"transition": t, "form": forms[t.action]} for t in actions],
        "review_open": review_open,
        "quota": quota,
        "free_ranks": free_ranks,
        "status_explanation": _status_note(application),
        "active_action": next(iter(bound)) if bound else "",
    }


def _status_note(application) -> str:
    notes = {
        ApplicationStatus.SUBMITTED: _("请审核申报材料，作出退回修改、初审不通过或推荐的决定。"),
        ApplicationStatus.RETURNED: _("已退回申报单位修改，单位重新提交后回到待初审。"),
        ApplicationStatus.CHANNEL_REJECTED: _("初审未通过，本年度申报结束。"),
        ApplicationStatus.RECOMMENDED: _("已推荐至市人社局。初审推荐截止前可撤销推荐。"),
        ApplicationStatus.WITHDRAWN: _("申报单位已撤回申报。"),
    }
    return str(notes.get(application.status) or STATUS_EXPLANATIONS.get(application.status, ""))


def _history_row(log) -> dict:
    try:
        label = APPLICATION_WORKFLOW.get(log.action).label
    except ValidationError:
        label = log.action
    statuses = dict(ApplicationStatus.choices)
    return {
        "log": log,
        "label": label,
        "from_label": statuses.get(log.from_status, log.from_status),
        "to_label": statuses.get(log.to_status, log.to_status),
        "sections": [
            (SECTION_LABELS.get(key, key), text) for key, text in ((log.data or {}).get("sections") or {}).items()
        ] if log.action == "return" else None,
        "rank": (log.data or {}).get("rank") if log.action == "recommend" else None,
    }


class ApplicationActionView(RecentAuthRequiredMixin, ApplicationReviewView):
    """POST one pre-review action on one application; on a refusal the review page is shown
    again with the message and the officer's input kept. Decisions demand a password + TOTP
    entry within the last 15 minutes (RecentAuthRequiredMixin, security.md #8)."""

    permission_required = "studios.prereview_application"
    http_method_names = ["post"]
    action = ""

    def post(self, request, *args, **kwargs):
        self.object = application = self.get_object()
        form_class = ACTION_FORMS[self.action]
        if form_class is RecommendForm:
            free = selectors.free_ranks(campaign=application.campaign, channel=application.channel)
            form = form_class(request.POST, free_ranks=free)
        else:
            form = form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(application, form)
            except TransitionError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, self.success_message())
                return redirect(reverse("reviews:application-review", kwargs={"pk": application.pk}))
        else:
            messages.error(request, _("请按提示修改后再提交。"))
        # Re-read: the refusal may come from a change another officer just made.
        self.object = self.get_queryset().get(pk=application.pk)
        context = self.get_context_data(object=self.object, bound_forms={self.action: form})
        return self.render_to_response(context, status=400 if not form.is_valid() else 409)

    def perform(self, application, form):
        raise NotImplementedError

    def success_message(self) -> str:
        raise NotImplementedError


class ApplicationReturnView(ApplicationActionView):
    action = "return"

    def perform(self, application, form):
        services.application_return(application=application, actor=self.request.user, reasons=form.reasons())

    def success_message(self):
        return _("已退回申报单位修改。")


class ApplicationRejectView(ApplicationActionView):
    action = "reject"

    def perform(self, application, form):
        services.application_reject(application=application, actor=self.request.user,
                                    reason=form.cleaned_data["reason"])

    def success_message(self):
        return _("已作出初审不通过决定。")


class ApplicationRecommendView(ApplicationActionView):
    action = "recommend"

    def perform(self, application, form):
        services.application_recommend(application=application, actor=self.request.user,
                                       rank=form.cleaned_data["rank"], opinion=form.cleaned_data["opinion"])

    def success_message(self):
        return _("已推荐至市人社局。")


class ApplicationUnrecommendView(ApplicationActionView):
    action = "unrecommend"

    def perform(self, application, form):
        services.application_unrecommend(application=application, actor=self.request.user,
                                         reason=form.cleaned_data["reason"])

    def success_message(self):
        return _("已撤销推荐，该申报回到待初审。")


class RecommendationExportView(PortalPermissionMixin, View):
    """推荐汇总表 of the officer's channels for the current campaign (xlsx), audited."""

    permission_required = "reviews.export_recommendations"

    def get(self, request):
        campaign = current_campaign()
        if campaign is None:
            messages.error(request, _("本年度通知尚未发布。"))
            return redirect("reviews:queue")
        qs = selectors.recommendations_for_export(request.user, campaign)
        dataset = RecommendationResource().export(qs)
        audit_record(action=AuditAction.EXPORT, request=request,
                     detail={"what": "recommendations", "campaign": campaign.year, "rows": len(dataset)})
        response = HttpResponse(dataset.xlsx, content_type=XLSX)
        filename = f"recommendations-{campaign.year}-{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response
