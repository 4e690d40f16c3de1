"""Authentication events are security events: record them in the audit log.

These receivers only log; they make no business changes.

A failed sign-in or a lockout names the account that was tried. When that account exists it is
the event's object and its username is recorded as typed. When it does not, the attempted name
is stored masked (first two characters + "***", control characters replaced): users sometimes
type their password into the username box, and the audit log must not keep it (security.md #19).
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.enums import AuditAction, AuditOutcome


def mask_attempted_username(name: str) -> str:
    """How an attempted username that matches no account is stored: "ab***" (or "***")."""
    visible = "".join(ch for ch in name[:2] if ch.isprintable())
    return f"{visible}***" if len(name) > 2 else "***"


def _tried_account(username: str):
    """(account or None, username to record) for a sign-in attempt naming `username`."""
    from portal.models import User

    account = User.objects.filter(**{User.USERNAME_FIELD: username}).first() if username else None
    return account, (account.get_username() if account is not None else mask_attempted_username(username))


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from portal.services import audit_record

    audit_record(action=AuditAction.LOGIN, actor=user, obj=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    from portal.services import audit_record

    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, obj=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from portal.services import audit_record

    account, username = _tried_account(str(credentials.get("username", ""))[:150])
    audit_record(action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE, username=username, obj=account,
                 request=request)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, **kwargs):
    from portal.services import audit_record

    account, username = _tried_account(str(username or "")[:150])
    audit_record(action=AuditAction.LOCKOUT, outcome=AuditOutcome.DENIED, username=username, obj=account,
                 request=request)
