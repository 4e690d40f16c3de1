"""Authentication events are security events: record them in the audit log.

These receivers only log; they make no business changes.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.enums import AuditAction, AuditOutcome


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from portal.services import audit_record

    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    from portal.services import audit_record

    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from portal.services import audit_record

    username = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.FAILURE, username=username,
                 request=request)


@receiver(user_locked_out)
def _locked_out(sender, request, username=None, **kwargs):
    from portal.services import audit_record

    audit_record(action=AuditAction.LOCKOUT, outcome=AuditOutcome.DENIED, username=str(username or "")[:150],
                 request=request)
