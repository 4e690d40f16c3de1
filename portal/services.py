"""Write operations of the portal app. Each is keyword-only and atomic; side effects go on_commit."""

import hashlib
import json
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import roles
from portal.enums import AuditAction, AuditOutcome, Role
from portal.middleware import client_ip, current_request
from portal.models import AuditEvent, Campaign, RoleAssignment, TransitionLog, Unit, User

# A constant key for pg_advisory_xact_lock: serialises audit inserts so the hash chain is linear.
_AUDIT_CHAIN_LOCK = 7_310_221


def _audit_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + "|" + body).encode("utf-8")).hexdigest()


def audit_payload(event: AuditEvent) -> dict[str, Any]:
    """The fields covered by the hash chain (shared with audit_verify)."""
    return {
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_role": event.actor_role,
        "ip": event.ip,
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "path": event.path,
        "request_id": event.request_id,
        "detail": event.detail,
    }


# actor_role of rows without a signed-in actor with a role (never empty, so an auditor can tell
# "not signed in" from "a background job" from "signed in without any role").
AUDIT_ROLE_ANONYMOUS = "anonymous"  # a request without a signed-in user (failed login, lockout …)
AUDIT_ROLE_SYSTEM = "system"  # no request and no actor (management commands, Celery)
AUDIT_ROLE_NONE = "none"  # a signed-in account that holds no role
AUDIT_ROLE_SUPERUSER = "superuser"  # a superuser that holds no role
# Events about the actor's own account: that account is their object when no other is given.
_OWN_ACCOUNT_ACTIONS = frozenset({AuditAction.LOGIN, AuditAction.LOGOUT, AuditAction.PASSWORD_CHANGE,
                                  AuditAction.OTP})


def _printable(text: str) -> str:
    """`text` without control characters (CR, LF, NUL …): an attacker-typed username cannot
    smuggle line breaks into anything that later prints audit rows line by line."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _audit_role(actor, request) -> str:
    if actor is not None:
        return roles.primary_role(actor) or (AUDIT_ROLE_SUPERUSER if actor.is_superuser else AUDIT_ROLE_NONE)
    return AUDIT_ROLE_ANONYMOUS if request is not None else AUDIT_ROLE_SYSTEM


def audit_record(
    *,
    action: str,
    outcome: str = AuditOutcome.SUCCESS,
    actor: User | None = None,
    username: str = "",
    obj: Any = None,
    detail: dict | None = None,
    request=None,
) -> AuditEvent:
    """Append one security event, chained to the previous one.

    Runs inside the caller's transaction when there is one, so a failed audit insert rolls back
    the business change it describes. Request data (IP, path, request id) is taken from the
    current request when not given; the actor defaults to the request's signed-in user.

    Every row gets a role: the actor's primary role, or AUDIT_ROLE_ANONYMOUS / _SYSTEM / _NONE /
    _SUPERUSER (see above). For sign-in, sign-out, second-factor and password-change events the
    object defaults to the actor's own account. `username` (used when there is no actor) is
    stored without control characters.
    """
    request = request or current_request()
    request_user = getattr(request, "user", None) if request is not None else None
    if actor is None and request_user is not None and request_user.is_authenticated:
        actor = request_user
    if obj is None and actor is not None and action in _OWN_ACCOUNT_ACTIONS:
        obj = actor
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_CHAIN_LOCK])
        prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        event = AuditEvent(
            created_at=timezone.now(),
            actor_id=actor.pk if actor else None,
            actor_username=(actor.get_username() if actor else _printable(username))[:150],
            actor_role=_audit_role(actor, request),
            ip=client_ip(request) if request is not None else None,
            action=action,
            outcome=outcome,
            object_type=obj._meta.label if obj is not None and hasattr(obj, "_meta") else "",
            object_id=str(obj.pk) if obj is not None and hasattr(obj, "pk") else "",
            path=(request.path[:500] if request is not None else ""),
            request_id=getattr(request, "request_id", "") if request is not None else "",
            detail=detail or {},
            prev_hash=prev,
        )
        event.hash = _audit_hash(prev, audit_payload(event))
        event.save(force_insert=True)
    return event


def audit_denied(request, **detail) -> None:
    """Record a refused access (permission or scope)."""
    audit_record(action=AuditAction.ACCESS_DENIED, outcome=AuditOutcome.DENIED, request=request, detail=detail)


def audit_verify() -> list[int]:
    """Ids of audit rows whose hash does not match their content or predecessor (empty = intact)."""
    broken: list[int] = []
    prev = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev or event.hash != _audit_hash(prev, audit_payload(event)):
            broken.append(event.id)
        prev = event.hash
    return broken


@transaction.atomic
def transition_log_create(
    *, case, action: str, from_status: str, to_status: str, actor: User | None, reason: str = "",
    data: dict | None = None,
) -> TransitionLog:
    """Write the workflow history row for one status change. Called only by transition services."""
    request = current_request()
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(type(case)),
        object_id=case.pk,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        actor_role=(roles.primary_role(actor) or "") if actor else "",
        reason=reason,
        data=data or {},
        ip=client_ip(request) if request is not None else None,
    )


@transaction.atomic
def role_grant(*, user: User, role: str, granted_by: User | None, unit: Unit | None = None, channel=None
               ) -> RoleAssignment:
    """Give `user` a role with its scope. Nobody grants a role to themselves (also a DB constraint)."""
    if granted_by is not None and granted_by.pk == user.pk:
        raise PermissionDenied(_("不能给自己授予角色。"))
    assignment = RoleAssignment(user=user, role=role, unit=unit, channel=channel, granted_by=granted_by)
    assignment.full_clean()
    assignment.save()
    roles.forget(user)
    audit_record(
        action=AuditAction.ROLE_GRANT, actor=granted_by, obj=assignment,
        detail={"user": user.username, "role": role, "unit": unit and unit.pk, "channel": channel and channel.pk},
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, revoked_by: User | None) -> None:
    if revoked_by is not None and revoked_by.pk == assignment.user_id:
        raise PermissionDenied(_("不能撤销自己的角色。"))
    audit_record(
        action=AuditAction.ROLE_REVOKE, actor=revoked_by, obj=assignment,
        detail={"user": assignment.user.username, "role": assignment.role},
    )
    assignment.delete()
    roles.forget(assignment.user)


@transaction.atomic
def unit_save(*, unit: Unit, actor: User) -> Unit:
    """Create or update a unit after full validation."""
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def campaign_save(*, campaign: Campaign, actor: User) -> Campaign:
    """Create or update a campaign after full validation (deadline order, quota bounds)."""
    try:
        campaign.full_clean()
    except ValidationError:
        raise
    campaign.save()
    audit_record(action=AuditAction.CONFIG, actor=actor, obj=campaign, detail={"year": campaign.year})
    return campaign


def ensure_role(user: User, role: str) -> None:
    if role not in Role.values:
        raise ValueError(role)
