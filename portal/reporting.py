"""Clean logs and error reports (security.md #19): no passwords, ID numbers, phone numbers,
session ids or CSRF tokens in what the portal writes to its log handlers or mails to ADMINS, and
no record that can pass for two.

Wired in settings (portal/settings/base.py, LOGGING and DEFAULT_EXCEPTION_REPORTER*):

- `SafeFormatter`, the formatter of every project log handler: masks ID-number-like and mobile
  numbers (`redact`), escapes line breaks in the message, and indents the continuation lines of a
  traceback, so one record is exactly one line that starts with a timestamp (a CR/LF typed into a
  username, a path or a free-text field cannot forge another record).
- `ExceptionReporterFilter` (DEFAULT_EXCEPTION_REPORTER_FILTER): Django's filter plus: POST, GET,
  META, cookies and frame variables whose names look secret (password, token, csrf, session,
  cookie, key …) are replaced by stars whatever the view declared, and every other value is
  passed through `redact`. Views may still add `sensitive_post_parameters`; they need not.
- `ExceptionReporter` (DEFAULT_EXCEPTION_REPORTER, used by the error mail): GET and the request
  URL cleansed like POST, the exception message on one line, and the whole rendered report
  passed through `redact` as a last net.
- `AdminEmailHandler`: Django's, with the subject redacted too.

Records kept in memory (caplog, other handlers a library adds) are not changed: the guarantee is
about what the project's handlers and the error mail write out. Sentry is not used.
"""

import logging
import re

from django.utils.log import AdminEmailHandler as DjangoAdminEmailHandler
from django.views.debug import ExceptionReporter as DjangoExceptionReporter
from django.views.debug import SafeExceptionReporterFilter

# GB 11643 citizen ID: 6-digit area code, birth date (18xx/19xx/20xx), 3-digit sequence, check
# character. Digits around it are not part of a match (so long numbers are not cut in half).
ID_NUMBER_RE = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r"(?![0-9])"
)
# Mainland mobile numbers (11 digits, 13x–19x), optionally with +86.
MOBILE_RE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")
# Names of fields, variables, headers and cookies whose values are never shown.
SECRET_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|PWD|SIGNATURE|COOKIE|CSRF|SESSION|OTP|ID_NUMBER|IDNUMBER|ID_CARD|SFZ",
    flags=re.I,
)
SUBSTITUTE = "********************"
# Every character str.splitlines() breaks on, escaped so a message stays on one line.
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}


def redact(text: str) -> str:
    """`text` with ID numbers and mobile numbers masked (110***********002X, 138****5678)."""
    text = ID_NUMBER_RE.sub(lambda m: m.group()[:3] + "*" * 11 + m.group()[-4:], text)
    return MOBILE_RE.sub(lambda m: m.group()[:-8] + "****" + m.group()[-4:], text)


def one_line(text: str) -> str:
    """`text` with CR, LF and the other line separators written as escapes (\\r, \\n …)."""
    return text.translate(_LINE_BREAKS)


class SafeFormatter(logging.Formatter):
    """One record → one header line (plus tab-indented traceback lines); secrets masked.

    The message is escaped onto one line; exception and stack text follow on continuation lines
    indented with a tab, so no line of a record can look like the start of another record.
    """

    def format(self, record):
        original = record.msg, record.args
        try:
            record.msg, record.args = one_line(record.getMessage()), None
            text = super().format(record)
        finally:
            record.msg, record.args = original
        head, *rest = text.split("\n")
        return redact("\n".join([one_line(head), *(f"\t{one_line(line)}" for line in rest)]))


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's SafeExceptionReporterFilter, stricter: see the module docstring."""

    cleansed_substitute = SUBSTITUTE
    hidden_settings = SECRET_NAMES

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        return redact(str(cleansed)) if isinstance(cleansed, str) else cleansed  # str(): lazy strings

    def cleanse_query(self, querydict):
        """A copy of a QueryDict (POST, GET) with secret-named keys starred and values redacted."""
        cleansed = querydict.copy()
        for key in cleansed:
            if key == "csrfmiddlewaretoken" or SECRET_NAMES.search(key):
                cleansed.setlist(key, [SUBSTITUTE])
            else:
                cleansed.setlist(key, [redact(str(v)) for v in cleansed.getlist(key)])
        return cleansed

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self.cleanse_query(super().get_post_parameters(request))

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if meta.get("QUERY_STRING"):
            meta["QUERY_STRING"] = self.cleanse_query(request.GET).urlencode(safe="*")
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, SUBSTITUTE if isinstance(name, str) and SECRET_NAMES.search(name) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]


class ExceptionReporter(DjangoExceptionReporter):
    """Django's reporter with GET, the URL and the exception message cleansed (see module docstring)."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None and hasattr(self.filter, "cleanse_query"):
            query = self.filter.cleanse_query(self.request.GET)
            data["request_GET_items"] = list(query.items())
            uri = data.get("request_insecure_uri", "").split("?", 1)[0]
            data["request_insecure_uri"] = f"{uri}?{query.urlencode(safe='*')}" if query else uri
        if "exception_value" in data:
            data["exception_value"] = one_line(data["exception_value"])
        return data

    def get_traceback_html(self):
        return redact(super().get_traceback_html())

    def get_traceback_text(self):
        return redact(super().get_traceback_text())


class AdminEmailHandler(DjangoAdminEmailHandler):
    """Django's error mail with the subject redacted as well (the body is the reporter's), and
    failures handled like any logging handler's instead of raised into the request."""

    def emit(self, record):
        try:
            super().emit(record)
        except Exception:
            # A failing report must not turn into a second error inside the request; logging
            # prints "--- Logging error ---" to stderr as it does for any handler.
            self.handleError(record)

    def format_subject(self, subject):
        return redact(super().format_subject(subject))
