from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.audit_tools import MIN_RETENTION_DAYS, purge


class Command(BaseCommand):
    help = (f"Delete audit rows older than --days (default PORTAL_AUDIT_RETENTION_DAYS); refuses fewer than "
            f"{MIN_RETENTION_DAYS} days (网络安全法: logs kept at least six months).")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.PORTAL_AUDIT_RETENTION_DAYS if days is None else days
        try:
            count = purge(days=days, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{verb} {count} audit rows older than {days} days"))
