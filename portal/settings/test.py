"""Test settings: only what tests need differs from base."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "portal.storage.EncryptedFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests run without collectstatic: WhiteNoise would warn about a missing STATIC_ROOT (an error
# under filterwarnings=error). pytest-django's live_server serves static files from the finders.
STATIC_ROOT = None
