"""Account administration services (三权分立, 等保 8.1.4.2 / 8.1.5.1–3).

- System administrator: create accounts, deactivate/reactivate them, reset a password to a new
  initial password (the user must change it at next sign-in).
- Security administrator: grant/revoke roles (portal.services.role_grant/role_revoke), unlock
  locked accounts, end sessions, reset a lost second factor.
- Audit administrator: reads the audit log only.

Every operation writes one ACCOUNT audit row; keyword-only, atomic.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import otp
from portal.enums import AuditAction, Role
from portal.models import User
from portal.passwords import generate_initial_password
from portal.services import audit_record

# The three administrator roles are held by three different people.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


def _audit(op: str, *, actor: User | None, user: User, **detail) -> None:
    audit_record(action=AuditAction.ACCOUNT, actor=actor, obj=user, detail={"op": op, "user": user.username, **detail})


@transaction.atomic
def user_create(*, username: str, full_name: str, email: str, actor: User) -> tuple[User, str]:
    """Create an account with a random initial password, returned once for the administrator."""
    password = generate_initial_password()
    user = User(username=username, full_name=full_name, email=email, must_change_password=True)
    user.set_unusable_password()
    user.full_clean()
    user.set_password(password)
    user.save()
    _audit("create", actor=actor, user=user)
    return user, password


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User) -> None:
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能停用自己的账号。"))
    user.is_active = active
    user.save(update_fields=["is_active"])
    ended = 0 if active else sessions_end(user=user, actor=actor, audit=False)
    _audit("activate" if active else "deactivate", actor=actor, user=user, sessions_ended=ended)


@transaction.atomic
def user_reset_password(*, user: User, actor: User) -> str:
    """Set a new random initial password; the user must change it at next sign-in. Sessions end."""
    if user.pk == actor.pk:
        raise PermissionDenied(_("请通过“修改密码”修改自己的密码。"))
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    ended = sessions_end(user=user, actor=actor, audit=False)
    _audit("reset_password", actor=actor, user=user, sessions_ended=ended)
    return password


def user_session_keys(user: User) -> list[str]:
    """Keys of the unexpired database sessions signed in as `user`."""
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.append(session.session_key)
    return keys


@transaction.atomic
def sessions_end(*, user: User, actor: User | None, audit: bool = True) -> int:
    keys = user_session_keys(user)
    Session.objects.filter(session_key__in=keys).delete()
    if audit:
        _audit("end_sessions", actor=actor, user=user, sessions_ended=len(keys))
    return len(keys)


def locked_usernames() -> set[str]:
    """Usernames currently locked by django-axes (failures ≥ limit within the cool-off time)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since)
        .values_list("username", flat=True)
    )


def is_locked(username: str) -> bool:
    return username in locked_usernames()


@transaction.atomic
def account_unlock(*, user: User, actor: User) -> int:
    from axes.utils import reset

    if user.pk == actor.pk:
        raise PermissionDenied(_("不能给自己解锁。"))
    count = reset(username=user.username)
    _audit("unlock", actor=actor, user=user, attempts_cleared=count)
    return count


@transaction.atomic
def otp_reset(*, user: User, actor: User) -> int:
    """Remove a user's TOTP device and backup codes (lost phone); they enrol again at next sign-in."""
    if user.pk == actor.pk:
        raise PermissionDenied(_("不能重置自己的双因素认证。"))
    removed = otp.remove_devices(user)
    ended = sessions_end(user=user, actor=actor, audit=False)
    _audit("otp_reset", actor=actor, user=user, devices_removed=removed, sessions_ended=ended)
    return removed


def stale_accounts(days: int = 90):
    """Active accounts without a sign-in for `days` (or never, created more than `days` ago)."""
    from django.db.models import Q

    cutoff = timezone.now() - timedelta(days=days)
    return User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
