from django.conf import settings
from django.core.management.base import BaseCommand

from portal.accounts import sessions_end, stale_accounts
from portal.enums import AuditAction
from portal.services import audit_record


class Command(BaseCommand):
    help = "Disable accounts without a sign-in for PORTAL_STALE_ACCOUNT_DAYS (等保 8.1.4.2 c); nightly job."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = days or settings.PORTAL_STALE_ACCOUNT_DAYS
        users = list(stale_accounts(days).exclude(is_superuser=True))
        for user in users:
            self.stdout.write(f"  {user.username} (last login {user.last_login or 'never'})")
            if not dry_run:
                user.is_active = False
                user.save(update_fields=["is_active"])
                sessions_end(user=user, actor=None, audit=False)
                audit_record(action=AuditAction.ACCOUNT, obj=user,
                             detail={"op": "disable_stale", "user": user.username, "days": days})
        self.stdout.write(self.style.SUCCESS(f"{'would disable' if dry_run else 'disabled'} {len(users)} accounts"))
