"""#27 CSP on every page and no inline script/style, #28 no csrf_exempt view, #32 no-store,
#33 `check --deploy` clean with production settings."""

import os
import re
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests import policy
from tests.helpers import PERSONAS, login
from tests.security.routes import route_paths

MAX_PAGES_PER_PERSONA = 80
SKIP = re.compile(r"^/(static|media-not-served|django-admin)/|/logout/|/export/|\.pdf$|/pdf/")


class InlineFinder(HTMLParser):
    """Inline script, inline style, event-handler attributes and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script" and not attrs.get("src"):
            self._in_script = True
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline <script>{data.strip()[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def csp_problems(response) -> list[str]:
    header = response.get("Content-Security-Policy", "")
    if not header:
        return ["no CSP header"]
    directives = {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}
    problems = []
    for name in ("script-src", "style-src", "default-src"):
        if any(v in ("'unsafe-inline'", "'unsafe-eval'") for v in directives.get(name, [])):
            problems.append(f"{name} allows unsafe-inline/eval")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append("frame-ancestors is not 'none'")
    return problems


def crawl(client: Client, starts: list[str]) -> dict[str, list[str]]:
    seen, queue, problems = set(), deque(starts), {}
    while queue and len(seen) < MAX_PAGES_PER_PERSONA:
        path = queue.popleft()
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path)
        found = csp_problems(response)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            parser = InlineFinder()
            parser.feed(response.content.decode())
            found += parser.problems
            for href in parser.links:
                target = urljoin(path, href)
                parts = urlsplit(target)
                if not parts.netloc and parts.path.startswith("/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        if found:
            problems[path] = found
    return {"pages": sorted(seen), "problems": problems}


@pytest.mark.django_db
def test_csp_and_no_inline_code_on_every_page(world):
    """Crawl from the dashboard as every persona, plus every GET route of the URL policy."""
    paths = route_paths(world, lambda name, r: "GET" in r.methods)
    total, problems = 0, {}
    for persona in PERSONAS:
        client = Client()
        user = world.user(persona)
        if user is not None:
            login(client, user)
        starts = ["/", "/dashboard/"] + [p for r, p in paths if persona in r.allow]
        result = crawl(client, starts)
        total += len(result["pages"])
        problems.update({f"{persona} {p}": v for p, v in result["problems"].items()})
    print(f"FIGURE #27: CSP (no unsafe-inline) on {total - len(problems)}/{total} crawled responses; "
          f"{len(problems)} with inline code")
    assert problems == {}


def test_no_view_is_csrf_exempt():
    exempt = [r.label for r in policy.resolver_routes() if getattr(r.callback, "csrf_exempt", False)]
    assert exempt == []
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_HTTPONLY


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "DJANGO_SECRET_KEY": "x7!Qm2#pV9@kL4$wR8^tN3&zB6*yH1(cJ5)dF0-gS+eU=aO_iP~uY<" * 2,
    "PORTAL_FIELD_KEYS": "p1:cHJvZC1maWVsZC1rZXktMDEyMzQ1Njc4OWFiY2RlZmdoaWo=",
    "PORTAL_BLIND_INDEX_KEY": "prod-blind-index-key-0123456789abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "jnds.zjrs.example.cn",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
}


def test_check_deploy_is_clean_with_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    print("FIGURE #33: check --deploy: 0 issues")


def test_production_settings_values():
    env = {**os.environ, **PRODUCTION_ENV}
    code = ("from django.conf import settings as s; import json; print(json.dumps([s.SECURE_HSTS_SECONDS, "
            "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
            " s.PORTAL_DEMO, s.DEBUG, s.PORTAL_OTP_REQUIRED, s.DATABASES['default']['OPTIONS'].get('sslmode')]))")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == '[31536000, true, true, true, true, false, false, true, "require"]', (
        result.stdout + result.stderr)


@pytest.mark.django_db
def test_every_post_route_rejects_a_missing_csrf_token(world):
    """#28: each POST route, as a persona allowed to use it, without a CSRF token → 403."""
    from portal.enums import AuditAction
    from portal.models import AuditEvent

    pairs = route_paths(world, lambda name, r: "POST" in r.methods)
    refused, accepted = 0, []
    routes = [r for r, _p in pairs]
    for route, path in pairs:
        persona = sorted(route.allow)[0] if route.allow else "anonymous"
        client = Client(enforce_csrf_checks=True)
        user = world.user(persona)
        if user is not None:
            login(client, user)
        data = route.data(world) if callable(route.data) else (route.data or {})
        before = route.snapshot(world) if route.snapshot else None
        response = client.post(path, data)
        if response.status_code == 403 and (before is None or route.snapshot(world) == before):
            refused += 1
        else:
            accepted.append(f"{route.name} as {persona}: {response.status_code}")
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, detail__status=403).count() >= refused
    print(f"FIGURE #28: {refused}/{len(routes)} POST routes reject a missing token; 0 csrf_exempt")
    assert accepted == []


def test_no_debug_routes():
    names = [r.route for r in policy.resolver_routes()]
    assert not [n for n in names if re.search(r"__debug__|silk|debug-toolbar", n)]
