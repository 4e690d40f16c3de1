"""Transitions declared as data, and the one door every status change goes through.

An app declares its workflow as a `Workflow` of `Transition`s (see studios/workflow.py). Buttons
come from `available_actions(case, user)`; the app's `<case>_transition` service calls
`apply_transition`, which locks the row, checks source state and permission, runs the app's
guard (deadline, quota …), sets the status, and writes the TransitionLog row (workflow history,
with the reason) and one WORKFLOW AuditEvent (security trail: actor, role, IP, request id), all in
one transaction. Nothing else assigns `status`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: str
    label: str
    requires_reason: bool = False
    notifies: bool = True
    style: str = "primary"  # Bootstrap button style
    confirm: str = ""

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))


@dataclass
class Workflow:
    name: str
    transitions: list[Transition] = field(default_factory=list)

    def __post_init__(self):
        names = [t.action for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate action in workflow {self.name}")
        self._by_action = {t.action: t for t in self.transitions}

    def get(self, action: str) -> Transition:
        try:
            return self._by_action[action]
        except KeyError:
            raise ValidationError(_("未知的操作。")) from None

    def from_status(self, status: str) -> list[Transition]:
        return [t for t in self.transitions if status in t.sources]

    def statuses(self) -> set[str]:
        found: set[str] = set()
        for t in self.transitions:
            found |= t.sources | {t.target}
        return found

    def available_actions(self, case, user) -> list[Transition]:
        """Transitions the user may take on the case now (state and permission; guards are
        checked when the action is taken)."""
        return [t for t in self.from_status(case.status) if user.has_perm(t.permission, case)]


class TransitionError(ValidationError):
    """A transition refused for a reason the user can act on (shown as a message)."""


def apply_transition(
    *,
    workflow: Workflow,
    model,
    pk: int,
    action: str,
    actor,
    reason: str = "",
    guard: Callable | None = None,
    apply: Callable | None = None,
    data: dict | None = None,
):
    """Run one transition atomically and return the updated case.

    `guard(case, transition)` raises TransitionError to refuse (deadline passed, quota full …);
    `apply(case, transition)` sets extra fields (rank, opinion …) before the save. The row is
    locked with SELECT … FOR UPDATE, so two officers acting at once are serialised.

    Side effects, in the same transaction (a failure of either rolls the status change back):
    one TransitionLog row, and exactly one AuditEvent (action WORKFLOW, outcome success, object
    the case, detail {workflow, action, label, from, to, transition_log}; the free-text reason
    stays in the TransitionLog only). Refused transitions write neither.
    """
    from portal.enums import AuditAction
    from portal.services import audit_record, transition_log_create

    transition = workflow.get(action)
    with transaction.atomic():
        case = model.objects.select_for_update().get(pk=pk)
        if case.status not in transition.sources:
            raise TransitionError(
                _("当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": case.get_status_display(), "action": transition.label},
                code="wrong_state",
            )
        if not actor.has_perm(transition.permission, case):
            raise PermissionDenied
        if transition.requires_reason and not (reason or "").strip():
            raise TransitionError(_("请填写理由。"), code="reason_required")
        if guard is not None:
            guard(case, transition)
        from_status = case.status
        case.status = transition.target
        if apply is not None:
            apply(case, transition)
        case.save()
        log = transition_log_create(
            case=case, action=action, from_status=from_status, to_status=transition.target,
            actor=actor, reason=reason, data=data,
        )
        audit_record(
            action=AuditAction.WORKFLOW, actor=actor, obj=case,
            detail={"workflow": workflow.name, "action": action, "label": str(transition.label),
                    "from": str(from_status), "to": str(transition.target), "transition_log": log.pk},
        )
    return case


def workflow_table(workflow: Workflow) -> Iterable[tuple[str, str, str]]:
    """(source, action, target) triples, for docs and exhaustive tests."""
    for t in workflow.transitions:
        for source in sorted(t.sources):
            yield source, t.action, t.target
