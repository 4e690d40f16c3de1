"""Prepare the subset CJK fonts used by portal.pdf (run once at set-up/deploy).

    python manage.py build_pdf_fonts            # idempotent, ~10 ms when done
    python manage.py build_pdf_fonts --force    # rebuild (≈20–30 s on 2 cores)
    python manage.py build_pdf_fonts --check    # exit 1 if missing/out of date

Needs the Debian package fonts-noto-cjk. Output: settings.PDF_FONT_DIR
(default var/fonts/, git-ignored). See docs/pdf.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import fonts


class Command(BaseCommand):
    help = "Build the subset Noto CJK fonts for PDF rendering into PDF_FONT_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
        parser.add_argument(
            "--check", action="store_true",
            help="only verify that the fonts are built and current (exit status 1 if not)",
        )
        parser.add_argument("--dir", help="output directory (default: settings.PDF_FONT_DIR)")

    def handle(self, *args, force=False, check=False, dir=None, **options):
        directory = Path(dir) if dir else fonts.font_dir()
        if check:
            if not fonts.fonts_current(directory):
                raise CommandError(
                    f"PDF fonts missing or out of date in {directory}: run build_pdf_fonts"
                )
            self.stdout.write(f"PDF fonts up to date in {directory}")
            return
        if not fonts.harfbuzz_subset_available():
            self.stderr.write(self.style.WARNING(
                "libharfbuzz-subset0 is not available: WeasyPrint will subset with "
                "fontTools (several seconds per PDF). apt-get install libharfbuzz-subset0"
            ))
        try:
            fonts.build_fonts(directory, force=force, log=self.stdout.write)
        except fonts.FontBuildError as exc:
            raise CommandError(str(exc)) from exc
