"""L1 deadline burst (security.md §3): N unit users file in S seconds, each uploading 2 evidence
PDFs of 2 MB (获奖证书 and 技术认定), opening the review step and submitting its form (with
whatever acknowledgement it asks for), against gunicorn (2 workers
× 4 threads) on a private cluster. httpx asyncio, open loop: user i starts at i·S/N.

Set-up (not timed): N units, each with one unit user and a complete draft lacking only the
evidence; every user signs in over HTTP first (MD5 hasher: sign-in cost is L6's subject).

Promise checked (exit 1 when broken): 0 5xx and 0 unanswered requests; accepted uploads ==
Attachment rows == files on disk; 0 orphan files (on disk, no row) and 0 rows without a file;
accepted submissions == applications in 待初审 == snapshots. Figures: p50/p95/p99 latency per
request kind, req/s, peak CPU %, max PostgreSQL connections, load average before and after.

    .venv/bin/python bench/security/l1_deadline_burst.py [--users 200] [--seconds 60] [--file-mb 2]
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import (
    Gunicorn,
    PrivateCluster,
    Sampler,
    csrf_token,
    figure,
    form_fields,
    load_average,
    machine,
    make_filing_drafts,
    pdf_of_size,
    percentile,
    prepare_database,
    save,
    setup_django,
    sign_in,
)

PASSWORD = "Lantern-Violet-93"  # noqa: S105
HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
SLOTS = ("honour", "tech_proof")


async def sign_in_all(base, drafts, concurrency=8, keepalive=True):
    """One signed-in client per user. `keepalive=False`: a new connection per request, so a
    pooled connection the server closes (gthread keep-alive is 2 s) cannot be reused at the very
    moment it closes (which a browser would retry, and httpx reports as a dropped request)."""
    clients = {}
    limit = asyncio.Semaphore(concurrency)
    limits = httpx.Limits() if keepalive else httpx.Limits(max_keepalive_connections=0)

    async def one(draft):
        client = httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False, limits=limits)
        async with limit:
            ok = await sign_in(client, draft["username"], PASSWORD)
        if not ok:
            raise RuntimeError(f"sign-in failed for {draft['username']}")
        clients[draft["username"]] = client

    await asyncio.gather(*(one(d) for d in drafts))
    return clients


async def file_one(client, draft, files, records, t0):
    pk = draft["application"]

    async def timed(kind, coro):
        sent = time.perf_counter()
        try:
            response = await coro
            records.append({"kind": kind, "t": sent - t0, "s": time.perf_counter() - sent,
                            "status": response.status_code, "location": response.headers.get("location", ""),
                            "app": pk})
            return response
        except httpx.HTTPError as exc:
            records.append({"kind": kind, "t": sent - t0, "s": time.perf_counter() - sent,
                            "status": type(exc).__name__, "location": "", "app": pk})
            return None

    for slot, content in zip(SLOTS, files, strict=True):
        await timed("upload", client.post(
            f"/studios/applications/{pk}/attachments/",
            data={"slot": slot, "csrfmiddlewaretoken": csrf_token(client)},
            files={"file": (f"{slot}证书.pdf", content, "application/pdf")}))
    review = await timed("review", client.get(f"/studios/applications/{pk}/step/review/"))
    fields = form_fields(review.text, f"/applications/{pk}/submit/") if review is not None else {}
    fields.setdefault("csrfmiddlewaretoken", csrf_token(client))
    await timed("submit", client.post(f"/studios/applications/{pk}/submit/", data=fields))


async def burst(clients, drafts, files, seconds):
    records, tasks = [], []
    t0 = time.perf_counter()
    for i, draft in enumerate(drafts):
        delay = t0 + i * seconds / len(drafts) - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(file_one(clients[draft["username"]], draft, files, records, t0)))
    await asyncio.gather(*tasks)
    return records, time.perf_counter() - t0


def accepted(record) -> bool:
    """Review page: 200. Upload: 302 back to the evidence step (a refusal re-renders the page with 200).
    Submit: 302 to the case page (an incomplete form goes to the review step instead)."""
    if record["kind"] == "review":
        return record["status"] == 200
    if record["status"] != 302:
        return False
    if record["kind"] == "upload":
        return record["location"].endswith("/step/evidence/")
    return record["location"].endswith(f"/applications/{record['app']}/")


def check_storage(media: Path, app_ids):
    from studios.enums import ApplicationStatus
    from studios.models import Application, ApplicationSnapshot, Attachment

    rows = list(Attachment.objects.filter(application_id__in=app_ids).values_list("file", flat=True))
    on_disk = {str(p.relative_to(media)) for p in (media / "applications").rglob("*") if p.is_file()}
    return {
        "attachment_rows": len(rows),
        "files_on_disk": len(on_disk),
        "orphan_files": len(on_disk - set(rows)),
        "rows_without_file": len(set(rows) - on_disk),
        "submitted_rows": Application.objects.filter(pk__in=app_ids, status=ApplicationStatus.SUBMITTED).count(),
        "snapshots": ApplicationSnapshot.objects.filter(application_id__in=app_ids).count(),
    }


def latency(records, kind=None):
    values = [r["s"] for r in records if kind in (None, r["kind"]) and isinstance(r["status"], int)]
    return {f"p{q}_ms": round(percentile(values, q) * 1000) if values else None for q in (50, 95, 99)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--file-mb", type=float, default=2, help="size of each evidence PDF, MiB")
    args = parser.parse_args()
    report = {**machine(), "users": args.users, "seconds": args.seconds, "file_mb": args.file_mb}
    files = [pdf_of_size(int(args.file_mb * 2**20), tag=slot) for slot in SLOTS]
    with PrivateCluster() as cluster, tempfile.TemporaryDirectory(prefix="zjsm-l1-media-") as media_dir:
        media = Path(media_dir)
        (media / "applications").mkdir()
        prepare_database(cluster.url)
        setup_django(cluster.url, PORTAL_MEDIA_ROOT=str(media))
        started = time.monotonic()
        drafts = make_filing_drafts(args.users, PASSWORD, hasher=HASHER)
        report["setup_s"] = round(time.monotonic() - started, 1)
        from django.db import connection

        connection.close()
        with Gunicorn(cluster.url, BENCH_HASHER=HASHER, PORTAL_MEDIA_ROOT=str(media)) as web:

            async def scenario():
                clients = await sign_in_all(web.url, drafts)
                sampler = Sampler(cluster.dsn(), web)
                sampler.start()
                try:
                    return await burst(clients, drafts, files, args.seconds), sampler.stop()
                finally:
                    await asyncio.gather(*(c.aclose() for c in clients.values()))

            (records, elapsed), samples = asyncio.run(scenario())
        storage = check_storage(media, [d["application"] for d in drafts])
    report["load_average_after"] = load_average()
    uploads = [r for r in records if r["kind"] == "upload"]
    submits = [r for r in records if r["kind"] == "submit"]
    report.update({
        "requests": len(records), "elapsed_s": round(elapsed, 1), "req_per_s": round(len(records) / elapsed, 1),
        "server_errors_5xx": sum(1 for r in records if isinstance(r["status"], int) and r["status"] >= 500),
        "unanswered": sum(1 for r in records if not isinstance(r["status"], int)),
        "other_statuses": sorted({str(r["status"]) for r in records if not accepted(r)}),
        "uploads_accepted": sum(map(accepted, uploads)), "uploads_refused": sum(not accepted(r) for r in uploads),
        "submits_accepted": sum(map(accepted, submits)),
        "latency_all": latency(records), "latency_upload": latency(records, "upload"),
        "latency_submit": latency(records, "submit"),
        "latency_review_page": latency(records, "review"), **samples, **storage,
    })
    print(report)
    print(f"saved {save('l1_deadline_burst', report)}")
    r = report
    figure("L1", f"{args.users} users × ({len(SLOTS)}×{args.file_mb:g} MB PDF + review page + submit) in "
                 f"{args.seconds:g} s: "
                 f"{r['requests']} requests, {r['req_per_s']} req/s; p50/p95/p99 "
                 f"{r['latency_all']['p50_ms']}/{r['latency_all']['p95_ms']}/{r['latency_all']['p99_ms']} ms "
                 f"(upload p95 {r['latency_upload']['p95_ms']} ms, submit p95 {r['latency_submit']['p95_ms']} ms); "
                 f"5xx {r['server_errors_5xx']}, unanswered {r['unanswered']}")
    figure("L1", f"uploads accepted {r['uploads_accepted']} == attachment rows {r['attachment_rows']} == files on "
                 f"disk {r['files_on_disk']}; orphan files {r['orphan_files']}; rows without file "
                 f"{r['rows_without_file']}; submissions accepted {r['submits_accepted']} == 待初审 rows "
                 f"{r['submitted_rows']} == snapshots {r['snapshots']}")
    figure("L1", f"peak CPU {r['cpu_peak_pct']}% (mean {r['cpu_mean_pct']}%), PG connections max "
                 f"{r['pg_connections_max']}, gunicorn RSS max {r['rss_max_mb']} MB; load average before "
                 f"{r['load_average']}, after {r['load_average_after']}")
    broken = []
    if r["server_errors_5xx"] or r["unanswered"]:
        broken.append("5xx or unanswered requests")
    if not (r["uploads_accepted"] == r["attachment_rows"] == r["files_on_disk"]):
        broken.append("accepted uploads, rows and files differ")
    if r["orphan_files"] or r["rows_without_file"]:
        broken.append("orphan files or rows without a file")
    if not (r["submits_accepted"] == r["submitted_rows"] == r["snapshots"]):
        broken.append("accepted submissions, submitted rows and snapshots differ")
    if broken:
        print("BROKEN L1: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
