"""Settings for the bounded security benchmarks (bench/security/*.py): base settings against the
private cluster named by DATABASE_URL, hasher chosen by BENCH_HASHER, rate limits off (the load
comes from one loopback address). Never used by the test suite or in production."""

import os

from portal.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
RATELIMIT_ENABLE = False
PASSWORD_HASHERS = [os.environ.get("BENCH_HASHER", "django.contrib.auth.hashers.PBKDF2PasswordHasher")]
# L14: a libpq multi-host DSN (BENCH_DB_HOSTS="127.0.0.1:55433,127.0.0.1:55434"): connect to
# whichever host accepts writes, as an app behind a primary/standby pair would.
if os.environ.get("BENCH_DB_HOSTS"):
    _hosts = [item.rsplit(":", 1) for item in os.environ["BENCH_DB_HOSTS"].split(",")]
    DATABASES["default"].update(  # noqa: F405
        HOST=",".join(h for h, _ in _hosts), PORT=",".join(p for _, p in _hosts),
        OPTIONS={**DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
                 "target_session_attrs": "read-write", "connect_timeout": 2})
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Every response names the gunicorn worker that served it (L10 measures when a respawned worker
# serves its first request). Bench only.
MIDDLEWARE = ["bench_settings.worker_pid_middleware", *MIDDLEWARE]  # noqa: F405


def worker_pid_middleware(get_response):
    pid = str(os.getpid())

    def middleware(request):
        response = get_response(request)
        response["X-Bench-Worker"] = pid
        return response

    return middleware
