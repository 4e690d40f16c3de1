#!/usr/bin/env python
"""Benchmark portal.pdf.render_pdf on templates/pdf/sample.html (see bench/README.md).

    .venv/bin/python bench/bench_pdf.py            # 20 fast renders + 1 naive
    .venv/bin/python bench/bench_pdf.py -n 50 --naive-runs 3
    .venv/bin/python bench/bench_pdf.py --no-harfbuzz   # as if libharfbuzz-subset0 were missing

Phases, all in one process:
  build       manage.py build_pdf_fonts equivalent (instant when already built)
  fast        the production path: prepared subset fonts (+ per-document supplement
              for 䶮 𠮷); one warm-up render, then N timed renders
  fast_common same, sample without characters outside the base fonts (shared font config)
  naive       the full system Noto CJK collections, no preparation (what a plain
              WeasyPrint set-up does); timed after the fast phases
Writes bench/results/pdf-<timestamp>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

STAMP = {"case_number": "ZJ-JNDS-2025-0137", "version": "v3"}


def rss_mb() -> dict:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    current = 0.0
    with contextlib.suppress(OSError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return {"peak_rss_mb": round(peak, 1), "rss_mb": round(current, 1)}


def pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def timed(render, runs: int, warmup: bool) -> dict:
    result: dict = {}
    if warmup:
        t0 = time.perf_counter()
        render()
        result["warmup_s"] = round(time.perf_counter() - t0, 3)
    times, cpu = [], []
    pdf = b""
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    result.update(
        runs=runs,
        median_s=round(statistics.median(times), 3),
        p95_s=round(times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], 3),
        min_s=round(times[0], 3),
        max_s=round(times[-1], 3),
        cpu_median_s=round(statistics.median(cpu), 3),  # robust when the machine is busy
        pdf_bytes=len(pdf),
        pages=pages(pdf),
        **rss_mb(),
    )
    return result


def common_only(context):
    """The sample with characters outside GB2312 + the name list replaced."""
    from portal import fonts

    covered = fonts.common_charset()

    def fix(value):
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str):
            return "".join(c if ord(c) < 0x80 or ord(c) in covered else "吉" for c in value)
        return value

    return fix(context)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--runs", type=int, default=20, help="timed fast renders (default 20)")
    parser.add_argument("--naive-runs", type=int, default=1, help="timed naive renders (default 1)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive phase")
    parser.add_argument("--no-harfbuzz", action="store_true",
                        help="make WeasyPrint subset with fontTools, as without libharfbuzz-subset0")
    parser.add_argument("--out", type=Path, help="JSON path (default bench/results/pdf-<time>.json)")
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    import weasyprint
    import weasyprint.pdf.fonts as wp_fonts

    from portal import fonts
    from portal.pdf import render_pdf, sample_context

    if args.no_harfbuzz:
        wp_fonts.harfbuzz_subset = None
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # "Using fontTools …" per font

    report: dict = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
                 "loadavg_before": [round(x, 2) for x in os.getloadavg()]},
        "weasyprint": weasyprint.__version__,
        "harfbuzz_subset": not args.no_harfbuzz and fonts.harfbuzz_subset_available(),
        "font_dir": str(fonts.font_dir()),
    }

    t0 = time.perf_counter()
    manifest = fonts.build_fonts(log=lambda *a: None)
    report["build"] = {
        "seconds_this_run": round(time.perf_counter() - t0, 2),
        "seconds_full_build": manifest.get("build_seconds"),
        "faces": {k: {f: v[f] for f in ("bytes", "glyphs", "codepoints", "seconds")}
                  for k, v in manifest["faces"].items()},
    }

    context = sample_context()
    common = common_only(context)
    report["fast"] = timed(lambda: render_pdf("pdf/sample.html", context, stamp=STAMP), args.runs, True)
    report["fast_common"] = timed(lambda: render_pdf("pdf/sample.html", common, stamp=STAMP), args.runs, True)

    if not args.no_naive:
        real = fonts.prepared_fonts
        fonts.prepared_fonts = lambda *a, **k: None  # render_pdf's fallback: full system fonts
        logging.getLogger("portal.pdf").setLevel(logging.ERROR)
        try:
            report["naive"] = timed(
                lambda: render_pdf("pdf/sample.html", context, stamp=STAMP), args.naive_runs, False
            )
        finally:
            fonts.prepared_fonts = real
        report["ratio_naive_over_fast"] = round(report["naive"]["median_s"] / report["fast"]["median_s"], 1)

    report["host"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    out = args.out or ROOT / "bench" / "results" / f"pdf-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))

    print(f"WeasyPrint {report['weasyprint']}, HarfBuzz-subset: {report['harfbuzz_subset']}, "
          f"{report['host']['cpus']} CPUs, load {report['host']['loadavg_before'][0]}"
          f"→{report['host']['loadavg_after'][0]}")
    print(f"fonts: {report['build']['seconds_this_run']} s this run "
          f"(full build took {report['build']['seconds_full_build']} s)")
    for phase in ("fast", "fast_common", "naive"):
        r = report.get(phase)
        if r:
            warm = f", warm-up {r['warmup_s']} s" if "warmup_s" in r else ""
            print(f"{phase:<12} median {r['median_s']:.3f} s  p95 {r['p95_s']:.3f} s  cpu {r['cpu_median_s']:.3f} s  "
                  f"(n={r['runs']}{warm})  "
                  f"{r['pdf_bytes'] / 1024:.0f} KiB, {r['pages']} pages, peak RSS {r['peak_rss_mb']:.0f} MB")
    if "ratio_naive_over_fast" in report:
        print(f"naive / fast: {report['ratio_naive_over_fast']}x")
    print(f"→ {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
