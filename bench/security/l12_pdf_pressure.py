"""L12 PDF pressure (security.md §3): Annex 1 PDFs (studios.pdf.annex1_pdf → portal.pdf.render_pdf,
WeasyPrint) through gunicorn (2 workers × 4 threads) on a private cluster.

1. Build, through the unit's own forms (autosave endpoints, as a browser would), one
   pathological Annex 1: --rows member rows (150 new rows per POST, for at most 90 s; a POST that
   adds nothing ends it: the total is bounded) and --text-chars characters in each of the 7
   narrative fields. This shows what bounds a form: rows per POST (formset max / the 1000-field
   limit), rows in total, text size (5 MB POST limit).
2. Baseline: 50 concurrent downloads of 50 realistic applications (6 members, 8 awards, long
   texts; one per unit user).
3. Pressure: the pathological download first, then the same 50 concurrent downloads; the client
   gives the pathological one --limit seconds.

Then the pathological form's members step page is fetched (GET, --limit seconds).

Figures: p50/p95 seconds of the 50 renders (baseline and beside the pathological one), the
pathological render's seconds (or "not finished within the limit"), its pages and size, max RSS of
the gunicorn tree (psutil) and of the biggest worker, worker RSS after, 5xx, load average.
Exit 1 when a realistic render fails or answers 5xx, or a normal render's p95 exceeds
--p95-limit seconds beside the pathological one (the pathological form must not starve the others).
No user image is embedded in Annex 1 (templates/pdf/*.html have no <img>); the 8k×8k image of
the spec therefore has no path into a PDF.

    .venv/bin/python bench/security/l12_pdf_pressure.py [--renders 50] [--rows 5000] [--text-chars 20000]
                                                        [--limit 60] [--p95-limit 60]
"""

import argparse
import asyncio
import contextlib
import io
import os
import re
import sys
import time

import httpx
import psutil
from common import (
    Gunicorn,
    PrivateCluster,
    Sampler,
    csrf_token,
    figure,
    load_average,
    machine,
    make_filing_drafts,
    percentile,
    prepare_database,
    save,
    setup_django,
)
from l1_deadline_burst import HASHER, PASSWORD, sign_in_all

LOCK = re.compile(r'name="lock_version"[^>]*value="(\d+)"')
ROWS_PER_POST = 150
NARRATIVE = {"unit": ["unit_introduction", "unit_support", "work_plan"],
             "report": ["report_basic_conditions", "report_necessity", "report_unit_support", "report_work_plan"]}
TEXT = "工作室围绕数控加工关键技术开展攻关，带徒传技成效显著，形成可推广的工艺成果。"


async def lock_version(client, pk, step="cover"):
    """The draft's lock version (one per application), read from the light cover step: the
    members step of the pathological form takes minutes to render (measured separately)."""
    page = await client.get(f"/studios/applications/{pk}/step/cover/")
    return int(LOCK.search(page.text).group(1))


async def timed_get(client, url, timeout):
    started = time.perf_counter()
    try:
        response = await client.get(url, timeout=timeout)
        return {"s": round(time.perf_counter() - started, 1), "status": response.status_code,
                "kb": len(response.content) // 1024}
    except httpx.HTTPError as exc:
        return {"s": round(time.perf_counter() - started, 1), "status": type(exc).__name__, "kb": 0}


async def build_pathological(client, pk, rows, text_chars):
    """Members and narrative texts through the autosave endpoints. Returns what the forms let in."""
    from studios.models import Application

    headers = {"HX-Request": "true"}
    version = await lock_version(client, pk, "members")
    posts = refused = 0
    start = count = Application.objects.get(pk=pk).members.count()
    per_post = []
    deadline = time.monotonic() + 90
    while count < rows and time.monotonic() < deadline:
        batch = min(ROWS_PER_POST, rows - count)
        data = {"lock_version": str(version), "csrfmiddlewaretoken": csrf_token(client),
                "members-TOTAL_FORMS": str(batch), "members-INITIAL_FORMS": "0",
                "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000"}
        for i in range(batch):
            data.update({f"members-{i}-name": f"成员{posts}-{i}", f"members-{i}-qualification": "技师",
                         f"members-{i}-age": "35", f"members-{i}-achievements": "参与技术攻关项目多项，带徒三名。"})
        response = await client.post(f"/studios/applications/{pk}/step/members/autosave/", data=data,
                                     headers=headers)
        posts += 1
        match = LOCK.search(response.text)
        if response.status_code != 200 or not match:
            refused += 1
            version = await lock_version(client, pk, "members")
            continue
        version = int(match.group(1))
        new_count = Application.objects.get(pk=pk).members.count()
        per_post.append(new_count - count)
        count = new_count
        if per_post[-1] == 0:  # the total is bounded: nothing more gets in
            break
    text = (TEXT * (text_chars // len(TEXT) + 1))[:text_chars]
    text = "\n".join(text[i:i + 400] for i in range(0, len(text), 400))  # paragraphs of 400 characters
    stored = {}
    for step, fields in NARRATIVE.items():
        version = await lock_version(client, pk, step)
        data = {"lock_version": str(version), "csrfmiddlewaretoken": csrf_token(client),
                **dict.fromkeys(fields, text)}
        response = await client.post(f"/studios/applications/{pk}/step/{step}/autosave/", data=data,
                                     headers=headers)
        stored[step] = response.status_code
    app = Application.objects.get(pk=pk)
    return {"member_rows_stored": app.members.count(), "member_rows_before": start, "member_posts": posts,
            "member_posts_refused": refused, "rows_sent_per_post": ROWS_PER_POST,
            "rows_stored_per_post_max": max(per_post, default=0),
            "narrative_chars_stored": sum(len(getattr(app, f)) for fields in NARRATIVE.values() for f in fields),
            "narrative_post_status": stored}


async def probe_limits(client, pk):
    """One POST above the field-count limit and one text above the POST size limit: what answers."""
    version = await lock_version(client, pk, "members")
    data = {"lock_version": str(version), "csrfmiddlewaretoken": csrf_token(client),
            "members-TOTAL_FORMS": "300", "members-INITIAL_FORMS": "0"}
    for i in range(300):
        data.update({f"members-{i}-name": f"超限{i}", f"members-{i}-qualification": "技师",
                     f"members-{i}-age": "30", f"members-{i}-achievements": "—"})

    async def status(coro):
        try:
            return (await coro).status_code
        except httpx.HTTPError as exc:  # the server answers 400 without reading the rest of the body
            return f"{type(exc).__name__} (refused before the body was read)"

    many = await status(client.post(f"/studios/applications/{pk}/step/members/autosave/", data=data,
                                     headers={"HX-Request": "true"}))
    version = await lock_version(client, pk, "unit")
    huge = await status(client.post(
        f"/studios/applications/{pk}/step/unit/autosave/", headers={"HX-Request": "true"},
        data={"lock_version": str(version), "csrfmiddlewaretoken": csrf_token(client),
              "unit_introduction": TEXT * 20_000}))
    return {"post_300_rows_status": many, "post_6mb_text_status": huge}


async def download(client, pk, timeout):
    started = time.perf_counter()
    try:
        response = await client.get(f"/studios/applications/{pk}/pdf/", timeout=timeout)
    except httpx.TimeoutException:
        return {"s": time.perf_counter() - started, "status": "timeout", "bytes": 0, "pages": None}
    except httpx.HTTPError as exc:
        return {"s": time.perf_counter() - started, "status": type(exc).__name__, "bytes": 0, "pages": None}
    pages = None
    if response.status_code == 200:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(response.content)).pages)
    return {"s": time.perf_counter() - started, "status": response.status_code, "bytes": len(response.content),
            "pages": pages}


def summary(results):
    ok = [r["s"] for r in results if r["status"] == 200]
    return {"ok": len(ok), "failed": len(results) - len(ok),
            "statuses": sorted({str(r["status"]) for r in results}),
            "p50_s": round(percentile(ok, 50), 2) if ok else None,
            "p95_s": round(percentile(ok, 95), 2) if ok else None,
            "max_s": round(max(ok), 2) if ok else None, "pages": sorted({r["pages"] for r in results if r["pages"]})}


def worker_rss(web):
    out = []
    for pid in web.worker_pids():
        with contextlib.suppress(psutil.Error):
            out.append(round(psutil.Process(pid).memory_info().rss / 2**20))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=50)
    parser.add_argument("--rows", type=int, default=5000, help="member rows of the pathological form")
    parser.add_argument("--text-chars", type=int, default=20_000, help="characters in each of 7 narrative fields")
    parser.add_argument("--limit", type=float, default=60, help="client timeout of the pathological download, s")
    parser.add_argument("--p95-limit", type=float, default=60, help="max p95 of the normal renders beside it, s")
    args = parser.parse_args()
    report = {**machine(), **vars(args)}
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # this script's own ORM reads between its requests
    with PrivateCluster() as cluster:
        prepare_database(cluster.url)
        setup_django(cluster.url)
        drafts = make_filing_drafts(args.renders + 1, PASSWORD, hasher=HASHER, members=6, awards=8, text_repeat=4)
        patho, normal = drafts[0], drafts[1:]
        with Gunicorn(cluster.url, BENCH_HASHER=HASHER) as web:
            sampler = Sampler(cluster.dsn(), web, interval=0.25)

            async def scenario():
                clients = await sign_in_all(web.url, drafts, keepalive=False)
                pclient = clients[patho["username"]]
                started = time.monotonic()
                report["forms"] = await build_pathological(pclient, patho["application"], args.rows, args.text_chars)
                report["forms"]["build_s"] = round(time.monotonic() - started, 1)
                report["forms"].update(await probe_limits(pclient, patho["application"]))
                await download(clients[normal[0]["username"]], normal[0]["application"], 60)  # warm-up
                report["rss_before_mb"] = round(web.rss_mb())
                sampler.start()
                baseline = await asyncio.gather(*(download(clients[d["username"]], d["application"], 300)
                                                  for d in normal))
                report["baseline"] = summary(baseline)
                report["rss_after_baseline_mb"] = round(web.rss_mb())
                patho_task = asyncio.create_task(download(pclient, patho["application"], args.limit))
                await asyncio.sleep(1)
                beside = await asyncio.gather(*(download(clients[d["username"]], d["application"], 300)
                                                for d in normal))
                report["beside_pathological"] = summary(beside)
                report["pathological"] = await patho_task
                report["worker_rss_after_mb"] = worker_rss(web)
                report["samples"] = sampler.stop()
                report["members_step_page"] = await timed_get(
                    pclient, f"/studios/applications/{patho['application']}/step/members/", args.limit)
                report["worker_rss_max_mb"] = round(max(sampler.rss, default=0))
                await asyncio.gather(*(c.aclose() for c in clients.values()))

            asyncio.run(scenario())
    report["load_average_after"] = load_average()
    print(report)
    print(f"saved {save('l12_pdf_pressure', report)}")
    r, f, p = report, report["forms"], report["pathological"]
    figure("L12", f"{args.renders} concurrent Annex 1 downloads (6 members, 8 awards, {r['baseline']['pages']} pages): "
                  f"p50 {r['baseline']['p50_s']} s, p95 {r['baseline']['p95_s']} s, failed {r['baseline']['failed']}; "
                  f"beside the pathological one p50 {r['beside_pathological']['p50_s']} s, p95 "
                  f"{r['beside_pathological']['p95_s']} s, failed {r['beside_pathological']['failed']}")
    p_status = (f"{p['status']} in {p['s']:.1f} s, {p['pages']} pages, {p['bytes'] / 2**20:.1f} MB"
                if p["status"] == 200 else f"{p['status']} after {p['s']:.1f} s (not finished within {args.limit:g} s)")
    figure("L12", f"pathological form ({f['member_rows_stored']} member rows via {f['member_posts']} autosave POSTs, "
                  f"{f['narrative_chars_stored']:,} narrative characters): {p_status}; gunicorn RSS before "
                  f"{r['rss_before_mb']} MB, max {r['samples']['rss_max_mb']} MB, workers after "
                  f"{r['worker_rss_after_mb']} MB; peak CPU {r['samples']['cpu_peak_pct']}%; load average "
                  f"{r['load_average']} → {r['load_average_after']}")
    m = r["members_step_page"]
    figure("L12", f"the pathological form's own members step page (GET, {f['member_rows_stored']} rows): "
                  + (f"{m['s']} s, {m['kb']} KB" if m["status"] == 200 else f"{m['status']} after {m['s']} s"))
    if f["member_rows_stored"] < args.rows:
        total = f"rows in total stopped at {f['member_rows_stored']}"
    else:
        total = "no cap on rows in total met" if f["member_posts"] > 1 else "target reached in one POST"
    figure("L12", f"form bounds: a POST of {f['rows_sent_per_post']} new rows stores at most "
                  f"{f['rows_stored_per_post_max']}; 300 rows in one POST → HTTP {f['post_300_rows_status']}; rows "
                  f"accumulate across POSTs: {total} ({f['member_rows_stored']} after {f['member_posts']} POSTs); "
                  f"a 6 MB text POST → HTTP {f['post_6mb_text_status']}, {f['narrative_chars_stored']:,} characters "
                  f"accepted in 7 narrative fields; no server-side render time limit")
    broken = []
    for phase in ("baseline", "beside_pathological"):
        if r[phase]["failed"]:
            broken.append(f"{phase}: {r[phase]['failed']} realistic renders failed")
    if r["beside_pathological"]["p95_s"] is None or r["beside_pathological"]["p95_s"] > args.p95_limit:
        broken.append(f"normal renders p95 above {args.p95_limit:g} s beside the pathological one")
    if isinstance(p["status"], int) and p["status"] >= 500:
        broken.append("pathological render answered 5xx")
    if broken:
        print("BROKEN L12: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
