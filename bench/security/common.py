"""Shared pieces of the bounded security benchmarks (security.md §3).

- `PrivateCluster`: a throw-away PostgreSQL 15 cluster in a temp dir on 127.0.0.1 (55433 or the
  next free port), owned by the `postgres` user (PostgreSQL refuses to run as root; `runuser`
  when we are root). Extra server settings (`settings={...}`) for WAL archiving or replication.
- `prepare_database()`: create the database and migrate it (bench settings).
- `Gunicorn`: the portal under gunicorn gthread, 2 workers × 4 threads, on loopback (8765 or the
  next free port); `worker_pids()` for the worker-kill scenario.
- `Sampler`: background sampling of CPU %, PostgreSQL connections and the gunicorn tree's RSS.
- `make_filing_drafts()`: units with one complete Annex 1 draft each (all but the evidence).
- `figure()` prints the `FIGURE Lx: ...` lines; `load_average()` the machine's load.
Every script bounds its own run (< 5 minutes) and talks to 127.0.0.1 only.
"""

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
RESULTS = REPO / "bench" / "results"

# `timeout` and Ctrl-C end a run through SIGTERM/SIGINT: exit through Python so that the context
# managers stop gunicorn and the private clusters and remove their directories.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred: int, *, avoid: tuple[int, ...] = ()) -> int:
    """`preferred` if nothing listens on it on 127.0.0.1, else the next free port above it."""
    for port in range(preferred, preferred + 200):
        if port not in avoid and port_free(port):
            return port
    raise RuntimeError(f"no free port near {preferred}")


PORT = int(os.environ.get("BENCH_PG_PORT", "0")) or free_port(55433)
WEB_PORT = int(os.environ.get("BENCH_WEB_PORT", "0")) or free_port(8765)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def figure(scenario: str, text: str) -> None:
    """One result line in the format the reports quote: `FIGURE L1: ...`."""
    print(f"FIGURE {scenario}: {text}", flush=True)


def machine() -> dict:
    import psutil

    return {"cores": psutil.cpu_count(), "load_average": load_average(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}


def as_postgres(*cmd, **kwargs):
    if os.geteuid() == 0:
        cmd = ("runuser", "-u", "postgres", "--", *cmd)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


class PrivateCluster:
    """A throw-away cluster. `settings` go to postgresql.auto.conf-like `-c` options at every start;
    `data` (a directory prepared elsewhere, e.g. by pg_basebackup) skips initdb."""

    def __init__(self, port: int | None = None, settings: dict | None = None, root: Path | None = None):
        self.port = port or PORT
        self.root = root or Path(tempfile.mkdtemp(prefix="zjsm-bench-pg-"))
        self.data = self.root / "data"
        self.settings = {"listen_addresses": "127.0.0.1", "max_connections": 100, **(settings or {})}
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/zjsm_bench"

    def dsn(self, dbname: str = "zjsm_bench") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def ctl(self, *args, check: bool = True):
        cmd = (str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"), *args)
        if check:
            return as_postgres(*cmd)
        if os.geteuid() == 0:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True)  # noqa: S603

    def options(self) -> str:
        parts = [f"-p {self.port}", f"-k {self.root}"]
        # pg_ctl hands the options to /bin/sh: quote values such as archive_command.
        parts += [f"-c {key}={shlex.quote(str(value))}" for key, value in self.settings.items()]
        return " ".join(parts)

    def initdb(self):
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                    "-E", "UTF8", "--locale=C.UTF-8")
        # Local replication connections (pg_basebackup, standbys) are trusted like the rest.
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")

    def launch(self):
        self.ctl("-o", self.options(), "-w", "-t", "60", "start")
        return self

    def start(self, create_db: bool = True):
        self.initdb()
        self.launch()
        if create_db:
            self.psql("CREATE DATABASE zjsm_bench", dbname="postgres")
        return self

    def psql(self, sql: str, dbname: str = "zjsm_bench") -> str:
        return as_postgres(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                           "-d", dbname, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql).stdout.strip()

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
    def __init__(self, database_url: str, port: int = WEB_PORT, *, workers: int = 2, threads: int = 4,
                 timeout: int = 60, **extra_env):
        self.port = port
        self.env = bench_env(database_url, **extra_env)
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = open(Path(tempfile.gettempdir()) / f"zjsm-bench-gunicorn-{self.port}.log", "w")
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{self.port}",
             "-k", "gthread", "--workers", str(self.workers), "--threads", str(self.threads),
             "--timeout", str(self.timeout)],
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

    def worker_pids(self) -> list[int]:
        import psutil

        return sorted(child.pid for child in psutil.Process(self.proc.pid).children())

    def rss_mb(self) -> float:
        """Resident memory of the master and its workers, MB."""
        import psutil

        total = 0
        try:
            master = psutil.Process(self.proc.pid)
            for proc in [master, *master.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
        except psutil.Error:
            return 0.0
        return total / 2**20


class Sampler(threading.Thread):
    """Samples every `interval` s until stopped: machine CPU %, PostgreSQL client connections
    (pg_stat_activity, over its own connection) and, given a Gunicorn, the RSS of its tree."""

    def __init__(self, dsn: str | None = None, web: "Gunicorn | None" = None, interval: float = 0.5):
        super().__init__(daemon=True)
        self.dsn, self.web, self.interval = dsn, web, interval
        self.cpu: list[float] = []
        self.pg_connections: list[int] = []
        self.rss: list[float] = []
        self._stop_event = threading.Event()

    def run(self):
        import psutil
        import psycopg2

        psutil.cpu_percent(None)
        conn = None
        while not self._stop_event.wait(self.interval):
            self.cpu.append(psutil.cpu_percent(None))
            if self.web is not None:
                self.rss.append(self.web.rss_mb())
            if self.dsn:
                try:
                    if conn is None or conn.closed:
                        conn = psycopg2.connect(self.dsn, connect_timeout=2)
                        conn.autocommit = True
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                                       " AND pid <> pg_backend_pid()")
                        self.pg_connections.append(cursor.fetchone()[0])
                except psycopg2.Error:
                    conn = None
        if conn is not None and not conn.closed:
            conn.close()

    def stop(self) -> dict:
        self._stop_event.set()
        self.join(timeout=10)
        return {
            "cpu_peak_pct": max(self.cpu, default=None), "cpu_mean_pct": round(sum(self.cpu) / len(self.cpu), 1)
            if self.cpu else None,
            "pg_connections_max": max(self.pg_connections, default=None),
            "rss_max_mb": round(max(self.rss), 1) if self.rss else None,
        }


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


# --- Annex 1 drafts for the filing scenarios (L1, L8, L10, L12, L15) ----------------------------

def make_campaign(*, filing_open_hours: float = 24):
    """The current campaign (created if missing) with its filing window open for a while."""
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import Campaign

    now = timezone.now()
    campaign, _ = Campaign.objects.update_or_create(year=now.year, defaults={
        "title": f"{now.year}年镇江市技能大师工作室申报认定和评估考核工作（压测）", "doc_number": "压测",
        "is_published": True, "published_on": now.date(),
        "unit_filing_deadline": now + timedelta(hours=filing_open_hours),
        "channel_review_deadline": now + timedelta(days=10), "expert_review_deadline": now + timedelta(days=40),
        "city_decision_deadline": now + timedelta(days=90), "evaluation_filing_deadline": now + timedelta(days=10),
    })
    return campaign


def lead_id_number(n: int) -> str:
    """A checksum-valid 18-digit ID number, distinct for n < 28,000 (bench leads only)."""
    from portal.validators import id_check_char

    first17 = f"321102{19700101 + (n % 28):08d}{(n // 28) % 1000:03d}"
    return first17 + id_check_char(first17)


def _uscc(n: int) -> str:
    from portal.validators import USCC_ALPHABET, uscc_check_char

    org, value = [], n
    for _ in range(9):
        value, digit = divmod(value, 31)
        org.append(USCC_ALPHABET[digit])
    first17 = "91321102" + "".join(reversed(org))
    return first17 + uscc_check_char(first17)


def annex1_fields(unit_name: str, n: int, text_repeat: int = 1) -> dict:
    from datetime import date
    from decimal import Decimal

    para = ("主持完成数控加工技术攻关项目12项，累计创造经济效益800余万元；带徒30余名，其中技师以上12名。"
            * text_repeat)
    return {
        "studio_name": f"压测{n:04d}技能大师工作室", "work_field": "精密机械加工", "lead_name": f"王压测{n}",
        "lead_gender": "M", "lead_ethnicity": "01", "lead_political_status": "01", "lead_employer": unit_name,
        "lead_phone": "13805290168", "studio_location": "镇江市京口区学府路68号二号厂房三楼",
        "office_area": Decimal("180.00"), "lead_education": "31", "lead_work_start": date(1996, 7, 1),
        "lead_occupation": "数控车工", "lead_admin_post": "车间主任", "lead_skill_level": "1",
        "lead_id_number": lead_id_number(n), "lead_address": "镇江市京口区学府路68号", "lead_postcode": "212001",
        "lead_honours": ["08"], "lead_achievements": para,
        "condition_claims": {"2": "攻克大型薄壁件加工变形难题，生产效率提高40%。"},
        "unit_introduction": para, "unit_support": "提供独立场地180平方米，年度专项经费不少于20万元。",
        "work_plan": para, "report_basic_conditions": para, "report_necessity": para,
        "report_unit_support": "公司在场地、经费、制度方面给予全力支持。", "report_work_plan": para,
    }


def make_filing_drafts(count: int, password: str, *, hasher: str = "django.contrib.auth.hashers.MD5PasswordHasher",
                       members: int = 1, awards: int = 1, text_repeat: int = 1, prefix: str = "bench_f"
                       ) -> list[dict]:
    """`count` unit users, each with their own unit and one complete Annex 1 draft lacking only the
    evidence files (the scenario uploads them). Returns [{"username", "application"}].

    The password hash is made once with `hasher` (MD5 by default: these scenarios measure filing,
    not password hashing, which L6 measures); gunicorn must run with the same BENCH_HASHER."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from portal.enums import Role
    from portal.models import Channel, RoleAssignment, Unit, User
    from studios.models import ApplicationAward, ApplicationMember
    from studios.services import application_create, application_save

    campaign = make_campaign()
    channel = Channel.objects.get(code="321102")
    encoded = make_password(password, hasher=import_string(hasher)())
    out = []
    for n in range(count):
        unit = Unit.objects.create(
            name=f"镇江压测{prefix}{n:04d}号机械有限公司", uscc=_uscc(50_000 + n + 1000 * len(prefix)), unit_type="10",
            ownership="10", channel=channel, address=f"镇江市京口区学府路{n + 1}号", postcode="212001",
            contact_name="压测", contact_phone="13900000000")
        user = User.objects.create(username=f"{prefix}{n:04d}", full_name=f"压测用户{n}", password=encoded,
                                   password_changed_at=timezone.now(), must_change_password=False)
        RoleAssignment.objects.create(user=user, role=Role.UNIT, unit=unit)
        app = application_create(unit=unit, campaign=campaign, actor=user)
        app = application_save(application=app, lock_version=app.lock_version,
                               fields=annex1_fields(unit.name, n + 1000 * len(prefix), text_repeat), actor=user)
        ApplicationMember.objects.bulk_create(
            ApplicationMember(application=app, position=i, name=f"成员{i}", qualification="技师", age=35,
                              achievements="参与攻关项目5项。") for i in range(members))
        ApplicationAward.objects.bulk_create(
            ApplicationAward(application=app, position=i, project="数控车工", award_name="镇江市技术能手",
                             issuer="镇江市人力资源和社会保障局", level="市级", rank="1", year=2019)
            for i in range(awards))
        out.append({"username": user.username, "application": app.pk})
    return out


def pdf_of_size(size: int, tag: str = "") -> bytes:
    """A valid one-page PDF of about `size` bytes (the bulk is an unreferenced stream object),
    which portal.uploads.check_upload accepts."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    filler = (tag.encode() + os.urandom(64).hex().encode()) * (size // 128 + 1)
    pdf.Root.BenchFiller = pdf.make_stream(filler[: max(size - 800, 0)])
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


CSRF_RE = r'name="csrfmiddlewaretoken" value="([^"]+)"'


async def sign_in(client, username: str, password: str) -> bool:
    """Sign in on an httpx.AsyncClient (login page for the CSRF token, then the form)."""
    import re

    page = await client.get("/accounts/login/")
    match = re.search(CSRF_RE, page.text)
    if not match:
        return False
    response = await client.post("/accounts/login/", data={"username": username, "password": password,
                                                           "csrfmiddlewaretoken": match.group(1)})
    return response.status_code == 302 and "/accounts/login/" not in response.headers.get("location", "")


def csrf_token(client) -> str:
    return client.cookies.get("csrftoken", "")


class _FormFields(HTMLParser):
    def __init__(self, action_suffix: str):
        super().__init__()
        self.suffix, self.inside, self.fields = action_suffix, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (attrs.get("action") or "").endswith(self.suffix)
        elif tag == "input" and self.inside and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.fields.setdefault(attrs["name"], attrs.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, action_suffix: str) -> dict:
    """The inputs of the page's form whose action ends with `action_suffix`, as a person who
    ticks every box would send them (hidden fields, CSRF token, acknowledgement checkboxes)."""
    parser = _FormFields(action_suffix)
    parser.feed(html)
    return parser.fields
