"""Gunicorn settings for production: `gunicorn -c python:portal.gunicorn_conf portal.wsgi`.

Figures behind the values are in bench/security/README.md (2 cores): gthread 2 × 4 served the
200-user deadline burst (L1); a killed worker is replaced in 0.05 s (L10); a pathological PDF
render once left a worker at 884 MB (L12), hence recycling workers after a number of requests.
Environment: GUNICORN_BIND (default 127.0.0.1:8000, behind the reverse proxy), GUNICORN_WORKERS.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = 4
# Recycle each worker after about 500 requests so memory a large render took is given back.
max_requests = 500
max_requests_jitter = 50
# A request longer than this is abandoned and its worker replaced (PDF renders take ~0.2–2 s).
timeout = 60
graceful_timeout = 30
# The reverse proxy sets X-Forwarded-For / -Proto; only trust it from loopback.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
# No query strings in the access log: search terms could hold personal information.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
