"""L7 DB restart mid-load (security.md §3): 20 req/s for 60 s against gunicorn; at t = 20 s the
private cluster (127.0.0.1:55433) is restarted with `pg_ctl restart -m fast`.

Load: signed-in dashboard GETs (session and role reads) with every 4th request a full login
POST (session, last_login, audit row writes). Reports failed requests during the outage, outage
seconds, errors after recovery (should be 0 thanks to CONN_HEALTH_CHECKS), tracebacks leaked
in responses (A5 16.5.1), and whether the audit hash chain is intact afterwards (no partial or
broken writes). Bounded to about 2 minutes.

    .venv/bin/python bench/security/l7_db_restart.py [--rate 20] [--seconds 60] [--restart-at 20]
"""

import argparse
import asyncio
import re
import threading
import time

import httpx
from common import Gunicorn, PrivateCluster, make_unit_users, prepare_database, save, setup_django

PASSWORD = "Lantern-Violet-93"  # noqa: S105
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LEAK = re.compile(r"Traceback|psycopg2|OperationalError|File \"/")


async def signed_in_client(base, username):
    client = httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False)
    page = await client.get("/accounts/login/")
    await client.post("/accounts/login/", data={"username": username, "password": PASSWORD,
                                                "csrfmiddlewaretoken": CSRF.search(page.text).group(1)})
    return client


async def login_once(base, username):
    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False) as client:
        page = await client.get("/accounts/login/")
        match = CSRF.search(page.text)
        if page.status_code != 200 or not match:
            return page
        return await client.post("/accounts/login/", data={"username": username, "password": PASSWORD,
                                                           "csrfmiddlewaretoken": match.group(1)})


async def run(base, users, rate, seconds, t0):
    session = await signed_in_client(base, users[0])
    records = []

    async def request(i):
        sent = time.perf_counter() - t0
        try:
            if i % 4 == 3:
                response = await login_once(base, users[1 + i % (len(users) - 1)])
                ok = response.status_code == 302
            else:
                response = await session.get("/dashboard/")
                ok = response.status_code == 200
            leak = bool(LEAK.search(response.text))
            records.append((sent, ok, response.status_code, leak))
        except Exception as exc:
            records.append((sent, False, type(exc).__name__, False))

    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(request(i)))
    await asyncio.gather(*tasks)
    await session.aclose()
    return sorted(records)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--restart-at", type=float, default=20)
    args = parser.parse_args()
    with PrivateCluster() as cluster:
        prepare_database(cluster.url)
        setup_django(cluster.url)
        users = make_unit_users(20, PASSWORD, "django.contrib.auth.hashers.PBKDF2PasswordHasher")
        restart = {}
        with Gunicorn(cluster.url) as web:
            t0 = time.perf_counter()

            def restart_db():
                time.sleep(args.restart_at)
                restart["start"] = time.perf_counter() - t0
                cluster.restart()
                restart["end"] = time.perf_counter() - t0

            thread = threading.Thread(target=restart_db)
            thread.start()
            records = asyncio.run(run(web.url, users, args.rate, args.seconds, t0))
            thread.join()
        from django.db import connection

        connection.close()
        from portal.audit_tools import verify_chain

        broken = verify_chain()
    failures = [r for r in records if not r[1]]
    first_fail = failures[0][0] if failures else None
    last_fail = failures[-1][0] if failures else None
    after = [r for r in records if r[0] > (last_fail or restart["end"]) + 0.001]
    report = {
        "requests": len(records), "failed": len(failures),
        "failure_statuses": sorted({str(r[2]) for r in failures}),
        "restart_window_s": [round(restart["start"], 2), round(restart["end"], 2)],
        "outage_s": round(last_fail - first_fail, 2) if failures else 0,
        "errors_after_recovery": sum(1 for r in records if r[0] > restart["end"] + 2 and not r[1]),
        "ok_after_recovery": sum(1 for r in after if r[1]),
        "tracebacks_leaked": sum(1 for r in records if r[3]),
        "audit_chain_broken_rows": len(broken),
    }
    print(report)
    print(f"saved {save('l7_db_restart', report)}")


if __name__ == "__main__":
    main()
