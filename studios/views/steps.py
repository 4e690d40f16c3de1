"""The Annex 1 steps: GET shows a step, POST saves it (valid fields saved, invalid ones reported
next to the field), the autosave endpoint saves the same data and answers with a status
fragment, and the row endpoint adds an empty row to a repeating table."""

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from portal.access import PortalPermissionMixin
from studios import flow
from studios.enums import EvidenceSlot
from studios.forms import (
    AttachmentUploadForm,
    AwardFormSet,
    MemberFormSet,
    SubmitNoticeForm,
    formset_initial,
    formset_rows,
)
from studios.models import Application
from studios.notice import PRIVACY_NOTICE_SECTIONS, PRIVACY_NOTICE_TITLE, PRIVACY_NOTICE_VERSION
from studios.selectors import applications_visible_to, latest_return_reasons
from studios.services import (
    StaleDraftError,
    application_problems,
    application_rows_save,
    application_save,
)

FORMSETS = {"members": MemberFormSet, "awards": AwardFormSet}


class ApplicationObjectMixin(PortalPermissionMixin):
    """Views over one application, scoped by the selector (out of scope = 404)."""

    context_object_name = "application"

    def get_queryset(self):
        return applications_visible_to(self.request.user)


def build_forms(step: flow.Step, application, data=None):
    form = step.form_class(data, application=application) if step.form_class else None
    formset = None
    if step.formset:
        formset_class = FORMSETS[step.formset]
        if data is None:
            formset = formset_class(prefix=step.formset, initial=formset_initial(application, step.formset))
        else:
            formset = formset_class(data, prefix=step.formset)
    return form, formset


class StepResult:
    def __init__(self):
        self.saved = False
        self.stale = ""
        self.error = ""
        self.application = None
        self.row_ids: list = []


CHAINS_KEY = "studios_edit_chains"


def effective_lock(session, application, token: str, lock_version: int) -> int:
    """The lock version to save with. A page's own earlier saves (its autosaves) moved the draft
    from `start` to `last`; if nobody else saved since (the draft is still at `last`) and the page
    sent a version within that chain, the page is current. Anything else stays stale."""
    chain = (session.get(CHAINS_KEY) or {}).get(f"{application.pk}:{token}") if token else None
    if chain and chain["start"] <= lock_version <= chain["last"] == application.lock_version:
        return chain["last"]
    return lock_version


def record_save(session, application, token: str, before: int, after: int) -> None:
    if not token:
        return
    chains = dict(session.get(CHAINS_KEY) or {})
    key = f"{application.pk}:{token}"
    chain = chains.get(key)
    chains[key] = ({"start": chain["start"], "last": after} if chain and chain["last"] == before
                   else {"start": before, "last": after})
    session[CHAINS_KEY] = dict(list(chains.items())[-30:])


def save_step(*, step: flow.Step, application, data, actor, session=None) -> tuple[StepResult, object, object]:
    """Save what is valid of one step's POST. Returns (result, form, formset) with the form
    still bound to the user's input (so nothing typed is lost) and its errors."""
    session = session if session is not None else {}
    result = StepResult()
    form, formset = build_forms(step, application, data)
    form.is_valid()
    if formset is not None:
        formset.is_valid()
    if "lock_version" in form.errors:
        result.stale = _("页面已过期，请刷新后再编辑。")
        return result, form, formset
    token = form.cleaned_data.get("edit_token") or ""
    lock_version = effective_lock(session, application, token, form.cleaned_data["lock_version"])
    values = form.valid_values()
    try:
        with transaction.atomic():
            try:
                saved = application_save(application=application, lock_version=lock_version, fields=values,
                                         actor=actor)
            except StaleDraftError:
                raise
            except ValidationError as exc:
                if not hasattr(exc, "error_dict"):
                    raise
                for name, errors in exc.message_dict.items():
                    if name in form.fields:
                        for message in errors:
                            form.add_error(name, message)
                    values.pop(name, None)
                saved = application_save(application=application, lock_version=lock_version, fields=values,
                                         actor=actor)
            if formset is not None:
                result.row_ids = application_rows_save(application=saved, relation=step.formset,
                                                       rows=formset_rows(formset))
    except StaleDraftError as exc:
        result.stale = exc.messages[0]
        return result, form, formset
    except ValidationError as exc:
        result.error = exc.messages[0]
        return result, form, formset
    result.saved = True
    result.application = saved
    record_save(session, application, token, lock_version, saved.lock_version)
    # Keep the user's input bound, with the new lock version and the rows' new ids.
    data = data.copy()
    data["lock_version"] = str(saved.lock_version)
    if formset is not None:
        for index, row_id in enumerate(result.row_ids):
            data[f"{step.formset}-{index}-id"] = "" if row_id is None else str(row_id)
    errors = {name: list(errs) for name, errs in form.errors.items()}
    form, formset = build_forms(step, saved, data)
    form.is_valid()
    for name, messages_ in errors.items():
        if name in form.fields and name not in form.errors:
            for message in messages_:
                form.add_error(name, message)
    if formset is not None:
        formset.is_valid()
    return result, form, formset


def has_errors(form, formset) -> bool:
    return bool(form.errors) or (formset is not None and (any(f.errors for f in formset.forms)
                                                          or formset.non_form_errors()))


class StepMixin(ApplicationObjectMixin):
    permission_required = "studios.change_application"

    def get_step(self):
        step = flow.get_step(self.object, self.kwargs["step"])
        if step is None:
            raise Http404
        return step


def problem_label(field_name: str) -> str:
    """The form label of a field named in application_problems ("" for section-wide problems), so
    the review step says which box is missing, not only that one is."""
    try:
        return str(Application._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:
        return ""


class ApplicationStepView(StepMixin, DetailView):
    """One step of Annex 1 (GET shows it, POST saves it)."""

    def get_template_names(self):
        return [f"studios/step_{self.step.key}.html"]

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.step = self.get_step()
        if self.step.key in {"evidence", "review"}:
            return self.render_step()
        form, formset = build_forms(self.step, self.object)
        return self.render_step(form=form, formset=formset)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.step = self.get_step()
        if not self.step.is_editing:
            raise Http404
        result, form, formset = save_step(step=self.step, application=self.object, data=request.POST,
                                          actor=request.user, session=request.session)
        if result.saved:
            self.object = result.application
        if result.saved and not has_errors(form, formset):
            messages.success(request, _("已保存。"))
            _prev, nxt = flow.neighbours(self.object, self.step.key)
            target = nxt.key if ("next" in request.POST and nxt is not None) else self.step.key
            return HttpResponseRedirect(reverse("studios:application-step",
                                                kwargs={"pk": self.object.pk, "step": target}))
        if result.saved:
            notice = _("其他内容已保存；标红的内容有误，未保存，请修改后再保存。")
        else:
            notice = result.stale or result.error
        return self.render_step(form=form, formset=formset, notice=notice, stale=bool(result.stale))

    def render_step(self, **extra):
        application = self.object
        problems = application_problems(application)
        returned = latest_return_reasons(application)
        steps = [
            {"step": s, "complete": s.is_complete(application, problems), "returned": s.key in returned,
             "current": s.key == self.step.key}
            for s in flow.steps_for(application)
        ]
        prev, nxt = flow.neighbours(application, self.step.key)
        context = {
            "application": application, "step": self.step, "steps": steps, "prev_step": prev, "next_step": nxt,
            "return_reason": returned.get(self.step.key, ""), "problems": problems,
            "section_problems": problems.get(self.step.key, {}), **extra,
        }
        if self.step.key == "evidence":
            context["slots"] = slot_cards(application, self.request.user, extra.get("slot_errors"))
        if self.step.key == "review":
            context["problem_sections"] = [
                {"step": flow.get_step(application, key),
                 "items": [(problem_label(name), message) for name, messages in fields.items()
                           for message in messages]}
                for key, fields in problems.items() if flow.get_step(application, key) is not None
            ]
            from studios.services import filing_deadline
            context["deadline"] = filing_deadline(application)
            context["filing_open"] = timezone.now() <= context["deadline"]
            context["notice_form"] = extra.get("notice_form") or SubmitNoticeForm()
            context["privacy_notice"] = {"title": PRIVACY_NOTICE_TITLE, "sections": PRIVACY_NOTICE_SECTIONS,
                                         "version": PRIVACY_NOTICE_VERSION}
        return render(self.request, self.get_template_names()[0], context)


def render_review(request, application, *, notice_form, status: int = 200):
    """The submit step again, with the privacy notice form's errors next to its checkbox (used by
    the submit view when the box was not ticked; the form holds nothing else to lose)."""
    view = ApplicationStepView()
    view.setup(request, pk=application.pk, step="review")
    view.object = application
    view.step = view.get_step()
    response = view.render_step(notice_form=notice_form)
    response.status_code = status
    return response


def slot_cards(application, user, errors: dict | None = None) -> list[dict]:
    errors = errors or {}
    attachments = list(application.attachments.all())
    return [
        {"slot": value, "label": label, "files": [a for a in attachments if a.slot == value],
         "error": errors.get(value, ""), "form": AttachmentUploadForm(initial={"slot": value}),
         "application": application}
        for value, label in EvidenceSlot.choices
    ]


class ApplicationAutosaveView(StepMixin, DetailView):
    """POST target of the step form's htmx autosave: saves like the step and returns a small
    status fragment (plus out-of-band updates of the lock version and new row ids)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        step = self.get_step()
        if not step.is_editing:
            raise Http404
        result, form, formset = save_step(step=step, application=self.object, data=request.POST,
                                          actor=request.user, session=request.session)
        invalid = []
        if result.saved:
            for name, errs in form.errors.items():
                if name in form.fields:
                    invalid.append(f"{form.fields[name].label}：{errs[0]}")
            if formset is not None:
                for index, row in enumerate(formset.forms, start=1):
                    for name, errs in row.errors.items():
                        invalid.append(_("第%(n)d行%(field)s：%(msg)s") % {
                            "n": index, "field": row.fields[name].label if name in row.fields else "",
                            "msg": errs[0]})
        context = {
            "result": result, "invalid": invalid, "time": timezone.localtime(),
            "lock_version": result.application.lock_version if result.saved else None,
            "row_ids": list(enumerate(result.row_ids)) if result.saved else [], "prefix": step.formset,
        }
        return render(request, "studios/partials.html#autosave-status", context)


class ApplicationRowAddView(StepMixin, DetailView):
    """htmx: an empty row for a repeating table, and the formset's new TOTAL_FORMS."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        relation = self.kwargs["relation"]
        if relation not in FORMSETS:
            raise Http404
        try:
            index = max(0, min(int(request.GET.get(f"{relation}-TOTAL_FORMS", "0")), 500))
        except ValueError:
            index = 0
        formset = FORMSETS[relation](prefix=relation)
        row = formset.form(prefix=formset.add_prefix(index), empty_permitted=True, use_required_attribute=False)
        return render(request, "studios/partials.html#new-row", {
            "row": row, "relation": relation, "total": index + 1, "application": self.object,
        })
