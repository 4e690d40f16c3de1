"""Shared pieces of the bounded security benchmarks (security.md §3).

- `PrivateCluster`: a throw-away PostgreSQL 15 cluster in a temp dir on 127.0.0.1:55433, owned by
  the `postgres` user (PostgreSQL refuses to run as root; `runuser` when we are root).
- `prepare_database()`: create the database and migrate it (bench settings).
- `Gunicorn`: the portal under gunicorn gthread, 2 workers × 4 threads, on loopback.
Every script bounds its own run (< 5 minutes) and talks to 127.0.0.1 only.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = int(os.environ.get("BENCH_PG_PORT", "55433"))
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "8765"))
RESULTS = REPO / "bench" / "results"


def as_postgres(*cmd, **kwargs):
    if os.geteuid() == 0:
        cmd = ("runuser", "-u", "postgres", "--", *cmd)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


class PrivateCluster:
    def __init__(self, port: int = PORT):
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="zjsm-bench-pg-"))
        self.data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/zjsm_bench"

    def ctl(self, *args):
        return as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"), *args)

    def start(self):
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                    "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c max_connections=100"
        self.ctl("-o", options, "-w", "start")
        as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "zjsm_bench")
        return self

    def restart(self):
        return self.ctl("-m", "fast", "-w", "restart")

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def bench_env(database_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench_settings",
           "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}", **extra}
    env.pop("REDIS_URL", None)
    return env


def setup_django(database_url: str, **extra):
    os.environ.update(bench_env(database_url, **extra))
    sys.path[:0] = [str(HERE), str(REPO)]
    import django

    django.setup()


def manage(database_url: str, *args, **extra):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=bench_env(database_url, **extra),  # noqa: S603
                          check=True, capture_output=True, text=True)


def prepare_database(database_url: str):
    started = time.monotonic()
    manage(database_url, "migrate", "--noinput")
    return time.monotonic() - started


class Gunicorn:
    def __init__(self, database_url: str, port: int = WEB_PORT, **extra_env):
        self.port = port
        self.env = bench_env(database_url, **extra_env)
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = open(Path(tempfile.gettempdir()) / f"zjsm-bench-gunicorn-{self.port}.log", "w")
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{self.port}",
             "-k", "gthread", "--workers", "2", "--threads", "4", "--timeout", "60"],
            cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2)  # noqa: S310
                return self
            except Exception:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path


def make_unit_users(count: int, password: str, hasher_path: str | None = None) -> list[str]:
    """`count` unit users sharing one password hash (hashing it once keeps set-up fast)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from portal.enums import Role
    from portal.models import Channel, RoleAssignment, Unit, User

    channel = Channel.objects.order_by("id").first()
    unit, _ = Unit.objects.get_or_create(
        name="镇江压测机械有限公司",
        defaults={"uscc": "91321102MA1BENCH01", "unit_type": "10", "ownership": "10", "channel": channel,
                  "address": "镇江市京口区学府路1号", "postcode": "212001", "contact_name": "压测",
                  "contact_phone": "13900000000"},
    )
    from django.utils.module_loading import import_string

    encoded = make_password(password, hasher=import_string(hasher_path)() if hasher_path else "default")
    names = [f"bench_u{i:03d}" for i in range(count)]
    for name in names:
        user, _ = User.objects.get_or_create(username=name, defaults={"must_change_password": False})
        User.objects.filter(pk=user.pk).update(password=encoded, password_changed_at=timezone.now(),
                                               must_change_password=False)
        RoleAssignment.objects.get_or_create(user=user, role=Role.UNIT, unit=unit)
    return names
