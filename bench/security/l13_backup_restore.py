"""L13 backup, restore and PITR (security.md §3, 等保 8.1.4.9 a) on a private cluster (55433 or
free) that archives its WAL to a local directory (archive_mode on, archive_timeout A s).

1. Logical backup: seed units and audit rows, `portal.backup.backup` (pg_dump -Fc + manifest),
   `portal.backup.restore` into a new database, compare per-table row counts. Dump MB and
   seconds, restore seconds (RTO proxy).
2. PITR: `pg_basebackup` of the seeded cluster; then committed probe writes (20/s, each with
   its commit time) for P s; T is taken; P s more writes ending with an operator error (a DELETE of
   every probe row written before T); writes continue A + 4 s; the primary crashes
   (`pg_ctl stop -m immediate`).
   a. Recovery to T: base backup + archived WAL, recovery_target_time = T, on a new port.
      Rows written after T must be 0 and every row committed before T must be there.
   b. Recovery to the end of the archive (the disk of the primary is lost, only the archive
      survives): RPO = last commit acknowledged on the primary − last commit present.
   Recovery seconds (RTO of PITR) for both.

Exit 1 when a row count differs after restore, a row after T survives, a row before T is missing,
or the RPO exceeds archive_timeout + 2 s.
Reviews scoring does not exist yet: the spec's 50k scores are not seeded.

    .venv/bin/python bench/security/l13_backup_restore.py [--units 5000] [--audit 200000]
                                                           [--archive-timeout 10] [--phase 8] [--no-pitr]
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
from common import (
    PG_BIN,
    PrivateCluster,
    as_postgres,
    figure,
    free_port,
    load_average,
    machine,
    prepare_database,
    save,
    setup_django,
)


def seed(units: int, audit: int):
    from django.db import connection

    from portal.models import Channel

    channel = Channel.objects.order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO portal_unit (name, uscc, unit_type, ownership, channel_id, address, postcode,
                   contact_name, contact_phone, email, is_active, created_at, updated_at)
               SELECT '压测单位' || i, '91321102BENCH' || lpad(i::text, 5, '0'), '10', '10', %s,
                      '镇江市京口区学府路' || i || '号', '212001', '联系人', 'dev1:bench', '', true, now(), now()
               FROM generate_series(1, %s) i""",
            [channel.id, units],
        )
        cursor.execute(
            """INSERT INTO portal_auditevent (created_at, actor_id, actor_username, actor_role, ip, action, outcome,
                   object_type, object_id, path, request_id, detail, prev_hash, hash)
               SELECT now() - (i || ' seconds')::interval, mod(i, 500), 'user' || mod(i, 500), 'unit', '10.0.0.1',
                      'login', 'success', '', '', '/accounts/login/', md5(i::text), '{}'::jsonb,
                      md5((i - 1)::text) || md5((i - 1)::text), md5(i::text) || md5(i::text)
               FROM generate_series(1, %s) i""",
            [audit],
        )


def logical(args, report):
    from portal.backup import backup, restore

    started = time.monotonic()
    seed(args.units, args.audit)
    report["seed_s"] = round(time.monotonic() - started, 1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "backup"
        started = time.monotonic()
        manifest = backup(folder, media_root=Path(tmp) / "no-media")
        report["backup_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        result = restore(folder, database="zjsm_bench_restored", media_root=Path(tmp) / "media-restored")
        report["restore_s"] = round(time.monotonic() - started, 1)
    report.update({
        "rows_total": sum(manifest["tables"].values()),
        "dump_mb": round(manifest["files"]["db.dump"]["bytes"] / 2**20, 1),
        "row_count_differences": len(result["differences"]),
    })


class ProbeWriter(threading.Thread):
    """Commits one probe row every 1/rate s; keeps (id, commit time acknowledged) per row."""

    def __init__(self, dsn: str, rate: float = 20):
        super().__init__(daemon=True)
        self.dsn, self.rate = dsn, rate
        self.phase = 1
        self.acked: list[tuple[int, float, int]] = []  # (id, acknowledged epoch, phase)
        self.errors = 0
        self._stop_event = threading.Event()

    def run(self):
        conn = psycopg2.connect(self.dsn + " application_name=bench-pitr")
        conn.autocommit = True
        while not self._stop_event.wait(1 / self.rate):
            try:
                with conn.cursor() as cursor:
                    cursor.execute("INSERT INTO pitr_probe (phase) VALUES (%s) RETURNING id", [self.phase])
                    row_id = cursor.fetchone()[0]
                self.acked.append((row_id, time.time(), self.phase))
            except psycopg2.Error:
                self.errors += 1
                break
        conn.close()

    def stop(self):
        self._stop_event.set()
        self.join(timeout=10)


def recover(base: Path, archive: Path, port: int, target_time: str | None) -> tuple[PrivateCluster, float]:
    """A new cluster from the base backup that replays the archive (to `target_time`, or to its end)."""
    root = Path(tempfile.mkdtemp(prefix="zjsm-bench-pitr-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    as_postgres("cp", "-a", str(base), str(root / "data"))
    as_postgres("touch", str(root / "data" / "recovery.signal"))
    settings = {"restore_command": f"cp {archive}/%f %p", "recovery_target_action": "promote"}
    if target_time:
        settings.update(recovery_target_time=target_time, recovery_target_inclusive="false")
    cluster = PrivateCluster(port=port, root=root, settings=settings)
    started = time.monotonic()
    cluster.launch()
    deadline = time.monotonic() + 120
    while cluster.psql("SELECT pg_is_in_recovery()") != "f":
        if time.monotonic() > deadline:
            raise RuntimeError("recovery did not finish")
        time.sleep(0.1)
    return cluster, time.monotonic() - started


def pitr(cluster: PrivateCluster, archive: Path, args, report):
    cluster.psql("CREATE TABLE pitr_probe (id bigserial PRIMARY KEY, phase int NOT NULL, "
                 "at timestamptz NOT NULL DEFAULT clock_timestamp())")
    base = cluster.root / "base"
    started = time.monotonic()
    as_postgres(str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                "-D", str(base), "-X", "stream", "-c", "fast")
    report["basebackup_s"] = round(time.monotonic() - started, 1)
    report["basebackup_mb"] = round(sum(p.stat().st_size for p in base.rglob("*") if p.is_file()) / 2**20)
    writer = ProbeWriter(cluster.dsn())
    writer.start()
    time.sleep(args.phase)
    target, target_epoch = cluster.psql(
        "WITH t AS (SELECT clock_timestamp() AS c) "
        "SELECT to_char(c, 'YYYY-MM-DD HH24:MI:SS.USOF') || '|' || extract(epoch FROM c) FROM t").split("|")
    target_epoch = float(target_epoch)
    writer.phase = 2
    time.sleep(args.phase)
    deleted = cluster.psql("WITH gone AS (DELETE FROM pitr_probe WHERE phase = 1 RETURNING 1) "
                           "SELECT count(*) FROM gone")
    writer.phase = 3
    time.sleep(args.archive_timeout + 4)
    crash = time.time()
    cluster.ctl("-m", "immediate", "-w", "stop")
    writer.stop()
    report["archived_segments"] = len([p for p in archive.iterdir() if len(p.name) == 24])
    before_t = {row_id for row_id, at, _ in writer.acked if at < target_epoch}
    last_ack = max(at for _, at, _ in writer.acked)

    port = free_port(cluster.port + 1)
    to_t, to_t_s = recover(base, archive, port, target)
    try:
        present = {int(x) for x in to_t.psql("SELECT id FROM pitr_probe").split()}
        after_t = int(to_t.psql(  # the value is the server's own clock reading
            f"SELECT count(*) FROM pitr_probe WHERE extract(epoch FROM at) >= {target_epoch:.6f}"))  # noqa: S608
        later_phase = int(to_t.psql("SELECT count(*) FROM pitr_probe WHERE phase > 1"))
    finally:
        to_t.stop()
    to_end, to_end_s = recover(base, archive, port, None)
    try:
        last_present = to_end.psql("SELECT coalesce(max(extract(epoch FROM at)), 0) FROM pitr_probe")
    finally:
        to_end.stop()
    report.update({
        "probe_rows_acknowledged": len(writer.acked), "probe_rows_before_t": len(before_t),
        "operator_error_deleted": int(deleted), "target_time": target,
        "recovery_to_t_s": round(to_t_s, 1), "rows_before_t_missing": len(before_t - present),
        "rows_after_t": after_t, "rows_of_later_phases": later_phase,
        "recovery_to_end_s": round(to_end_s, 1),
        "rpo_s": round(last_ack - float(last_present), 1), "crash_after_last_ack_s": round(crash - last_ack, 2),
    })


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--audit", type=int, default=200_000)
    parser.add_argument("--archive-timeout", type=int, default=10, help="archive_timeout, s (production: 60)")
    parser.add_argument("--phase", type=float, default=8, help="seconds of probe writes before and after T")
    parser.add_argument("--no-pitr", action="store_true")
    args = parser.parse_args()
    report = {**machine(), **vars(args)}
    archive = Path(tempfile.mkdtemp(prefix="zjsm-bench-wal-"))
    if os.geteuid() == 0:
        shutil.chown(archive, "postgres", "postgres")
    settings = {"wal_level": "replica", "archive_mode": "on", "archive_timeout": args.archive_timeout,
                "archive_command": f"test ! -f {archive}/%f && cp %p {archive}/%f"}
    try:
        with PrivateCluster(settings=settings) as cluster:
            prepare_database(cluster.url)
            setup_django(cluster.url)
            logical(args, report)
            from django.db import connections

            connections.close_all()
            if not args.no_pitr:
                pitr(cluster, archive, args, report)
    finally:
        shutil.rmtree(archive, ignore_errors=True)
    report["load_average_after"] = load_average()
    print(report)
    print(f"saved {save('l13_backup_restore', report)}")
    r = report
    figure("L13", f"{args.units:,} units + {args.audit:,} audit rows ({r['rows_total']:,} rows): dump "
                  f"{r['dump_mb']} MB in {r['backup_s']} s, restore {r['restore_s']} s (RTO proxy), row-count "
                  f"differences {r['row_count_differences']}")
    broken = []
    if r["row_count_differences"]:
        broken.append("row counts differ after restore")
    if not args.no_pitr:
        figure("L13", f"PITR: base backup {r['basebackup_mb']} MB in {r['basebackup_s']} s, WAL archived to a local "
                      f"dir (archive_timeout {args.archive_timeout} s, {r['archived_segments']} segments); recovery "
                      f"to T in {r['recovery_to_t_s']} s: rows after T {r['rows_after_t']} (later phases "
                      f"{r['rows_of_later_phases']}), rows committed before T missing {r['rows_before_t_missing']} "
                      f"of {r['probe_rows_before_t']} (the operator error after T deleted "
                      f"{r['operator_error_deleted']})")
        figure("L13", f"PITR to the end of the archive after a crash: {r['recovery_to_end_s']} s, RPO "
                      f"{r['rpo_s']} s of committed writes lost (bound: archive_timeout {args.archive_timeout} s); "
                      f"load average {r['load_average']} → {r['load_average_after']}")
        if r["rows_after_t"] or r["rows_of_later_phases"]:
            broken.append("rows after T survived recovery to T")
        if r["rows_before_t_missing"]:
            broken.append("rows committed before T missing")
        if r["rpo_s"] > args.archive_timeout + 2:
            broken.append("RPO above archive_timeout")
    if broken:
        print("BROKEN L13: " + "; ".join(broken))
        sys.exit(1)


if __name__ == "__main__":
    main()
