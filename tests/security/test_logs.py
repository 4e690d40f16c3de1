"""#19 (part): sign-in traffic leaves no password or ID number in the logs, and a CRLF payload
in the username cannot forge a log line."""

import logging

import pytest
from django.core import mail
from django.test import Client

from tests.factories.portal import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
SECRET_ID = "32011119800101001X"


def test_no_secrets_or_forged_lines_in_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    forged = "evil\r\n2026-05-18 09:00:00,000 INFO portal.security admin logged in"
    client.post("/accounts/login/", {"username": forged, "password": SECRET_ID})
    client.post("/accounts/login/", {"username": world.users["unit"].username, "password": SECRET_ID})
    client.post("/accounts/login/", {"username": world.users["unit"].username, "password": DEFAULT_PASSWORD})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET_ID not in text and DEFAULT_PASSWORD not in text
    forged_lines = [line for line in text.splitlines() if line.startswith("2026-05-18 09:00:00,000 INFO")]
    assert forged_lines == []
    assert all(SECRET_ID not in m.body for m in mail.outbox)
    print("FIGURE #19: 0 passwords/IDs in logs or mail; 0 forged log lines (sign-in path)")
