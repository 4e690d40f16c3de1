"""Anonymise applications past retention (security.md #25; PIPL Art. 47).

Rejected, not selected, removed and withdrawn applications, and drafts never submitted, whose
last change is older than PORTAL_APPLICATION_RETENTION_DAYS (or --days) lose their personal
information: see studios.services.application_anonymise. One RETENTION audit row per run
records the counts and the case numbers. Idempotent; scheduled nightly (portal.tasks).
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.enums import AuditAction
from portal.services import audit_record
from studios.services import application_anonymise, retention_candidates


class Command(BaseCommand):
    help = "Anonymise rejected/withdrawn applications and stale drafts past the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="retention in days (default PORTAL_APPLICATION_RETENTION_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="list the cases, change nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.PORTAL_APPLICATION_RETENTION_DAYS if days is None else days
        if days < 365:
            raise CommandError("retention below 365 days refused (pi_inventory.yaml promises 3 years)")
        candidates = list(retention_candidates(days=days))
        if dry_run:
            for case in candidates:
                self.stdout.write(f"  {case.case_number} {case.status} last change {case.updated_at:%Y-%m-%d}")
            self.stdout.write(f"{len(candidates)} applications past {days} days")
            return
        totals = {"applications": 0, "members": 0, "awards": 0, "attachments": 0, "snapshots": 0,
                  "history_rows": 0}
        cases = []
        try:
            for case in candidates:
                counts = application_anonymise(application=case)
                if counts["applications"]:
                    cases.append(case.case_number)
                for key, value in counts.items():
                    totals[key] += value
        finally:  # each case commits on its own: record what was done even if a later one failed
            audit_record(action=AuditAction.RETENTION,
                         detail={"op": "anonymise_expired", "days": days, **totals, "cases": cases})
        self.stdout.write(self.style.SUCCESS(
            "anonymised " + ", ".join(f"{key} {value}" for key, value in totals.items())))
