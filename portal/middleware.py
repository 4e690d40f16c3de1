"""Request-scoped context: request id, client IP, and the pghistory audit context."""

import contextvars
import uuid

import pghistory.middleware
from django.conf import settings

_request_var: contextvars.ContextVar = contextvars.ContextVar("portal_request", default=None)


def current_request():
    """The request being served on this thread/task, or None (management commands, Celery)."""
    return _request_var.get()


def client_ip(request) -> str | None:
    """The client address. X-Forwarded-For is trusted only for PORTAL_TRUSTED_PROXIES hops, so a
    forged header cannot pick the IP that lockouts and audit rows record."""
    hops = getattr(settings, "PORTAL_TRUSTED_PROXIES", 0)
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = _request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class AuditContextMiddleware(pghistory.middleware.HistoryMiddleware):
    """Every database change made while serving a request is tagged with actor, IP, URL and
    request id in pghistory's context table."""

    def get_context(self, request):
        context = super().get_context(request)
        context["ip"] = client_ip(request)
        context["request_id"] = getattr(request, "request_id", "")
        return context
