"""L6 login storm (security.md §3): 300 logins in 60 s against gunicorn (2 workers × 4 threads) on
2 cores, PBKDF2 (Django default, 1,000,000 iterations) vs Argon2 (Django default parameters).

Open loop: logins started at a fixed rate (default 5/s for 60 s = 300); then a closed loop of 8
concurrent clients for 15 s gives the sustainable logins/s. Reports p50/p95 login latency,
failures, CPU%. Private cluster on 127.0.0.1:55433; bounded to about 3 minutes.

    .venv/bin/python bench/security/l6_login_storm.py [--rate 5] [--seconds 60] [--closed 15]
"""

import argparse
import asyncio
import re
import statistics
import time

import httpx
import psutil
from common import Gunicorn, PrivateCluster, make_unit_users, percentile, prepare_database, save, setup_django

PASSWORD = "Lantern-Violet-93"  # noqa: S105
HASHERS = {
    "pbkdf2": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


async def one_login(base: str, username: str) -> tuple[float, int]:
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        page = await client.get("/accounts/login/")
        token = CSRF.search(page.text).group(1)
        started = time.perf_counter()
        response = await client.post("/accounts/login/", data={
            "username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
        return time.perf_counter() - started, response.status_code


async def open_loop(base, users, rate, seconds):
    tasks, start = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_login(base, users[i % len(users)])))
    return await asyncio.gather(*tasks, return_exceptions=True), time.perf_counter() - start


async def closed_loop(base, users, workers, seconds):
    results, stop = [], time.perf_counter() + seconds

    async def worker(n):
        i = n
        while time.perf_counter() < stop:
            try:
                results.append(await one_login(base, users[i % len(users)]))
            except Exception as exc:
                results.append(exc)
            i += workers

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(workers)))
    return results, time.perf_counter() - start


def summarise(results, elapsed):
    ok = [r for r in results if isinstance(r, tuple) and r[1] == 302]
    latencies = [r[0] * 1000 for r in ok]
    return {
        "attempts": len(results), "ok": len(ok), "failed": len(results) - len(ok),
        "failure_kinds": sorted({str(r[1]) if isinstance(r, tuple) else type(r).__name__
                                 for r in results if not (isinstance(r, tuple) and r[1] == 302)}),
        "logins_per_s": round(len(ok) / elapsed, 2),
        "p50_ms": round(statistics.median(latencies)) if latencies else None,
        "p95_ms": round(percentile(latencies, 95)) if latencies else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--closed", type=float, default=15)
    args = parser.parse_args()
    report = {"cores": psutil.cpu_count(), "rate": args.rate, "seconds": args.seconds}
    with PrivateCluster() as cluster:
        report["migrate_s"] = round(prepare_database(cluster.url), 1)
        setup_django(cluster.url)
        for name, path in HASHERS.items():
            users = make_unit_users(50, PASSWORD, path)
            with Gunicorn(cluster.url, BENCH_HASHER=path) as web:
                psutil.cpu_percent(None)
                results, elapsed = asyncio.run(open_loop(web.url, users, args.rate, args.seconds))
                cpu_open = psutil.cpu_percent(None)
                closed, closed_elapsed = asyncio.run(closed_loop(web.url, users, 8, args.closed))
                cpu_closed = psutil.cpu_percent(None)
            report[name] = {"open_loop": {**summarise(results, elapsed), "cpu_pct": cpu_open},
                            "closed_loop_8": {**summarise(closed, closed_elapsed), "cpu_pct": cpu_closed}}
            print(name, report[name], flush=True)
    path = save("l6_login_storm", report)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
