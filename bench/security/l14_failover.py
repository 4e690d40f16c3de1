"""L14 hot standby and failover (security.md §3, simulates 等保 8.1.4.9 b/c), once with asynchronous
and once with synchronous streaming replication (each mode in its own process).

Per mode: a private primary (port 55533 or free) is migrated and seeded with U unit users and
their drafts; a standby is cloned with `pg_basebackup -R -X stream` onto the next free port and
started (cluster_name standby1; in sync mode the primary then gets synchronous_standby_names =
'standby1'). gunicorn runs the portal against the libpq multi-host DSN
`host=127.0.0.1,127.0.0.1 port=P,S target_session_attrs=read-write` (bench_settings reads
BENCH_DB_HOSTS). The users autosave their cover step (a unique tag each time, R operations/s in
all); the client retries a failed save (backoff 0.1 s, up to 30 s). At --crash-at the primary is
stopped with `pg_ctl stop -m immediate` (a crash: no shutdown checkpoint, walsender cut) and the
standby is promoted at once (`pg_ctl promote -w`; no failure detection delay is simulated).

Figures: replay lag p50/p95 ms (pg_stat_replication on the primary before the crash), promote
seconds, failover seconds (crash → first acknowledged write among requests sent after the primary
was down, through the multi-host DSN), failed
requests during the switch, save latency p50 before the crash (the cost of sync commit), and
committed transactions lost: acknowledged saves missing on the promoted standby
(studios_applicationevent, written by pghistory triggers in the same transaction).
Exit 1 when sync mode loses any acknowledged write, or when either mode does not recover within
the run (no acknowledged write after the crash). Async losses are reported, not a failure (that is
what async replication trades).

    .venv/bin/python bench/security/l14_failover.py [--mode both|async|sync] [--users 10] [--rate 20]
                                                    [--seconds 30] [--crash-at 12]
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg2
from common import (
    PG_BIN,
    Gunicorn,
    PrivateCluster,
    as_postgres,
    csrf_token,
    figure,
    free_port,
    load_average,
    machine,
    make_filing_drafts,
    percentile,
    prepare_database,
    save,
    setup_django,
    sign_in,
)

PASSWORD = "Lantern-Violet-93"  # noqa: S105
HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
LOCK = re.compile(r'name="lock_version"[^>]*value="(\d+)"')


class LagSampler(threading.Thread):
    def __init__(self, dsn):
        super().__init__(daemon=True)
        self.dsn, self.lags, self.states = dsn, [], set()
        self._stop_event = threading.Event()

    def run(self):
        conn = psycopg2.connect(self.dsn + " application_name=bench-lag")
        conn.autocommit = True
        while not self._stop_event.wait(0.2):
            try:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT state, sync_state, EXTRACT(epoch FROM replay_lag) * 1000 "
                                   "FROM pg_stat_replication")
                    for state, sync_state, lag in cursor.fetchall():
                        self.states.add(f"{state}/{sync_state}")
                        if lag is not None:
                            self.lags.append(float(lag))
            except psycopg2.Error:
                break
        conn.close()

    def stop(self):
        self._stop_event.set()
        self.join(timeout=5)


class Users:
    def __init__(self, base, drafts, rate):
        self.base, self.drafts, self.period = base, drafts, len(drafts) / rate
        self.acks: list[tuple[float, float, str]] = []  # (request sent, acknowledged, tag)
        self.failures: list[tuple[float, str]] = []
        self.latencies: list[tuple[float, float]] = []
        self.lock: dict[int, int] = {}

    async def read_lock(self, client, pk, until):
        while time.time() < until:
            try:
                page = await client.get(f"/studios/applications/{pk}/step/cover/")
                if page.status_code == 200 and (match := LOCK.search(page.text)):
                    self.lock[pk] = int(match.group(1))
                    return True
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        return False

    async def save(self, client, pk, tag):
        until = time.time() + 30
        while time.time() < until:
            data = {"studio_name": f"压测{pk}技能大师工作室", "work_field": tag, "lock_version": str(self.lock[pk]),
                    "csrfmiddlewaretoken": csrf_token(client)}
            started = time.time()
            try:
                response = await client.post(f"/studios/applications/{pk}/step/cover/autosave/", data=data,
                                             headers={"HX-Request": "true"})
                status = response.status_code
            except httpx.HTTPError as exc:
                response, status = None, type(exc).__name__
            if response is not None and status == 200 and (match := LOCK.search(response.text)):
                self.lock[pk] = int(match.group(1))
                self.acks.append((started, time.time(), tag))
                self.latencies.append((started, time.time() - started))
                return
            self.failures.append((started, str(status)))
            if response is not None and status == 200:  # stale: the DB lost our last save, or it committed
                await self.read_lock(client, pk, until)
            else:
                await asyncio.sleep(0.1)

    async def user(self, index, draft, stop_at):
        client = httpx.AsyncClient(base_url=self.base, timeout=30, follow_redirects=False)
        pk = draft["application"]
        if not await sign_in(client, draft["username"], PASSWORD) or not await self.read_lock(
                client, pk, time.time() + 30):
            raise RuntimeError(f"cannot start {draft['username']}")
        await asyncio.sleep(index * self.period / len(self.drafts))
        n = 0
        while time.time() < stop_at:
            started = time.time()
            await self.save(client, pk, f"L14-{draft['username']}-{n:04d}")
            n += 1
            await asyncio.sleep(max(0.0, self.period - (time.time() - started)))
        await client.aclose()


def wait_for_replication(dsn, sync: bool, timeout=60):
    deadline = time.time() + timeout
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        while time.time() < deadline:
            with conn.cursor() as cursor:
                cursor.execute("SELECT state, sync_state FROM pg_stat_replication")
                rows = cursor.fetchall()
            if rows and rows[0][0] == "streaming" and (not sync or rows[0][1] == "sync"):
                return rows[0]
            time.sleep(0.2)
    finally:
        conn.close()
    raise RuntimeError("standby did not start streaming")


def run_mode(mode: str, args) -> int:
    sync = mode == "sync"
    report = {**machine(), "mode": mode, "users": args.users, "rate": args.rate, "seconds": args.seconds,
              "crash_at": args.crash_at}
    # Away from the 55433+ range the other scripts use: once the primary is down, any read-write
    # server that appeared on its port would be preferred by the DSN (the check below catches it).
    primary_port = free_port(55533)
    standby_port = free_port(primary_port + 1)
    primary = PrivateCluster(port=primary_port,
                             settings={"wal_level": "replica", "max_wal_senders": 5, "wal_keep_size": "256MB"})
    standby = None
    try:
        primary.start()
        prepare_database(primary.url)
        hosts = f"127.0.0.1:{primary_port},127.0.0.1:{standby_port}"
        setup_django(primary.url, BENCH_DB_HOSTS=hosts)
        drafts = make_filing_drafts(args.users, PASSWORD, hasher=HASHER)
        from django.db import connection

        connection.close()
        root = Path(tempfile.mkdtemp(prefix="zjsm-bench-standby-"))
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        started = time.monotonic()
        as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres",
                    "-D", str(root / "data"), "-R", "-X", "stream", "-c", "fast")
        report["basebackup_s"] = round(time.monotonic() - started, 1)
        standby = PrivateCluster(port=standby_port, root=root, settings={"cluster_name": "standby1"})
        standby.launch()
        if sync:  # only now: with no standby connected, every commit would wait forever
            primary.psql("ALTER SYSTEM SET synchronous_standby_names = 'standby1'")
            primary.psql("SELECT pg_reload_conf()")
        report["replication"] = "/".join(wait_for_replication(primary.dsn(), sync))
        lag = LagSampler(primary.dsn())
        with Gunicorn(primary.url, BENCH_HASHER=HASHER, BENCH_DB_HOSTS=hosts) as web:
            users = Users(web.url, drafts, args.rate)
            events = {}

            async def crash():
                await asyncio.sleep(args.crash_at)
                lag.stop()
                events["crash"] = time.time()
                await asyncio.to_thread(primary.ctl, "-m", "immediate", "-w", "stop")
                events["stopped"] = time.time()
                await asyncio.to_thread(standby.ctl, "-w", "-t", "60", "promote")
                events["promoted"] = time.time()

            async def scenario():
                lag.start()
                stop_at = time.time() + args.seconds
                await asyncio.gather(crash(), *(users.user(i, d, stop_at) for i, d in enumerate(drafts)))

            asyncio.run(scenario())
        connection.close()  # its server crashed; the multi-host DSN now finds the promoted standby
        with connection.cursor() as cursor:
            cursor.execute("SELECT work_field FROM studios_applicationevent WHERE work_field LIKE 'L14-%%'")
            stored = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
            recovery, served_by = cursor.fetchone()
        connection.close()
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()
    crash_t = events["crash"]
    acked_before = [tag for _, t, tag in users.acks if t < crash_t]
    # First write acknowledged among requests sent after the old primary was down (a request in
    # flight at the crash may still have committed there).
    after = sorted(t for sent, t, _ in users.acks if sent >= events["stopped"])
    before_lat = [s for t, s in users.latencies if t < crash_t - 0.5]
    report.update({
        "acknowledged": len(users.acks), "acknowledged_before_crash": len(acked_before),
        "lost_acknowledged": sum(1 for _, _, tag in users.acks if tag not in stored),
        "replay_lag_p50_ms": round(percentile(lag.lags, 50), 2) if lag.lags else None,
        "replay_lag_p95_ms": round(percentile(lag.lags, 95), 2) if lag.lags else None,
        "replication_states": sorted(lag.states),
        "stop_immediate_s": round(events["stopped"] - crash_t, 2),
        "promote_s": round(events["promoted"] - events["stopped"], 2),
        "failover_s": round(after[0] - crash_t, 2) if after else None,
        "failed_requests": len(users.failures), "failure_kinds": sorted({k for _, k in users.failures}),
        "save_p50_ms_before_crash": round(percentile(before_lat, 50) * 1000) if before_lat else None,
        "writes_per_s_before_crash": round(len(acked_before) / args.crash_at, 1),
        "after_run_served_by_port": served_by, "served_by_is_standby_port": served_by == standby_port,
        "in_recovery_after": recovery, "load_average_after": load_average(),
    })
    print(report)
    print(f"saved {save(f'l14_failover_{mode}', report)}")
    r = report
    figure("L14", f"{mode} replication ({r['replication']}): replay lag p50 {r['replay_lag_p50_ms']} ms, p95 "
                  f"{r['replay_lag_p95_ms']} ms; save p50 {r['save_p50_ms_before_crash']} ms at "
                  f"{r['writes_per_s_before_crash']} writes/s; primary crashed (stop -m immediate) at "
                  f"{args.crash_at:g} s, promote {r['promote_s']} s, failover to first acknowledged write "
                  f"{r['failover_s']} s through the multi-host DSN; failed requests {r['failed_requests']} "
                  f"({', '.join(r['failure_kinds']) or '-'})")
    figure("L14", f"{mode}: committed (acknowledged) transactions lost {r['lost_acknowledged']} of "
                  f"{r['acknowledged']} ({r['acknowledged_before_crash']} before the crash); new primary port "
                  f"{r['after_run_served_by_port']} (standby's: {r['served_by_is_standby_port']}); load average "
                  f"{r['load_average']} → {r['load_average_after']}")
    broken = []
    if sync and r["lost_acknowledged"]:
        broken.append("sync replication lost acknowledged writes")
    if r["failover_s"] is None:
        broken.append("no acknowledged write after the crash")
    if not r["served_by_is_standby_port"] or r["in_recovery_after"]:
        broken.append("the DSN did not end on the promoted standby")
    if broken:
        print(f"BROKEN L14 ({mode}): " + "; ".join(broken))
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["both", "async", "sync"], default="both")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rate", type=float, default=20, help="saves per second, all users together")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--crash-at", type=float, default=12)
    args = parser.parse_args()
    if args.mode != "both":
        sys.exit(run_mode(args.mode, args))
    rc = 0
    for mode in ("async", "sync"):  # one process each: Django's settings are per process
        cmd = [sys.executable, __file__, "--mode", mode, "--users", str(args.users), "--rate", str(args.rate),
               "--seconds", str(args.seconds), "--crash-at", str(args.crash_at)]
        rc = max(rc, subprocess.run(cmd, check=False).returncode)  # noqa: S603
    sys.exit(rc)


if __name__ == "__main__":
    main()
