"""Settings shared by every environment. Differences come from the environment (see env.py)."""

import contextlib
from datetime import timedelta
from pathlib import Path

from .env import BASE_DIR, database_config, env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-secret-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "portal",
    "studios",
    "reviews",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Security (issue 4): idle/absolute session limits (needs messages), then deny-by-default sign-in.
    "portal.security.SessionLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.AuditContextMiddleware",
    # Security (issue 4): 403/404 → audit row; TOTP step, password rotation and no-store.
    "portal.security.DeniedAccessAuditMiddleware",
    "portal.security.AccountPolicyMiddleware",
    "portal.access.DenyByDefaultMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.portal",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            # Compiled templates are cached (in development too: Django's autoreloader resets the
            # cache when a template changes); the partials loader wraps the cached one.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

DATABASES = {"default": database_config("postgres://postgres@127.0.0.1:55432/zjsm")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Password policy (等保 8.1.4.1 a; composition is the recorded deviation from ASVS 6.2.5 — see
# docs/security.md). portal.passwords holds the portal's own validators.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "portal.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.passwords.ComplexityValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "portal.passwords.ContextWordsValidator"},
    {"NAME": "portal.passwords.PasswordHistoryValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Uploaded files are private: stored outside the web root, served only by permission-checked views.
MEDIA_ROOT = env_str("PORTAL_MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "portal.storage.EncryptedFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

PDF_FONT_DIR = env_str("PDF_FONT_DIR", str(BASE_DIR / "var" / "fonts"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

_redis_url = env_str("REDIS_URL")
if _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = _redis_url or "redis://127.0.0.1:6379/0"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not bool(_redis_url))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@zjrs.example.cn")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-axes: lock the account (not the IP: bureau offices share NAT) after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# pghistory: every tracked model gets insert/update/delete events; event tables are append-only.
PGHISTORY_APPEND_ONLY = True

# Content-Security-Policy (django-csp 4): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Personal-information field encryption. The key is NOT derived from SECRET_KEY.
# PORTAL_FIELD_KEYS: "kid:base64key,kid2:base64key"; the first is used for new writes.
PORTAL_FIELD_KEYS = env_str("PORTAL_FIELD_KEYS", "dev1:ZGV2LW9ubHktZmllbGQta2V5LTAxMjM0NTY3ODlhYmM=")
PORTAL_BLIND_INDEX_KEY = env_str("PORTAL_BLIND_INDEX_KEY", "dev-only-blind-index-key-0123456789")

PORTAL_DEMO = env_bool("PORTAL_DEMO", False)
PORTAL_SITE_NAME = "镇江市技能大师工作室管理平台"
PORTAL_AUDIT_RETENTION_DAYS = env_int("PORTAL_AUDIT_RETENTION_DAYS", 366)

# Logs and error mails (security.md #19; portal/reporting.py): ID and mobile numbers masked,
# secret-named values (passwords, tokens, session and CSRF values) starred in error reports, one
# log record per line (a CR/LF in user input cannot forge a record). Server errors are mailed to
# DJANGO_ADMINS (comma-separated addresses) when set. No Sentry or other external error service.
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS", [])]
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
DEFAULT_EXCEPTION_REPORTER_FILTER = "portal.reporting.ExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "portal.reporting.ExceptionReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {
        "plain": {"class": "portal.reporting.SafeFormatter",
                  "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"class": "portal.reporting.AdminEmailHandler", "level": "ERROR", "formatter": "plain",
                        "filters": ["require_debug_false"], "include_html": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's default "django" logger (its console handler and unfiltered error mail).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # At DEBUG it logs every missing template variable with the whole context (CSRF token …).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# axes.W006 asks to add ip_address to the lockout key. Bureau offices sit behind shared NAT, so
# an IP lock would lock out a whole district; per-IP throttling is done by rate limits instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]


# ---------------------------------------------------------------------------------------------
# Security and session policy (issue 4; docs/security.md). Secure defaults: tests run the real
# enforcement; only the environment can relax a value.
# ---------------------------------------------------------------------------------------------
# Second factor (TOTP) for every role except unit users; staff and superusers too.
PORTAL_OTP_REQUIRED = env_bool("PORTAL_OTP_REQUIRED", True)
PORTAL_OTP_ROLES = ["channel", "expert", "city_officer", "city_approver", "auditor", "sysadmin", "secadmin"]
OTP_TOTP_ISSUER = "镇江技能大师工作室"
# Password rotation (等保 "定期更换"; the ASVS 6.2.10 deviation) and reuse history.
PORTAL_PASSWORD_MAX_AGE_DAYS = env_int("PORTAL_PASSWORD_MAX_AGE_DAYS", 90)
PORTAL_PASSWORD_HISTORY = 5
# Session limits: 30 min idle, 8 h absolute (SessionLimitsMiddleware); sudo mode 15 min.
PORTAL_SESSION_IDLE_SECONDS = env_int("PORTAL_SESSION_IDLE_SECONDS", 30 * 60)
PORTAL_SESSION_ABSOLUTE_SECONDS = env_int("PORTAL_SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
PORTAL_SESSION_TOUCH_SECONDS = 60
PORTAL_REAUTH_SECONDS = env_int("PORTAL_REAUTH_SECONDS", 15 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
PASSWORD_RESET_TIMEOUT = 15 * 60
# Rate limits (django-ratelimit's counter, keyed per client IP or per user; see portal.security).
# Login is generous per IP because district offices share one NAT address; the account lockout
# (axes, 5 failures → 30 min) is what stops password guessing.
RATELIMIT_ENABLE = env_bool("PORTAL_RATELIMIT_ENABLE", True)
PORTAL_RATELIMITS = {
    "login": env_str("PORTAL_RATELIMIT_LOGIN", "60/m"),
    "otp": "10/m",
    "reauth": "10/m",
    "password_reset": "5/m",
    "public_form": env_str("PORTAL_RATELIMIT_PUBLIC_FORM", "5/m"),
}
# Client IP: X-Forwarded-For is trusted only for this many proxy hops (portal.middleware.client_ip).
PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "portal.security.axes_client_ip"
# The lock lasts 30 minutes from the 5th failure; attempts during the lock do not extend it (an
# attacker cannot keep a colleague locked out indefinitely by retrying).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
PORTAL_AUDIT_ANON_404_PER_MINUTE = 20
# Accounts without a sign-in for this many days are disabled by `manage.py disable_stale_accounts`.
PORTAL_STALE_ACCOUNT_DAYS = env_int("PORTAL_STALE_ACCOUNT_DAYS", 90)
# Backups (manage.py backup/restore): where archives go by default.
PORTAL_BACKUP_DIR = env_str("PORTAL_BACKUP_DIR", str(BASE_DIR / "var" / "backups"))

# Scheduled jobs (bin/run starts `celery worker -B`).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "disable-stale-accounts": {"task": "portal.tasks.disable_stale_accounts", "schedule": crontab(hour=2, minute=15)},
    "audit-purge": {"task": "portal.tasks.audit_purge", "schedule": crontab(hour=3, minute=0, day_of_week=0)},
    "anonymise-expired": {"task": "portal.tasks.anonymise_expired", "schedule": crontab(hour=3, minute=30)},
    "verify-integrity": {"task": "portal.tasks.verify_integrity", "schedule": crontab(hour=4, minute=0, day_of_week=6)},
}

# Studios: stored-data integrity, retention of personal information, upload temp files
# (docs/security.md #21, #25, #32).
# Key of the ApplicationSnapshot seal (HMAC-SHA256). Empty: derived from PORTAL_BLIND_INDEX_KEY by
# a domain-separated HMAC (never from SECRET_KEY), so check portal.E002 covers a dev key.
PORTAL_INTEGRITY_KEY = env_str("PORTAL_INTEGRITY_KEY", "")
# Rejected/withdrawn applications and never-submitted drafts are anonymised this many days after
# their last change (`manage.py anonymise_expired`, nightly in Celery beat): 3 years.
PORTAL_APPLICATION_RETENTION_DAYS = env_int("PORTAL_APPLICATION_RETENTION_DAYS", 3 * 365)
# Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled here (private, 0700), never the shared /tmp;
# Django deletes each temp file when the request ends.
FILE_UPLOAD_TEMP_DIR = env_str("PORTAL_UPLOAD_TEMP_DIR", str(BASE_DIR / "var" / "upload-tmp"))
with contextlib.suppress(OSError):  # read-only tree: the operator provides the directory
    Path(FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
