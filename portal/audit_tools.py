"""Audit-log maintenance: chain verification that survives retention purges, and the purge.

The chain (portal.services.audit_record) links each row to its predecessor's hash. A purge
deletes the oldest rows, so the first kept row's `prev_hash` points at a deleted row: the purge
writes a CONFIG row naming that hash as the new anchor, and `verify_chain` accepts a first row
only when such a purge row (itself inside the chain) vouches for its prev_hash. Deleting old
rows any other way is therefore detected.
"""

from datetime import timedelta

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from portal.enums import AuditAction
from portal.models import AuditEvent
from portal.services import _AUDIT_CHAIN_LOCK, _audit_hash, audit_payload, audit_record

APPEND_ONLY_TRIGGER = "portal.AuditEvent:auditevent_append_only"
# 网络安全法 Art. 21(3): network logs are kept at least six months.
MIN_RETENTION_DAYS = 180


def _anchor_for(first: AuditEvent) -> str:
    if not first.prev_hash:
        return ""
    vouched = AuditEvent.objects.filter(
        action=AuditAction.CONFIG, detail__op="audit_purge", detail__anchor=first.prev_hash,
        detail__first_kept_id=first.id,
    ).exists()
    return first.prev_hash if vouched else ""


def verify_chain() -> list[int]:
    """Ids of rows whose hash does not match their content or predecessor (empty = intact)."""
    first = AuditEvent.objects.order_by("id").first()
    if first is None:
        return []
    prev = _anchor_for(first)
    broken: list[int] = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev or event.hash != _audit_hash(prev, audit_payload(event)):
            broken.append(event.id)
        prev = event.hash
    return broken


def purge(*, days: int, dry_run: bool = False) -> int:
    """Delete audit rows older than `days` (a contiguous prefix of the chain); returns the count."""
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"refusing to keep less than {MIN_RETENTION_DAYS} days of audit log (asked {days})")
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_CHAIN_LOCK])
        old = AuditEvent.objects.filter(created_at__lt=cutoff)
        first_young = AuditEvent.objects.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True)
        first_young = first_young.first()
        if first_young is not None:
            old = old.filter(id__lt=first_young)
        count = old.count()
        if dry_run or count == 0:
            return count
        with pgtrigger.ignore(APPEND_ONLY_TRIGGER):
            old.delete()
        first = AuditEvent.objects.order_by("id").first()
        audit_record(action=AuditAction.CONFIG, detail={
            "op": "audit_purge", "days": days, "cutoff": cutoff.isoformat(), "deleted": count,
            "anchor": first.prev_hash if first else "", "first_kept_id": first.id if first else None,
        })
    return count
