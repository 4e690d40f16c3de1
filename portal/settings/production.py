"""Production: everything secret or host-specific must come from the environment."""

import os

from .base import *  # noqa: F403
from .env import env_int, env_str

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
PORTAL_FIELD_KEYS = os.environ["PORTAL_FIELD_KEYS"]
PORTAL_BLIND_INDEX_KEY = os.environ["PORTAL_BLIND_INDEX_KEY"]
PORTAL_DEMO = False

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "portal.storage.EncryptedFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------------
# Security (issue 4; docs/security.md). Nothing here may be relaxed by the environment except
# where an env_* call says so.
# ---------------------------------------------------------------------------------------------
# TLS to PostgreSQL (等保 8.1.4.1 c / 8.1.4.7): require unless the DSN's host is a local socket.
DATABASES["default"].setdefault("OPTIONS", {})["sslmode"] = env_str("PGSSLMODE", "require")  # noqa: F405
PORTAL_OTP_REQUIRED = True
RATELIMIT_ENABLE = True
# One reverse proxy (nginx) in front: its X-Forwarded-For entry is the client address.
PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 1)
# Rate limits and lockout counters must be shared by every gunicorn worker: REDIS_URL is required
# (check portal.W001 fails `check --deploy --fail-level WARNING` without it).
