import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.demo import ACCOUNTS, DEMO_PASSWORD, seed_portal
from portal.reference import sync_reference_items


class Command(BaseCommand):
    help = "Load realistic demo data and one demo account per role (idempotent)."

    def handle(self, *args, **options):
        sync_reference_items()
        context = seed_portal()
        for app in ("studios", "reviews"):
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(context)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Password for every account: {DEMO_PASSWORD}"))
        for username, full_name, role, scope in ACCOUNTS:
            self.stdout.write(f"  {username:<18} {full_name:<6} {role.label}{' · ' + scope if scope else ''}")
        if not settings.DEBUG:
            self.stdout.write(self.style.WARNING("DEBUG is off: do not load demo accounts into production."))
