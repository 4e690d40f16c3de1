"""Settings for the bounded security benchmarks (bench/security/*.py): base settings against the
private cluster named by DATABASE_URL, hasher chosen by BENCH_HASHER, rate limits off (the load
comes from one loopback address). Never used by the test suite or in production."""

import os

from portal.settings.base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
RATELIMIT_ENABLE = False
PASSWORD_HASHERS = [os.environ.get("BENCH_HASHER", "django.contrib.auth.hashers.PBKDF2PasswordHasher")]
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "WARNING"}},
}
