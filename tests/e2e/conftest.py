"""Browser harness: Playwright's sync API driving Debian's chromium against pytest-django's
live_server (static files served from the finders, as STATICFILES_DIRS holds node_modules).

- `login_page(user_or_username, password=None)` → a signed-in Page. It is THE way browser tests
  sign in; it fills the login form through `form_login` (the security work extends that for
  the second factor). Factory users use DEFAULT_PASSWORD, demo accounts the demo password.
- `page_log` collects console errors (CSP violations appear there), uncaught page errors and
  every 4xx/5xx response of the pages the test opened; `assert_clean(page_log)` checks it.
- `demo_data` loads what `manage.py seed_demo` loads, so accounts match the README.
- `shot(page, name)` saves a full-page PNG to tests/artifacts/ (git-ignored).

Browser tests need a transactional database (the live server runs in another thread); each
one ends with a flush, after which tests/conftest.py restores the seed data migrations' rows.
"""

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.demo import ACCOUNTS, DEMO_PASSWORD
from tests.factories.portal import DEFAULT_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet on a closed network (no update checks, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
DEMO_USERNAMES = frozenset(account[0] for account in ACCOUNTS)
TIMEOUT_MS = 15_000


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_responses: list[tuple[int, str]] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"HTTP {status}: {url}" for status, url in self.bad_responses]
        )


def assert_clean(log: PageLog) -> None:
    problems = log.problems()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django's ORM refuses to run
    # where a loop is running. Set only while browser tests run (they run last), so the variable
    # does not leak into other tests (`check --deploy` in a subprocess rejects it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _console_text(msg) -> str:
    url = (msg.location or {}).get("url")
    return f"{msg.text} ({url})" if url else msg.text


@pytest.fixture
def new_page(browser_context, page_log):
    """new_page() → a Page whose console errors, page errors and 4xx/5xx go to `page_log`."""

    def make():
        page = browser_context.new_page()
        page.on("console", lambda msg: msg.type == "error" and page_log.console_errors.append(_console_text(msg)))
        page.on("pageerror", lambda error: page_log.page_errors.append(str(error)))
        page.on("response", lambda r: page_log.bad_responses.append((r.status, r.url)) if r.status >= 400 else None)
        return page

    return make


@pytest.fixture
def page(new_page):
    return new_page()


def totp_code_for(username: str) -> str:
    """The next acceptable TOTP code of `username`'s device (created if the user has none), as
    an authenticator app would show it; never one django-otp already consumed (last_t)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.models import User
    from portal.otp import confirmed_totp

    user = User.objects.get(username=username)
    device = confirmed_totp(user) or TOTPDevice.objects.create(user=user, name="e2e", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:  # this window's code was used: the next one is within tolerance
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def form_login(page, live_server, username: str, password: str = DEMO_PASSWORD):
    """Sign in through the login form (and, for privileged roles, the TOTP step); returns the
    page on the first page after signing in."""
    from portal.models import User
    from portal.security import requires_otp

    user = User.objects.filter(username=username).first()
    code = totp_code_for(username) if user is not None and requires_otp(user) else None
    page.goto(live_server.url + reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    if page.url.startswith(live_server.url + reverse("login")):
        raise AssertionError(f"signing in as {username} failed: still on {page.url}")
    if code is not None and page.url.startswith(live_server.url + reverse("portal:otp-verify")):
        page.locator("#id_token").fill(code)
        with page.expect_navigation():
            page.locator("#otp-verify-form button[type=submit]").click()
        if page.url.startswith(live_server.url + reverse("portal:otp-verify")):
            raise AssertionError(f"TOTP step for {username} failed: still on {page.url}")
    return page


@pytest.fixture
def login_page(live_server, new_page):
    """login_page(user or username, password=None) → a new Page signed in as that user."""

    def sign_in(who, password: str | None = None):
        username = who if isinstance(who, str) else who.get_username()
        if password is None:
            password = DEMO_PASSWORD if username in DEMO_USERNAMES else DEFAULT_PASSWORD
        return form_login(new_page(), live_server, username, password)

    return sign_in


@pytest.fixture
def demo_data(transactional_db):
    """The demo data and accounts of `manage.py seed_demo` (README.md)."""
    call_command("seed_demo", stdout=io.StringIO())


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
