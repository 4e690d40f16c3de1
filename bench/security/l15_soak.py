"""L15 audit volume and soak (security.md §3) on a private cluster and gunicorn (2 workers × 4
threads). Default 2 minutes (the spec says 10: `--minutes 10`).

Set-up: 6 months of AuditEvent rows at 1/10 scale (--audit-per-day full-scale rows a day, default
20,000 → 2,000 a day × 183 days seeded by SQL), U unit users with a draft and one uploaded PDF,
and an auditor (审计管理员) signed in with password + TOTP.
Load: R requests/s, constant (open loop), round-robin over the users: dashboard, case page, cover
step, cover autosave (a write with pghistory rows), evidence file download (an audit row), and
every 50th request a sign-out + sign-in (session churn, login audit rows). Every 5 s the auditor
runs the audit log query of one user over the last 30 days (/audit/?q=<user>&start=&end=).

Figures: requests, 5xx, RSS of the gunicorn tree at start/end and its growth in MB per 10k
requests (least-squares slope after an unmeasured warm-up of 10 requests per user and the first
20 % of the run), PostgreSQL connections max,
audit rows and bytes per request, audit MB per 10k requests, audit MB/day if the soak rate held
24 h (an upper bound), the 6-month table at 1/10 scale and ×10, p50/p95 of the auditor query,
load average.
Exit 1 on any 5xx or unanswered request, RSS growth above --rss-limit MB per 10k requests,
PostgreSQL connections above workers × threads + 4, or an auditor query p95 above --audit-p95-limit s.

    .venv/bin/python bench/security/l15_soak.py [--minutes 2] [--rate 20] [--users 20] [--audit-per-day 20000]
"""

import argparse
import asyncio
import os
import re
import sys
import time

import httpx
from common import (
    CSRF_RE,
    Gunicorn,
    PrivateCluster,
    Sampler,
    csrf_token,
    figure,
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
LOCK = re.compile(r'name="lock_version"[^>]*value="(\d+)"')
DOWNLOAD = re.compile(r'href="(/studios/attachments/\d+/)"')
WORKERS, THREADS = 2, 4


def seed_audit(per_day: int, days: int = 183):
    from django.db import connection

    rows = per_day * days
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO portal_auditevent (created_at, actor_id, actor_username, actor_role, ip, action, outcome,
                   object_type, object_id, path, request_id, detail, prev_hash, hash)
               SELECT now() - (i * %s || ' seconds')::interval, mod(i, 500), 'user' || mod(i, 500),
                      (ARRAY['unit','channel','city_officer','expert'])[1 + mod(i, 4)],
                      ('10.0.0.' || mod(i, 250))::inet,
                      (ARRAY['login','logout','download','denied','export','reveal'])[1 + mod(i, 6)],
                      (ARRAY['success','success','success','failure'])[1 + mod(i, 4)],
                      'studios.application', mod(i, 5000)::text, '/studios/applications/' || mod(i, 5000) || '/',
                      md5(i::text), jsonb_build_object('what', 'annex1_pdf', 'bytes', i),
                      md5((i - 1)::text) || md5((i - 1)::text), md5(i::text) || md5(i::text)
               FROM generate_series(%s, 1, -1) i""",
            [86400 * days / rows, rows],
        )
        cursor.execute("ANALYZE portal_auditevent")
    return rows


def make_auditor():
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django.utils.module_loading import import_string
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.enums import Role
    from portal.models import RoleAssignment, User

    user = User.objects.create(username="bench_auditor", full_name="压测审计员",
                               password=make_password(PASSWORD, hasher=import_string(HASHER)()),
                               password_changed_at=timezone.now(), must_change_password=False)
    RoleAssignment.objects.create(user=user, role=Role.AUDITOR)
    return TOTPDevice.objects.create(user=user, name="bench", confirmed=True)


def table_bytes(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s), (SELECT count(*) FROM portal_auditevent), "
                       "pg_database_size(current_database())", [name])
        return cursor.fetchone()


class Soak:
    def __init__(self, base, drafts, rate, seconds, web):
        self.base, self.drafts, self.rate, self.seconds, self.web = base, drafts, rate, seconds, web
        self.records: list[tuple[str, object, float]] = []
        self.audit_queries: list[tuple[object, float]] = []
        self.rss: list[tuple[int, float]] = []
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.state: dict[str, dict] = {}

    async def prepare(self, upload):
        for draft in self.drafts:
            client = httpx.AsyncClient(base_url=self.base, timeout=60, follow_redirects=False)
            if not await sign_in(client, draft["username"], PASSWORD):
                raise RuntimeError("sign-in failed")
            pk = draft["application"]
            await client.post(f"/studios/applications/{pk}/attachments/",
                              data={"slot": "other", "csrfmiddlewaretoken": csrf_token(client)},
                              files={"file": ("证明材料.pdf", upload, "application/pdf")})
            page = await client.get(f"/studios/applications/{pk}/step/evidence/")
            link = DOWNLOAD.search(page.text)
            cover = await client.get(f"/studios/applications/{pk}/step/cover/")
            self.clients[draft["username"]] = client
            self.state[draft["username"]] = {"pk": pk, "download": link.group(1) if link else None,
                                             "lock": int(LOCK.search(cover.text).group(1)), "n": 0}

    async def auditor_client(self, device_code):
        client = httpx.AsyncClient(base_url=self.base, timeout=60, follow_redirects=False)
        if not await sign_in(client, "bench_auditor", PASSWORD):
            raise RuntimeError("auditor sign-in failed")
        page = await client.get("/security/otp/verify/")
        token = re.search(CSRF_RE, page.text).group(1)
        response = await client.post("/security/otp/verify/", data={"token": device_code(),
                                                                    "csrfmiddlewaretoken": token})
        if response.status_code != 302:
            raise RuntimeError("auditor OTP failed")
        return client

    async def one(self, i):
        draft = self.drafts[i % len(self.drafts)]
        name, client, st = draft["username"], self.clients[draft["username"]], self.state[draft["username"]]
        pk, kind = st["pk"], i // len(self.drafts) % 5
        started = time.perf_counter()
        try:
            if i % 50 == 49:
                kind = "relogin"
                await client.post("/accounts/logout/", data={"csrfmiddlewaretoken": csrf_token(client)})
                response = await client.get("/accounts/login/")
                await sign_in(client, name, PASSWORD)
            elif kind == 0:
                response = await client.get("/dashboard/")
            elif kind == 1:
                response = await client.get(f"/studios/applications/{pk}/")
            elif kind == 2:
                response = await client.get(f"/studios/applications/{pk}/step/cover/")
            elif kind == 3:
                st["n"] += 1
                response = await client.post(
                    f"/studios/applications/{pk}/step/cover/autosave/", headers={"HX-Request": "true"},
                    data={"studio_name": f"压测{pk}技能大师工作室", "work_field": f"L15-{st['n']}",
                          "lock_version": str(st["lock"]), "csrfmiddlewaretoken": csrf_token(client)})
                if match := LOCK.search(response.text):
                    st["lock"] = int(match.group(1))
            else:
                response = await client.get(st["download"] or "/dashboard/")
            self.records.append((str(kind), response.status_code, time.perf_counter() - started))
        except httpx.HTTPError as exc:
            self.records.append((str(kind), type(exc).__name__, time.perf_counter() - started))

    async def audit_loop(self, client, stop_at, user):
        today = time.strftime("%Y-%m-%d")
        start = time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                response = await client.get("/audit/", params={"q": user, "start": start, "end": today})
                status = response.status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            self.audit_queries.append((status, time.perf_counter() - started))
            await asyncio.sleep(max(0.0, 5 - (time.perf_counter() - started)))

    async def rss_loop(self, stop_at):
        while time.perf_counter() < stop_at:
            self.rss.append((len(self.records), self.web.rss_mb()))
            await asyncio.sleep(1)

    async def warm_up(self):
        """Every request kind for every user twice, unmeasured: lazily built caches and imported
        modules are not a leak."""
        for start in range(0, len(self.drafts) * 10, 8):
            await asyncio.gather(*(self.one(i) for i in range(start, min(start + 8, len(self.drafts) * 10))))
        self.records.clear()

    async def run(self, auditor):
        stop_at = time.perf_counter() + self.seconds
        side = [asyncio.create_task(self.audit_loop(auditor, stop_at, "user7")),
                asyncio.create_task(self.rss_loop(stop_at))]
        tasks, t0 = [], time.perf_counter()
        for i in range(int(self.rate * self.seconds)):
            await asyncio.sleep(max(0.0, t0 + i / self.rate - time.perf_counter()))
            tasks.append(asyncio.create_task(self.one(i)))
        await asyncio.gather(*tasks, *side)
        self.rss.append((len(self.records), self.web.rss_mb()))


def slope_per_10k(points):
    """Least-squares slope of RSS (MB) against requests served, per 10,000 requests."""
    points = points[len(points) // 5:]
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 10_000, 1) if den else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--audit-per-day", type=int, default=20_000,
                        help="full-scale audit rows a day (1/10 seeded)")
    parser.add_argument("--rss-limit", type=float, default=50, help="max RSS growth, MB per 10k requests")
    parser.add_argument("--audit-p95-limit", type=float, default=2.0, help="max auditor query p95, s")
    args = parser.parse_args()
    report = {**machine(), **vars(args)}
    upload = pdf_of_size(20_000, tag="L15")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # this script's own ORM reads between its requests
    with PrivateCluster() as cluster:
        prepare_database(cluster.url)
        setup_django(cluster.url)
        started = time.monotonic()
        report["audit_rows_seeded"] = seed_audit(args.audit_per_day // 10)
        report["seed_s"] = round(time.monotonic() - started, 1)
        drafts = make_filing_drafts(args.users, PASSWORD, hasher=HASHER)
        device = make_auditor()
        from django.db import connection

        from portal.otp import current_code

        connection.close()
        with Gunicorn(cluster.url, BENCH_HASHER=HASHER, workers=WORKERS, threads=THREADS) as web:
            soak = Soak(web.url, drafts, args.rate, args.minutes * 60, web)
            sampler = Sampler(cluster.dsn(), web, interval=1)

            async def scenario():
                await soak.prepare(upload)
                auditor = await soak.auditor_client(lambda: current_code(device))
                await soak.warm_up()
                before = table_bytes("portal_auditevent")
                sampler.start()
                await soak.run(auditor)
                report["samples"] = sampler.stop()
                after = table_bytes("portal_auditevent")
                for client in [auditor, *soak.clients.values()]:
                    await client.aclose()
                return before, after

            (bytes0, rows0, db0), (bytes1, rows1, db1) = asyncio.run(scenario())
            connection.close()
    records, queries = soak.records, soak.audit_queries
    n = len(records)
    per_request = (bytes1 - bytes0) / max(n, 1)
    seconds = args.minutes * 60
    ok_queries = [s for status, s in queries if status == 200]
    report.update({
        "requests": n, "server_errors_5xx": sum(1 for _, s, _ in records if isinstance(s, int) and s >= 500),
        "unanswered": sum(1 for _, s, _ in records if not isinstance(s, int)),
        "statuses": sorted({str(s) for _, s, _ in records}),
        "p95_ms": round(percentile([d for _, s, d in records if s in (200, 302)], 95) * 1000),
        "rss_start_mb": round(soak.rss[0][1]), "rss_end_mb": round(soak.rss[-1][1]),
        "rss_growth_mb_per_10k": slope_per_10k(soak.rss),
        "audit_rows_written": rows1 - rows0, "audit_rows_per_request": round((rows1 - rows0) / max(n, 1), 2),
        "audit_bytes_per_row": round(bytes0 / max(rows0, 1)),
        "audit_mb_per_10k_requests": round(per_request * 10_000 / 2**20, 2),
        "audit_mb_per_day_at_soak_rate": round((bytes1 - bytes0) / seconds * 86400 / 2**20),
        "db_mb_per_10k_requests": round((db1 - db0) / max(n, 1) * 10_000 / 2**20, 1),
        "audit_table_6_months_tenth_mb": round(bytes0 / 2**20),
        "audit_table_6_months_full_mb": round(bytes0 * 10 / 2**20),
        "audit_query_count": len(queries), "audit_query_failed": len(queries) - len(ok_queries),
        "audit_query_p50_ms": round(percentile(ok_queries, 50) * 1000) if ok_queries else None,
        "audit_query_p95_ms": round(percentile(ok_queries, 95) * 1000) if ok_queries else None,
        "load_average_after": load_average(),
    })
    print(report)
    print(f"saved {save('l15_soak', report)}")
    r, s = report, report["samples"]
    figure("L15", f"{args.minutes:g} min at {args.rate:g} req/s ({r['requests']} requests, p95 {r['p95_ms']} ms, "
                  f"5xx "
                  f"{r['server_errors_5xx']}, unanswered {r['unanswered']}): gunicorn RSS {r['rss_start_mb']} → "
                  f"{r['rss_end_mb']} MB, growth {r['rss_growth_mb_per_10k']} MB per 10k requests; PG connections "
                  f"max {s['pg_connections_max']}; CPU mean {s['cpu_mean_pct']}%")
    figure("L15", f"audit: {r['audit_rows_per_request']} rows and {r['audit_mb_per_10k_requests']} MB per 10k "
                  f"requests "
                  f"({r['audit_bytes_per_row']} B/row); {r['audit_mb_per_day_at_soak_rate']} MB/day if "
                  f"{args.rate:g} req/s held 24 h; 6 months at 1/10 scale ({r['audit_rows_seeded']:,} rows) "
                  f"{r['audit_table_6_months_tenth_mb']} MB → ×10 ≈ {r['audit_table_6_months_full_mb']} MB; whole DB "
                  f"{r['db_mb_per_10k_requests']} MB per 10k requests")
    figure("L15", f"auditor query (one user, last 30 days, over {r['audit_rows_seeded']:,}+ rows) under load: p50 "
                  f"{r['audit_query_p50_ms']} ms, p95 {r['audit_query_p95_ms']} ms ({r['audit_query_count']} queries, "
                  f"{r['audit_query_failed']} failed); load average {r['load_average']} → {r['load_average_after']}")
    broken = []
    if r["server_errors_5xx"] or r["unanswered"] or r["audit_query_failed"]:
        broken.append("5xx or unanswered requests")
    if r["rss_growth_mb_per_10k"] is not None and r["rss_growth_mb_per_10k"] > args.rss_limit:
        broken.append("RSS grows faster than the limit")
    if (s["pg_connections_max"] or 0) > WORKERS * THREADS + 4:
        broken.append("more PostgreSQL connections than threads")
    if r["audit_query_p95_ms"] is None or r["audit_query_p95_ms"] > args.audit_p95_limit * 1000:
        broken.append("auditor query too slow")
    if broken:
        print("BROKEN L15: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
