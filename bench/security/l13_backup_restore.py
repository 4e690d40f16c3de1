"""L13 backup and restore timing (security.md §3, 等保 8.1.4.9 a) on the private cluster
(127.0.0.1:55433): seed units and audit rows, `manage.py backup`, `manage.py restore` into a new
database, compare per-table row counts. Reports dump MB, dump/restore seconds (RTO proxy).
PITR (WAL archive + recovery to T) is not covered here. Bounded to about 3 minutes.

    .venv/bin/python bench/security/l13_backup_restore.py [--units 5000] [--audit 200000]
"""

import argparse
import tempfile
import time
from pathlib import Path

from common import PrivateCluster, prepare_database, save, setup_django


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--audit", type=int, default=200_000)
    args = parser.parse_args()
    with PrivateCluster() as cluster:
        prepare_database(cluster.url)
        setup_django(cluster.url)
        from portal.backup import backup, restore

        started = time.monotonic()
        seed(args.units, args.audit)
        seed_s = time.monotonic() - started
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "backup"
            started = time.monotonic()
            manifest = backup(folder, media_root=Path(tmp) / "no-media")
            backup_s = time.monotonic() - started
            started = time.monotonic()
            result = restore(folder, database="zjsm_bench_restored", media_root=Path(tmp) / "media-restored")
            restore_s = time.monotonic() - started
        report = {
            "units": args.units, "audit_rows": args.audit, "seed_s": round(seed_s, 1),
            "rows_total": sum(manifest["tables"].values()),
            "dump_mb": round(manifest["files"]["db.dump"]["bytes"] / 2**20, 1),
            "backup_s": round(backup_s, 1), "restore_s": round(restore_s, 1),
            "row_count_differences": len(result["differences"]),
        }
    print(report)
    print(f"saved {save('l13_backup_restore', report)}")


if __name__ == "__main__":
    main()
