"""L8 connection kill (security.md §3): every K seconds `pg_terminate_backend` ends every
application backend (idle or busy) of the private cluster while U unit users keep working through
gunicorn (2 workers × 4 threads, CONN_MAX_AGE 60 s with CONN_HEALTH_CHECKS).

Each user, one operation at a time, about R/U operations per second each:
- autosave of the cover step (work_field = a unique operation tag) with the lock version it
  holds; on a 5xx or a dropped connection the client retries the same POST with the same lock
  version (the idempotent retry: if the first attempt did commit, the retry is refused as stale,
  and the client re-reads the step to learn the new lock version);
- every 4th operation a 20 KB evidence upload with a unique file name; before retrying, the
  client reads the evidence step and retries only if its file is not there (uploads have no
  idempotency key, so a blind retry after a lost response would store the file twice);
- every 4th operation (offset) a dashboard GET.

Promise checked (exit 1 when broken): 0 duplicates (each autosave tag recorded at most once in
the pghistory event table, each upload name stored at most once), 0 operations lost (every
operation succeeds within 3 retries and its effect is stored),
every failed request was in flight when a kill happened (idle pooled connections are replaced
by the health check; a request between two queries holds an "idle" backend too, so in-flight is
judged on the client's clock, not by pg_stat_activity),
0 tracebacks in responses. Figures: error rate, errors per kill, ambiguous outcomes (request
failed but had committed), load average.

    .venv/bin/python bench/security/l8_connection_kill.py [--users 20] [--rate 20] [--seconds 60] [--every 5]
"""

import argparse
import asyncio
import re
import sys
import threading
import time

import httpx
import psycopg2
from common import (
    Gunicorn,
    PrivateCluster,
    csrf_token,
    figure,
    load_average,
    machine,
    make_filing_drafts,
    pdf_of_size,
    prepare_database,
    save,
    setup_django,
    sign_in,
)

PASSWORD = "Lantern-Violet-93"  # noqa: S105
HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
LOCK = re.compile(r'name="lock_version"[^>]*value="(\d+)"')
LEAK = re.compile(r"Traceback|psycopg2|OperationalError|InterfaceError|File \"/")
RETRIES = 3


class Killer(threading.Thread):
    """Every `every` s, terminate all client backends of the bench database except our own."""

    def __init__(self, dsn: str, every: float):
        super().__init__(daemon=True)
        self.dsn, self.every = dsn, every
        self.rounds: list[dict] = []
        self._stop_event = threading.Event()

    def run(self):
        conn = psycopg2.connect(self.dsn + " application_name=bench-killer")
        conn.autocommit = True
        while not self._stop_event.wait(self.every):
            started = time.time()
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT state, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'zjsm_bench' "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                    "AND application_name NOT LIKE 'bench-%'")
                rows = cursor.fetchall()
            self.rounds.append({"t0": started, "t1": time.time(), "killed": len(rows),
                                "busy": sum(1 for state, _ in rows if state not in ("idle",))})
        conn.close()

    def stop(self):
        self._stop_event.set()
        self.join(timeout=10)


class User:
    def __init__(self, base, draft, stats, upload_bytes):
        self.client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.username, self.pk = draft["username"], draft["application"]
        self.stats, self.upload_bytes = stats, upload_bytes
        self.lock_version = None
        self.tags: list[str] = []
        self.uploads: list[str] = []

    async def request(self, method, url, **kwargs):
        """One attempt: (ok_response or None, failed). Counts 5xx, transport errors and leaks."""
        self.stats["attempts"] += 1
        started = time.time()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats["failures"].append(type(exc).__name__)
            self.stats["intervals"].append((started, time.time(), True))
            return None
        self.stats["intervals"].append((started, time.time(), response.status_code >= 500))
        if LEAK.search(response.text):
            self.stats["leaks"] += 1
        if response.status_code >= 500:
            self.stats["failures"].append(str(response.status_code))
            return None
        return response

    async def read_lock_version(self):
        for _ in range(RETRIES + 1):
            response = await self.request("GET", f"/studios/applications/{self.pk}/step/cover/")
            if response is not None and (match := LOCK.search(response.text)):
                self.lock_version = int(match.group(1))
                return
        raise RuntimeError("cannot read the lock version")

    async def autosave(self, tag):
        data = {"studio_name": f"压测{self.pk}技能大师工作室", "work_field": tag,
                "lock_version": str(self.lock_version), "csrfmiddlewaretoken": csrf_token(self.client)}
        for attempt in range(RETRIES + 1):
            response = await self.request("POST", f"/studios/applications/{self.pk}/step/cover/autosave/",
                                          data=data, headers={"HX-Request": "true"})
            if response is None:
                if attempt == 0:
                    self.stats["first_attempt_failed"] += 1
                continue
            match = LOCK.search(response.text)
            if match:
                self.lock_version = int(match.group(1))
                self.tags.append(tag)
                self.stats["ok"] += 1
                return
            # Stale: an earlier attempt committed (its response was lost), or a real conflict.
            await self.read_lock_version()
            if attempt:
                self.stats["ambiguous_committed"] += 1
                self.tags.append(tag)
                self.stats["ok"] += 1
                return
            self.stats["stale_first"] += 1
            data["lock_version"] = str(self.lock_version)
        self.stats["lost"] += 1

    async def upload(self, name):
        for attempt in range(RETRIES + 1):
            if attempt:
                page = await self.request("GET", f"/studios/applications/{self.pk}/step/evidence/")
                if page is not None and name in page.text:
                    self.stats["ambiguous_committed"] += 1
                    self.uploads.append(name)
                    self.stats["ok"] += 1
                    return
            response = await self.request(
                "POST", f"/studios/applications/{self.pk}/attachments/",
                data={"slot": "other", "csrfmiddlewaretoken": csrf_token(self.client)},
                files={"file": (name, self.upload_bytes, "application/pdf")})
            if response is None:
                if attempt == 0:
                    self.stats["first_attempt_failed"] += 1
                continue
            if response.status_code == 302:
                self.uploads.append(name)
                self.stats["ok"] += 1
                return
            self.stats["refused"] += 1
            return
        self.stats["lost"] += 1

    async def dashboard(self):
        for attempt in range(RETRIES + 1):
            response = await self.request("GET", "/dashboard/")
            if response is not None and response.status_code == 200:
                self.stats["ok"] += 1
                return
            if attempt == 0:
                self.stats["first_attempt_failed"] += 1
        self.stats["lost"] += 1

    async def run(self, index, period, stop_at):
        await asyncio.sleep(index * period / 20)  # spread the users over the period
        n = 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            self.stats["operations"] += 1
            kind = n % 4
            if kind == 1:
                await self.upload(f"L8-{self.username}-{n:04d}.pdf")
            elif kind == 3:
                await self.dashboard()
            else:
                await self.autosave(f"L8-{self.username}-{n:04d}")
            n += 1
            await asyncio.sleep(max(0.0, period - (time.perf_counter() - started)))


async def scenario(base, drafts, rate, seconds, upload_bytes, killer):
    stats = {"operations": 0, "attempts": 0, "ok": 0, "lost": 0, "refused": 0, "failures": [], "leaks": 0,
             "first_attempt_failed": 0, "ambiguous_committed": 0, "stale_first": 0, "intervals": []}
    users = [User(base, d, stats, upload_bytes) for d in drafts]
    for user in users:
        if not await sign_in(user.client, user.username, PASSWORD):
            raise RuntimeError(f"sign-in failed for {user.username}")
        await user.read_lock_version()
    period = len(users) / rate
    killer.start()
    try:
        await asyncio.gather(*(u.run(i, period, time.perf_counter() + seconds) for i, u in enumerate(users)))
    finally:
        killer.stop()
        await asyncio.gather(*(u.client.aclose() for u in users))
    return stats, users


def in_flight(intervals, kills, slack=0.02):
    """Requests whose lifetime overlaps a kill; failed requests that do not (must be none: an idle
    pooled connection that was killed must be replaced by the health check, not fail a request)."""
    def overlaps(start, end):
        return any(start - slack <= k["t1"] and k["t0"] <= end + slack for k in kills)

    hit = [(start, end, failed) for start, end, failed in intervals if overlaps(start, end)]
    return {"in_flight_at_kill": len(hit), "in_flight_failed": sum(1 for *_, failed in hit if failed),
            "failed_not_in_flight": sum(1 for s, e, failed in intervals if failed and not overlaps(s, e))}


def check_duplicates(users):
    from django.db import connection

    from studios.models import Attachment

    with connection.cursor() as cursor:
        cursor.execute("SELECT work_field, count(*) FROM studios_applicationevent "
                       "WHERE work_field LIKE 'L8-%%' GROUP BY work_field")
        recorded = dict(cursor.fetchall())
    names = {}
    for name in Attachment.objects.filter(original_name__startswith="L8-").values_list("original_name", flat=True):
        names[name] = names.get(name, 0) + 1
    tags = [t for u in users for t in u.tags]
    uploads = [n for u in users for n in u.uploads]
    return {
        "autosave_duplicates": sum(c - 1 for c in recorded.values() if c > 1),
        "upload_duplicates": sum(c - 1 for c in names.values() if c > 1),
        "autosaves_acknowledged_not_stored": sum(1 for t in tags if t not in recorded),
        "uploads_acknowledged_not_stored": sum(1 for n in uploads if n not in names),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate", type=float, default=20, help="operations per second, all users together")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=5, help="seconds between kills")
    args = parser.parse_args()
    report = {**machine(), **vars(args)}
    upload_bytes = pdf_of_size(20_000, tag="L8")
    with PrivateCluster() as cluster:
        prepare_database(cluster.url)
        setup_django(cluster.url)
        drafts = make_filing_drafts(args.users, PASSWORD, hasher=HASHER)
        from django.db import connection

        connection.close()
        with Gunicorn(cluster.url, BENCH_HASHER=HASHER) as web:
            killer = Killer(cluster.dsn(), args.every)
            stats, users = asyncio.run(scenario(web.url, drafts, args.rate, args.seconds, upload_bytes, killer))
        report.update(check_duplicates(users))
    kills = killer.rounds
    report.update({k: v for k, v in stats.items() if k not in ("failures", "intervals")})
    report.update(in_flight(stats["intervals"], kills))
    report.update({
        "failure_kinds": sorted(set(stats["failures"])), "failed_attempts": len(stats["failures"]),
        "kill_rounds": len(kills), "backends_killed": sum(k["killed"] for k in kills),
        "busy_backends_killed": sum(k["busy"] for k in kills), "load_average_after": load_average(),
    })
    r = report
    r["error_rate_pct"] = round(100 * r["failed_attempts"] / max(r["attempts"], 1), 2)
    print(report)
    print(f"saved {save('l8_connection_kill', report)}")
    figure("L8", f"{r['operations']} operations ({r['attempts']} requests) by {args.users} users in "
                 f"{args.seconds:g} s, all app backends killed every {args.every:g} s ({r['kill_rounds']} rounds, "
                 f"{r['backends_killed']} backends, {r['busy_backends_killed']} busy): failed requests "
                 f"{r['failed_attempts']} ({r['error_rate_pct']} %, kinds {r['failure_kinds']}) of "
                 f"{r['in_flight_at_kill']} requests in flight at a kill; failed requests not in flight at a kill "
                 f"{r['failed_not_in_flight']}")
    figure("L8", f"after client retry: operations lost {r['lost']}; duplicates {r['autosave_duplicates']} autosave + "
                 f"{r['upload_duplicates']} upload; ambiguous (failed but committed) {r['ambiguous_committed']}; "
                 f"acknowledged but not stored {r['autosaves_acknowledged_not_stored']}+"
                 f"{r['uploads_acknowledged_not_stored']}; tracebacks in responses {r['leaks']}; load average "
                 f"{r['load_average']} → {r['load_average_after']}")
    broken = []
    if r["autosave_duplicates"] or r["upload_duplicates"]:
        broken.append("duplicates")
    if r["lost"] or r["autosaves_acknowledged_not_stored"] or r["uploads_acknowledged_not_stored"]:
        broken.append("lost operations")
    if r["failed_not_in_flight"]:
        broken.append("requests failed that were not in flight at a kill (pooled connections not recovered)")
    if r["leaks"]:
        broken.append("tracebacks in responses")
    if broken:
        print("BROKEN L8: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
