"""Production: everything secret or host-specific must come from the environment."""

import os

from .base import *  # noqa: F403
from .env import env_int

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
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
