"""L10 worker kill -9 mid-upload (security.md §3): the L1 burst (N users, each 2 evidence PDFs of
2 MB, review page, submit) with the uploads sent at a bounded speed (default 4 MB/s, a
realistic unit uplink, so several uploads are always in flight), and at t = S/2 one gunicorn
worker that is serving requests gets SIGKILL. Users whose request dies retry it once (uploads
only after checking on the evidence step that the file is not already there).

Promise checked (exit 1 when broken): 0 partial records — no Attachment row without its file,
no submitted case without its snapshot and history row (and none of those for a case still in
draft), audit hash chain intact; every user ends with both files and a submitted case; orphan
files (a file written by the killed worker before its row committed) ≤ requests the kill cut
off, and reported (`manage.py verify_integrity --delete-orphans` removes them after an hour).
Figures: respawn seconds (SIGKILL → new worker process; → first response served by it), requests
cut off, 5xx, load average.

    .venv/bin/python bench/security/l10_worker_kill.py [--users 200] [--seconds 60] [--upload-mbps 4]
"""

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from common import (
    Gunicorn,
    PrivateCluster,
    csrf_token,
    figure,
    form_fields,
    load_average,
    machine,
    make_filing_drafts,
    pdf_of_size,
    prepare_database,
    save,
    setup_django,
)
from l1_deadline_burst import HASHER, PASSWORD, SLOTS, check_storage, sign_in_all

CHUNK = 64 * 1024


def multipart(fields: dict, name: str, filename: str, content: bytes) -> tuple[bytes, bytes, str]:
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
             "Content-Type: application/pdf\r\n\r\n").encode()
    return head, f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def throttled(parts, bytes_per_s):
    for part in parts:
        for i in range(0, len(part), CHUNK):
            yield part[i:i + CHUNK]
            await asyncio.sleep(CHUNK / bytes_per_s)


class Run:
    def __init__(self, web, bytes_per_s):
        self.web, self.bytes_per_s = web, bytes_per_s
        self.records: list[dict] = []
        self.in_flight_uploads = 0
        self.kill: dict = {}

    async def timed(self, kind, pk, send):
        started = time.perf_counter()
        try:
            response = await send()
        except httpx.HTTPError as exc:
            self.records.append({"kind": kind, "app": pk, "status": type(exc).__name__,
                                 "t0": started, "t1": time.perf_counter(), "worker": None})
            return None
        worker = response.headers.get("x-bench-worker")
        self.records.append({"kind": kind, "app": pk, "status": response.status_code, "t0": started,
                             "t1": time.perf_counter(), "worker": worker})
        if self.kill.get("new_pid") and worker == str(self.kill["new_pid"]) and "first_served" not in self.kill:
            self.kill["first_served"] = time.perf_counter()
        return response

    async def upload(self, client, pk, slot, content):
        name = f"{slot}-{pk}.pdf"
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(1)
                page = await self.timed("evidence_page", pk,
                                        lambda: client.get(f"/studios/applications/{pk}/step/evidence/"))
                if page is not None and name in page.text:
                    return
            head, tail, content_type = multipart({"slot": slot, "csrfmiddlewaretoken": csrf_token(client)},
                                                 "file", name, content)
            self.in_flight_uploads += 1
            try:
                response = await self.timed("upload", pk, lambda h=head, t=tail, c=content_type: client.post(
                    f"/studios/applications/{pk}/attachments/", content=throttled((h, content, t), self.bytes_per_s),
                    headers={"Content-Type": c, "Content-Length": str(len(h) + len(content) + len(t))}))
            finally:
                self.in_flight_uploads -= 1
            if response is not None and response.status_code < 500:
                return

    async def submit(self, client, pk):
        for attempt in range(2):
            if attempt:
                await asyncio.sleep(1)
            review = await self.timed("review", pk, lambda: client.get(f"/studios/applications/{pk}/step/review/"))
            if review is None or review.status_code != 200:
                continue
            fields = form_fields(review.text, f"/applications/{pk}/submit/")
            fields.setdefault("csrfmiddlewaretoken", csrf_token(client))
            response = await self.timed("submit", pk, lambda f=fields: client.post(
                f"/studios/applications/{pk}/submit/", data=f))
            if response is not None and response.status_code < 500:
                return

    async def user(self, client, pk, files):
        for slot, content in zip(SLOTS, files, strict=True):
            await self.upload(client, pk, slot, content)
        await self.submit(client, pk)

    async def killer(self, t0, at):
        await asyncio.sleep(max(0.0, t0 + at - time.perf_counter()))
        deadline = time.perf_counter() + 10
        while self.in_flight_uploads < 2 and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        victims = self.web.worker_pids()
        victim = self.busiest(victims)
        self.kill.update(pid=victim, in_flight_uploads=self.in_flight_uploads, t=time.perf_counter())
        os.kill(victim, signal.SIGKILL)
        while True:
            pids = self.web.worker_pids()
            new = set(pids) - set(victims)
            if new and len(pids) == len(victims):
                self.kill.update(new_pid=new.pop(), respawned=time.perf_counter())
                return
            await asyncio.sleep(0.01)

    def busiest(self, pids):
        """The worker holding the most client connections (uploads in flight keep theirs open)."""
        import psutil

        def count(pid):
            try:
                return sum(1 for c in psutil.Process(pid).net_connections(kind="tcp")
                           if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == self.web.port)
            except psutil.Error:
                return -1

        return max(pids, key=count)


def partial_records(app_ids):
    from django.db.models import Count

    from portal.audit_tools import verify_chain
    from portal.models import TransitionLog
    from studios.enums import ApplicationStatus
    from studios.models import Application

    apps = Application.objects.filter(pk__in=app_ids).annotate(n_snap=Count("snapshots"))
    submitted_ids = [str(a.pk) for a in apps if a.status == ApplicationStatus.SUBMITTED]
    logs = TransitionLog.objects.filter(action="submit", object_id__in=[str(i) for i in app_ids])
    logged = {}
    for object_id in logs.values_list("object_id", flat=True):
        logged[str(object_id)] = logged.get(str(object_id), 0) + 1
    return {
        "submitted_without_snapshot": sum(1 for a in apps if a.status == ApplicationStatus.SUBMITTED and a.n_snap != 1),
        "draft_with_snapshot": sum(1 for a in apps if a.status == ApplicationStatus.DRAFT and a.n_snap),
        "submit_history_mismatch": sum(1 for i in submitted_ids if logged.get(i) != 1)
        + sum(1 for i, n in logged.items() if i not in submitted_ids),
        "audit_chain_broken_rows": len(verify_chain()),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--file-mb", type=float, default=2)
    parser.add_argument("--upload-mbps", type=float, default=4, help="client upload speed, MB/s")
    parser.add_argument("--kill-at", type=float, help="seconds into the burst (default: half of --seconds)")
    args = parser.parse_args()
    report = {**machine(), **vars(args)}
    files = [pdf_of_size(int(args.file_mb * 2**20), tag=slot) for slot in SLOTS]
    with PrivateCluster() as cluster, tempfile.TemporaryDirectory(prefix="zjsm-l10-media-") as media_dir:
        media = Path(media_dir)
        (media / "applications").mkdir()
        prepare_database(cluster.url)
        setup_django(cluster.url, PORTAL_MEDIA_ROOT=str(media))
        drafts = make_filing_drafts(args.users, PASSWORD, hasher=HASHER)
        from django.db import connection

        connection.close()
        with Gunicorn(cluster.url, BENCH_HASHER=HASHER, PORTAL_MEDIA_ROOT=str(media)) as web:
            run = Run(web, args.upload_mbps * 2**20)

            async def scenario():
                clients = await sign_in_all(web.url, drafts)
                t0 = time.perf_counter()
                killer = asyncio.create_task(run.killer(t0, args.kill_at or args.seconds / 2))
                tasks = []
                for i, draft in enumerate(drafts):
                    await asyncio.sleep(max(0.0, t0 + i * args.seconds / len(drafts) - time.perf_counter()))
                    tasks.append(asyncio.create_task(
                        run.user(clients[draft["username"]], draft["application"], files)))
                await asyncio.gather(*tasks)
                await asyncio.wait_for(killer, timeout=60)
                await asyncio.gather(*(c.aclose() for c in clients.values()))
                return time.perf_counter() - t0

            elapsed = asyncio.run(scenario())
        app_ids = [d["application"] for d in drafts]
        storage = check_storage(media, app_ids)
        partial = partial_records(app_ids)
    kill, records = run.kill, run.records
    cut_off = [r for r in records if not isinstance(r["status"], int)]
    report.update(storage)
    report.update(partial)
    report.update({
        "elapsed_s": round(elapsed, 1), "requests": len(records),
        "killed_pid": kill["pid"], "uploads_in_flight_at_kill": kill["in_flight_uploads"],
        "respawn_s": round(kill["respawned"] - kill["t"], 2),
        "first_served_by_new_worker_s": round(kill["first_served"] - kill["t"], 2) if "first_served" in kill else None,
        "requests_cut_off": len(cut_off), "cut_off_kinds": sorted({f"{r['kind']}:{r['status']}" for r in cut_off}),
        "server_errors_5xx": sum(1 for r in records if isinstance(r["status"], int) and r["status"] >= 500),
        "users_complete": storage["submitted_rows"], "load_average_after": load_average(),
    })
    print(report)
    print(f"saved {save('l10_worker_kill', report)}")
    r = report
    figure("L10", f"SIGKILL of 1 of 2 gunicorn workers at {args.kill_at or args.seconds / 2:g} s of a "
                  f"{args.users}-user "
                  f"burst ({r['uploads_in_flight_at_kill']} uploads in flight, at {args.upload_mbps:g} MB/s): "
                  f"new worker process after {r['respawn_s']} s, first response from it after "
                  f"{r['first_served_by_new_worker_s']} s; requests cut off {r['requests_cut_off']} "
                  f"({', '.join(r['cut_off_kinds']) or '-'}), 5xx {r['server_errors_5xx']}")
    figure("L10", f"partial records 0 expected: rows without file {r['rows_without_file']}, submitted without "
                  f"snapshot {r['submitted_without_snapshot']}, draft with snapshot {r['draft_with_snapshot']}, "
                  f"submit history mismatches {r['submit_history_mismatch']}, audit chain broken rows "
                  f"{r['audit_chain_broken_rows']}; orphan files {r['orphan_files']} (≤ cut off); "
                  f"after one retry {r['users_complete']}/{args.users} submitted with {r['attachment_rows']} files; "
                  f"load average {r['load_average']} → {r['load_average_after']}")
    broken = []
    if (r["rows_without_file"] or r["submitted_without_snapshot"] or r["draft_with_snapshot"]
            or r["submit_history_mismatch"] or r["audit_chain_broken_rows"]):
        broken.append("partial records")
    if r["orphan_files"] > r["requests_cut_off"]:
        broken.append("more orphan files than requests cut off")
    if r["server_errors_5xx"]:
        broken.append("5xx")
    if r["users_complete"] != args.users or r["attachment_rows"] != len(SLOTS) * args.users:
        broken.append("users not complete after a retry")
    if broken:
        print("BROKEN L10: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
