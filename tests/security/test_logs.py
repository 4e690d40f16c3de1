"""#19 clean logs: what the portal writes out (the formatted output of the project's log handlers
and the error mail to ADMINS) holds no password, ID number, session id or CSRF token, and a
CR/LF typed by a user cannot forge a log line. Sentry (or any external error service) is not used.

- the sign-in path (wrong passwords, a CRLF username);
- a 500 inside the application submit view with DEBUG=False and the project's LOGGING, the
  request carrying a password, an ID number and a phone number in POST, the ID number in the
  query string and in the session, the session cookie and a CSRF token; the exception message
  repeats a free-text field of the case holding a CRLF-forged log line and an ID number.
"""

import io
import logging
import re
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import reverse
from django.views.debug import get_exception_reporter_class

from portal.models import AuditEvent
from studios.models import Application
from tests.factories.portal import DEFAULT_PASSWORD
from tests.factories.studios import draft, lead_id
from tests.helpers import login

try:  # the submit step's privacy-notice checkbox (studios.notice), where the build has it
    from studios.notice import PRIVACY_NOTICE_VERSION

    NOTICE = {"notice_accepted": "on", "notice_version": PRIVACY_NOTICE_VERSION}
except ImportError:
    NOTICE = {}

pytestmark = pytest.mark.django_db
SECRET_ID = "32011119800101001X"
PHONE = "13905281234"
# GB 11643: area code, birth date, sequence, check character (any such number counts, valid or not).
ID_RE = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
                   r"[0-9]{3}[0-9Xx](?![0-9])")
FORGED = "2026-05-18 09:00:00,000 INFO portal.security admin logged in"
# How a record of the project's formatter starts ("%(asctime)s %(levelname)s …").
RECORD_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


class Records(logging.Handler):
    """Keeps every record that reaches it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured_logs(settings):
    """Every record at DEBUG (root and django loggers; works with or without pytest's logging
    plugin), and what the project's handlers (settings.LOGGING) write.

    Stream handlers write to a buffer for the test; mail handlers write to mail.outbox.
    Yields (records, written) where written() returns {handler name: text written}.
    """
    settings.DEBUG = False
    settings.ADMINS = [("运维值班", "ops@zjrs.example.cn")]
    names = set(django_settings.LOGGING["handlers"])
    loggers = [logging.getLogger()] + [logging.getLogger(n) for n in django_settings.LOGGING["loggers"]]
    handlers = {h.name: h for lg in loggers for h in lg.handlers if h.name in names}
    assert {"console", "mail_admins"} <= set(handlers), handlers
    buffers = {name: io.StringIO() for name, h in handlers.items() if isinstance(h, logging.StreamHandler)}
    previous = {name: handlers[name].setStream(buffer) for name, buffer in buffers.items()}
    keeper = Records()
    tops = [lg for lg in loggers if lg is loggers[0] or not lg.propagate]
    levels = {lg: lg.level for lg in (logging.getLogger(), logging.getLogger("django"))}
    for lg in tops:
        lg.addHandler(keeper)
    for lg in levels:
        lg.setLevel(logging.DEBUG)
    yield keeper.records, lambda: {name: buffer.getvalue() for name, buffer in buffers.items()}
    for lg, level in levels.items():
        lg.setLevel(level)
    for lg in tops:
        lg.removeHandler(keeper)
    for name, stream in previous.items():
        handlers[name].setStream(stream)


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    found = [name for name, value in secrets.items() if value and value in text]
    return found + [f"ID number {m}" for m in ID_RE.findall(text)]


def forged_lines(text: str, records: int) -> int:
    """Lines that start like a record, beyond the `records` real ones."""
    return sum(1 for line in text.splitlines() if RECORD_START.match(line)) - records


def test_no_secrets_or_forged_lines_in_logs(world, captured_logs):
    records, handler_output = captured_logs
    client = Client()
    forged = f"evil\r\n{FORGED}"
    client.post("/accounts/login/", {"username": forged, "password": SECRET_ID})
    client.post("/accounts/login/", {"username": world.users["unit"].username, "password": SECRET_ID})
    client.post("/accounts/login/", {"username": world.users["unit"].username, "password": DEFAULT_PASSWORD})
    client.get(f"/no/such/page/%0D%0A{FORGED.replace(' ', '%20')}")
    text = "\n".join(record.getMessage() for record in records)
    assert SECRET_ID not in text and DEFAULT_PASSWORD not in text
    assert [line for line in text.splitlines() if line.startswith(FORGED[:23])] == []
    written = handler_output()["console"]
    assert "Not Found: /no/such/page/" in written  # the signed-in 404 with CR/LF in its path was logged
    assert leaks(written, {"password": DEFAULT_PASSWORD}) == []
    assert forged_lines(written, len(records)) == 0
    assert all(SECRET_ID not in m.body for m in mail.outbox)
    # The audit row of the unknown name keeps neither the line break nor the forged text.
    failed = AuditEvent.objects.filter(action="login_failed").order_by("id").first()
    assert failed.actor_username == "ev***"
    print("FIGURE #19: 0 passwords/IDs in logs or mail; 0 forged log lines (sign-in path, 404 path)")


def test_server_error_in_submit_leaks_nothing(world, captured_logs, monkeypatch):
    records, handler_output = captured_logs
    unit = world.users["unit"]
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=unit, complete=True, evidence=False)
    # A multi-line free-text field (a textarea) with a forged log line and an ID number typed in it.
    free_text = f"主持技术攻关12项。\r\n{FORGED}\r\n联系人身份证{SECRET_ID}，电话{PHONE}"
    Application.objects.filter(pk=app.pk).update(lead_achievements=free_text)
    app.refresh_from_db()
    app_lead_id = app.lead_id_number

    def exploding_submit(*, application, actor, **kwargs):
        password = DEFAULT_PASSWORD  # noqa: F841 — a careless local, shown by HTML error reports
        lead_id_number = SECRET_ID  # noqa: F841
        raise RuntimeError(f"snapshot failed for {application.case_number}: {application.lead_achievements}")

    monkeypatch.setattr("studios.views.applications.application_submit", exploding_submit)
    captured = []

    def keep(sender, request=None, **kwargs):
        captured.append((request, sys.exc_info()))

    got_request_exception.connect(keep)
    try:
        client = login(Client(enforce_csrf_checks=True, raise_request_exception=False), unit)
        session = client.session
        session["pending_lead_id"] = SECRET_ID
        session.save()
        page = client.get(reverse("studios:application-detail", kwargs={"pk": app.pk})).content.decode()
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        url = reverse("studios:application-submit", kwargs={"pk": app.pk}) + f"?lead={SECRET_ID}&tel={PHONE}"
        response = client.post(url, {
            "csrfmiddlewaretoken": form_token, "password": DEFAULT_PASSWORD, "old_password": DEFAULT_PASSWORD,
            "lead_id_number": SECRET_ID, "id": lead_id(77), "lead_phone": PHONE, "remark": free_text, **NOTICE,
        })
    finally:
        got_request_exception.disconnect(keep)
    assert response.status_code == 500
    assert len(captured) == 1

    secrets = {
        "password": DEFAULT_PASSWORD, "ID number": SECRET_ID, "stored ID number": app_lead_id, "phone": PHONE,
        "session id": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
        "CSRF cookie": client.cookies[django_settings.CSRF_COOKIE_NAME].value, "CSRF form token": form_token,
    }
    written = handler_output()
    assert len(mail.outbox) == 1, "the 500 is mailed to ADMINS"
    error_mail = mail.outbox[0]
    request, exc_info = captured[0]
    html_report = get_exception_reporter_class(request)(request, *exc_info, is_email=True).get_traceback_html()
    outputs = {
        "log records": "\n".join(r.getMessage() for r in records),
        **{f"handler {name}": text for name, text in written.items()},
        "mail subject": error_mail.subject,
        "mail body": error_mail.body,
        "HTML report (include_html)": html_report,
    }
    found = {where: leaks(text, secrets) for where, text in outputs.items()}
    assert found == {where: [] for where in outputs}
    # The report is still useful: the exception, the cleansed request and the masked values.
    assert "RuntimeError" in error_mail.body and app.case_number in error_mail.body
    assert "lead_id_number = '********************'" in error_mail.body
    assert "password = '********************'" in error_mail.body
    assert "320***********001X" in error_mail.body and "139****1234" in error_mail.body

    console = written["console"]
    assert "Internal Server Error" in console and "RuntimeError" in console
    forged = {"console": forged_lines(console, len(records)),
              "mail body": sum(1 for line in error_mail.body.splitlines() if line.startswith(FORGED[:23]))}
    assert forged == {"console": 0, "mail body": 0}
    checked = sum(len(text) for text in outputs.values())
    print(f"FIGURE #19: 500 in submit: 0 passwords, 0 ID numbers, 0 session ids, 0 CSRF tokens in "
          f"{len(records)} log records, the console handler, the error mail and its HTML report "
          f"({checked // 1024} KB checked); 0 forged log lines from a CRLF free-text field; no Sentry")
