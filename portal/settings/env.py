"""The only place that reads the process environment.

Every setting that differs between development, tests and production is an
environment variable read here, with a development default where one is safe.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_config(default_url: str) -> dict:
    """DATABASE_URL (PostgreSQL only) as a Django DATABASES['default'] entry."""
    url = os.environ.get("DATABASE_URL", default_url)
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("DATABASE_URL must point at PostgreSQL; other backends are not supported.")
    return config
