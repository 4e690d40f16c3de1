"""Scheduled jobs (Celery beat). Each calls the same management command an operator would run,
so the job and the manual path cannot drift apart; each is idempotent."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def disable_stale_accounts() -> None:
    """Nightly: deactivate accounts unused for longer than the policy allows (等保 8.1.4.2)."""
    call_command("disable_stale_accounts")


@shared_task
def audit_purge() -> None:
    """Weekly: drop security events past the retention period (never younger than 180 days)."""
    call_command("audit_purge")


@shared_task
def anonymise_expired() -> None:
    """Nightly: anonymise rejected/withdrawn applications and stale drafts past their retention
    period (PORTAL_APPLICATION_RETENTION_DAYS; PIPL Art. 47)."""
    call_command("anonymise_expired")


@shared_task
def verify_integrity() -> None:
    """Weekly: re-check every evidence file digest and snapshot seal; a mismatch writes an
    INTEGRITY audit row and fails the task (security.md #21)."""
    call_command("verify_integrity")
