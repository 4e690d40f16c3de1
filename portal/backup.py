"""Backup and restore (等保 8.1.4.9 a): `manage.py backup` / `manage.py restore`.

A backup is a folder holding
- `db.dump`: `pg_dump -Fc` of the database (schema, data, triggers; owners and grants left out),
- `media.tar.gz`: the uploaded files under MEDIA_ROOT,
- `manifest.json`: sha256 and size of both files, per-table row counts, source database, time.
`restore` checks every sha256 first, restores into a NEW database (never over the live one),
unpacks the media into an empty folder and compares the row counts with the manifest.
Credentials reach pg_dump/pg_restore through the environment (PGPASSWORD), never the command line.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import psycopg2
from django.conf import settings
from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "db.dump"
MEDIA = "media.tar.gz"


class BackupError(Exception):
    pass


def pg_env(db: dict | None = None, *, name: str | None = None) -> dict:
    db = db or settings.DATABASES["default"]
    env = {**os.environ}
    mapping = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
               "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": name or db.get("NAME")}
    env.update({k: str(v) for k, v in mapping.items() if v})
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def connect(name: str | None = None):
    db = settings.DATABASES["default"]
    params = {"dbname": name or db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
              "host": db.get("HOST") or None, "port": db.get("PORT") or None}
    params.update({k: v for k, v in (db.get("OPTIONS") or {}).items() if k == "sslmode"})
    return psycopg2.connect(**{k: v for k, v in params.items() if v})


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_stats(name: str | None = None, *, checksums: bool = False) -> dict[str, dict]:
    """Per-table row count (and md5 of the rows' text, sorted) of the public schema."""
    stats = {}
    with connect(name) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        for (table,) in cursor.fetchall():
            quoted = '"' + table.replace('"', '""') + '"'
            if checksums:
                cursor.execute(
                    f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "  # noqa: S608
                    f"FROM {quoted} t"
                )
                count, md5 = cursor.fetchone()
                stats[table] = {"rows": count, "md5": md5}
            else:
                cursor.execute(f"SELECT count(*) FROM {quoted}")  # noqa: S608
                stats[table] = {"rows": cursor.fetchone()[0]}
    conn.close()
    return stats


def backup(output: Path, *, media_root: Path | None = None) -> dict:
    output.mkdir(parents=True, exist_ok=False)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(output / DUMP)],  # noqa: S607
        env=pg_env(), check=True, capture_output=True,
    )
    dump_seconds = time.monotonic() - started
    with tarfile.open(output / MEDIA, "w:gz") as tar:
        if media_root.is_dir():
            tar.add(media_root, arcname="media")
    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "database": settings.DATABASES["default"]["NAME"],
        "files": {name: {"sha256": sha256_file(output / name), "bytes": (output / name).stat().st_size}
                  for name in (DUMP, MEDIA)},
        "tables": {table: s["rows"] for table, s in table_stats().items()},
        "seconds": {"dump": round(dump_seconds, 3), "total": round(time.monotonic() - started, 3)},
    }
    (output / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def verify(folder: Path) -> dict:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name, meta in manifest["files"].items():
        if sha256_file(folder / name) != meta["sha256"]:
            raise BackupError(f"{name}: sha256 does not match the manifest (corrupt or altered backup)")
    return manifest


def database_exists(name: str) -> bool:
    with connect("postgres") as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


def _admin_sql(sql: str) -> None:
    conn = connect("postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def create_database(name: str) -> None:
    _admin_sql(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(folder: Path, *, database: str, media_root: Path | None = None) -> dict:
    if not database or any(c in database for c in '"\x00'):
        raise BackupError("invalid database name")
    if database == settings.DATABASES["default"]["NAME"]:
        raise BackupError("refusing to restore over the database in use; restore into a new database and switch")
    if database_exists(database):
        raise BackupError(f"database {database!r} already exists")
    manifest = verify(folder)
    started = time.monotonic()
    create_database(database)
    try:
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", database,  # noqa: S607
             str(folder / DUMP)],
            env=pg_env(name=database), check=True, capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        drop_database(database)
        raise BackupError(f"pg_restore failed: {exc.stderr.decode(errors='replace')[-2000:]}") from exc
    restore_seconds = time.monotonic() - started
    if media_root is not None:
        media_root = Path(media_root)
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"{media_root} is not empty")
        staging = media_root.with_name(media_root.name + ".restoring")
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(folder / MEDIA, "r:gz") as tar:
            tar.extractall(staging, filter="data")
        media_root.parent.mkdir(parents=True, exist_ok=True)
        if media_root.exists():
            media_root.rmdir()
        (staging / "media").rename(media_root) if (staging / "media").exists() else media_root.mkdir()
        shutil.rmtree(staging, ignore_errors=True)
    counts = {table: s["rows"] for table, s in table_stats(database).items()}
    differences = {t: (manifest["tables"].get(t), counts.get(t)) for t in set(manifest["tables"]) | set(counts)
                   if manifest["tables"].get(t) != counts.get(t)}
    return {"manifest": manifest, "differences": differences, "seconds": round(restore_seconds, 3)}
