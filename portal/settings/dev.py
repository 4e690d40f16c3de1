"""Development / demo server (bin/run)."""

from .base import *  # noqa: F403
from .env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
PORTAL_DEMO = env_bool("PORTAL_DEMO", True)
