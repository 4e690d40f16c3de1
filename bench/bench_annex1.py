"""Benchmark: render a full, realistic Annex 1 (申报表) PDF.

    .venv/bin/python bench/bench_annex1.py [-n 10] [--members 6] [--awards 8] [--repeat 1]

Builds a throwaway database (migrated, removed afterwards; it never touches the configured
database's data), creates one complete application through the services (six members, eight
awards, long texts, rare name characters: three pages or more of grid), renders it once to warm up
(supplement font cut, template and CSS caches), then N times, and prints the median / p95 seconds
of `studios.pdf.annex1_pdf` (context from the database + WeasyPrint) and the PDF size, plus the
median CPU time per render and the load average (wall times on a shared 2-core machine depend on
what else runs). Results go to bench/results/annex1-<timestamp>.json (git-ignored).
Target: median ≤ 0.5 s on 2 cores, PDF < 1 MB.

Needs `manage.py build_pdf_fonts` first (without it render_pdf falls back to the full system fonts,
which is several times slower; the output says which fonts were used).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="timed renders after the warm-up (default 10)")
    parser.add_argument("--members", type=int, default=6)
    parser.add_argument("--awards", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="repeat the long texts this many times")
    parser.add_argument("--out", type=Path, help="JSON path (default bench/results/annex1-<time>.json)")
    args = parser.parse_args()

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    import weasyprint
    from django.conf import settings
    from django.db import connection, transaction
    from pypdf import PdfReader

    from portal import fonts

    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    test_settings["NAME"] = f"bench_annex1_{os.getpid()}"
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from studios.pdf import annex1_pdf
        from tests.helpers import build_world
        from tests.studios.annex1_data import add_attachment, build_full_application

        with transaction.atomic():
            world = build_world()
            app = build_full_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"],
                                         members=args.members, awards=args.awards, text_repeat=args.repeat)
            add_attachment(app, world.users["unit"])
            add_attachment(app, world.users["unit"], name="发明专利证书（一种薄壁件防变形夹具）.pdf")

            t0 = time.perf_counter()
            first = annex1_pdf(app, full_personal_info=True)
            warmup = time.perf_counter() - t0

            times: list[float] = []
            cpu_times: list[float] = []
            size = 0
            for _ in range(args.n):
                t0, c0 = time.perf_counter(), time.process_time()
                result = annex1_pdf(app, full_personal_info=True)
                times.append(time.perf_counter() - t0)
                cpu_times.append(time.process_time() - c0)
                size = len(result.content)
            pages = len(PdfReader(io.BytesIO(first.content)).pages)
            transaction.set_rollback(True)
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)

    prepared = fonts.prepared_fonts()
    report = {
        "benchmark": "annex1_pdf",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "n": args.n,
        "members": args.members,
        "awards": args.awards,
        "text_repeat": args.repeat,
        "pages": pages,
        "pdf_bytes": size,
        "warmup_seconds": round(warmup, 3),
        "median_seconds": round(statistics.median(times), 3),
        "p95_seconds": round(percentile(times, 0.95), 3),
        "min_seconds": round(min(times), 3),
        "max_seconds": round(max(times), 3),
        "times": [round(t, 4) for t in times],
        # CPU seconds of this process per render: close to the wall time on an idle machine, and
        # much less sensitive to other processes competing for the 2 cores.
        "cpu_median_seconds": round(statistics.median(cpu_times), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "fonts": "prepared subset fonts" if prepared else "system Noto fonts (run build_pdf_fonts)",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "weasyprint": weasyprint.__version__, "platform": platform.platform()},
        "targets": {"median_seconds": 0.5, "pdf_bytes": 1_000_000},
    }
    report["meets_targets"] = report["median_seconds"] <= 0.5 and size < 1_000_000

    out = args.out or ROOT / "bench" / "results" / f"annex1-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"Annex 1 PDF: {pages} pages, {size / 1024:.0f} KB, {args.members} members, {args.awards} awards "
          f"({report['fonts']}, {os.cpu_count()} CPUs)")
    print(f"warm-up {warmup:.3f} s; n={args.n}: median {report['median_seconds']:.3f} s, "
          f"p95 {report['p95_seconds']:.3f} s, min {report['min_seconds']:.3f} s, max {report['max_seconds']:.3f} s")
    print(f"CPU time per render: median {report['cpu_median_seconds']:.3f} s "
          f"(load average {report['load_average'][0]})")
    print(f"targets (median ≤ 0.5 s, < 1 MB): {'met' if report['meets_targets'] else 'NOT met'} → {out}")
    return 0 if report["meets_targets"] else 1


if __name__ == "__main__":
    sys.exit(main())
