"""Session, second-factor, re-authentication and rate-limit policy (等保 8.1.4.1; ASVS V6/V7).

For other engineers — what to use:

- **Re-authentication ("sudo mode")** before signing scores, taking decisions or changing account
  security: add `RecentAuthRequiredMixin` to the view, *after* `PortalPermissionMixin`::

      class ScoreSheetSignView(PortalPermissionMixin, RecentAuthRequiredMixin, UpdateView):
          permission_required = "reviews.sign_score_sheet"

  or decorate a function view with `@recent_auth_required` (inside `@permission_required_view`).
  A user who has not entered their password (and TOTP code, for privileged roles) within
  PORTAL_REAUTH_SECONDS (15 min) is sent to `portal:reauth` and brought back afterwards; a POST
  arriving without recent authentication is not performed.
- **Rate limits**: `@ratelimit("public_form")` on a function view, or `RateLimitMixin` with
  `ratelimit_group = "public_form"` on a class-based view (POSTs only by default). The rates live
  in settings.PORTAL_RATELIMITS; an exceeded limit answers 429 and writes one audit row per window.
  `ratelimit_public_form` is the ready-made decorator for the public objection form.

Enforced for everyone by middleware (see MIDDLEWARE in settings/base.py):

- `SessionLimitsMiddleware`: 30-minute idle and 8-hour absolute session limits.
- `AccountPolicyMiddleware`: privileged roles (PORTAL_OTP_ROLES, staff, superusers) must pass the
  TOTP step before any non-public page; an initial or expired password (PORTAL_PASSWORD_MAX_AGE_DAYS)
  must be changed first; authenticated responses are `Cache-Control: no-store`.
- `DeniedAccessAuditMiddleware`: every 403 and 404 answer is in the audit log (once per request).
"""

import functools
import logging
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from portal import roles
from portal.middleware import client_ip

logger = logging.getLogger("portal.security")

SESSION_AUTH_AT = "portal_auth_at"  # when the password was entered (absolute limit)
SESSION_LAST_SEEN = "portal_last_seen"  # last request (idle limit)
SESSION_REAUTH_AT = "portal_reauth_at"  # last password (+ TOTP) entry (sudo mode)


# ----------------------------------------------------------------------------- who needs what --

def requires_otp(user) -> bool:
    """Whether `user` must pass the TOTP step: city, channel, expert and admin roles, staff and
    superusers. Unit users are exempt."""
    if not getattr(settings, "PORTAL_OTP_REQUIRED", True) or not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    return roles.has_role(user, *settings.PORTAL_OTP_ROLES)


def otp_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def password_expired(user) -> bool:
    """An initial password (set by an administrator) or one older than the maximum age."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.must_change_password:
        return True
    max_age = getattr(settings, "PORTAL_PASSWORD_MAX_AGE_DAYS", 90)
    if not max_age:
        return False
    changed = user.password_changed_at
    return changed is None or timezone.now() - changed > timedelta(days=max_age)


def password_expires_at(user):
    max_age = getattr(settings, "PORTAL_PASSWORD_MAX_AGE_DAYS", 90)
    if not max_age or user.password_changed_at is None:
        return None
    return user.password_changed_at + timedelta(days=max_age)


def axes_client_ip(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the same proxy-aware address the audit log records."""
    return client_ip(request)


# ------------------------------------------------------------------------------ session stamps --

@receiver(user_logged_in, dispatch_uid="portal.security.stamp_session")
def _stamp_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[SESSION_AUTH_AT] = now
    session[SESSION_LAST_SEEN] = now
    session[SESSION_REAUTH_AT] = now


def mark_recent_auth(request) -> None:
    request.session[SESSION_REAUTH_AT] = time.time()


def has_recent_auth(request) -> bool:
    stamp = request.session.get(SESSION_REAUTH_AT)
    return stamp is not None and time.time() - stamp < settings.PORTAL_REAUTH_SECONDS


def _end_session(request, reason: str) -> None:
    """Log out without the user_logged_out signal, recording why (idle, absolute, deactivated)."""
    from portal.enums import AuditAction, AuditOutcome
    from portal.services import audit_record

    user = request.user
    audit_record(action=AuditAction.LOGOUT, outcome=AuditOutcome.DENIED, actor=user, request=request,
                 detail={"reason": reason})
    request.session.flush()
    request.user = AnonymousUser()


class SessionLimitsMiddleware:
    """Idle (PORTAL_SESSION_IDLE_SECONDS) and absolute (PORTAL_SESSION_ABSOLUTE_SECONDS) limits.

    The last-seen stamp is rewritten at most every PORTAL_SESSION_TOUCH_SECONDS, so a page view
    does not always cost a session write; the idle limit is exact to that granularity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            auth_at = session.get(SESSION_AUTH_AT)
            last_seen = session.get(SESSION_LAST_SEEN, auth_at)
            if auth_at is None:
                session[SESSION_AUTH_AT] = session[SESSION_LAST_SEEN] = now
            elif now - auth_at >= settings.PORTAL_SESSION_ABSOLUTE_SECONDS:
                _end_session(request, "session_absolute_limit")
                messages.warning(request, _("登录已超过8小时，请重新登录。"))
            elif last_seen is not None and now - last_seen >= settings.PORTAL_SESSION_IDLE_SECONDS:
                _end_session(request, "session_idle_limit")
                messages.warning(request, _("超过30分钟未操作，已自动退出登录，请重新登录。"))
            elif last_seen is None or now - last_seen >= settings.PORTAL_SESSION_TOUCH_SECONDS:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


# ------------------------------------------------------------------- OTP and password gates --

# URL names a signed-in user may reach before passing the gates.
OTP_EXEMPT_URLS = frozenset({"logout", "portal:otp-verify", "portal:otp-setup"})
PASSWORD_EXEMPT_URLS = OTP_EXEMPT_URLS | {"password_change"}


def redirect_to(request, url_name: str, *, keep_next: bool = True) -> HttpResponse:
    url = reverse(url_name)
    if keep_next and request.method == "GET" and not getattr(request, "htmx", False):
        url += "?" + urlencode({"next": request.get_full_path()})
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class AccountPolicyMiddleware:
    """Second factor and password rotation before anything else; no-store on authenticated pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        was_authenticated = bool(user is not None and user.is_authenticated)
        response = self.get_response(request)
        if was_authenticated or (getattr(request, "user", None) and request.user.is_authenticated):
            add_never_cache_headers(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        from portal.access import view_declaration

        user = request.user
        if not user.is_authenticated or view_declaration(view_func) == "public":
            return None
        name = request.resolver_match.view_name if request.resolver_match else ""
        if name in OTP_EXEMPT_URLS:
            return None
        if requires_otp(user) and not otp_verified(user):
            from django_otp import user_has_device

            return redirect_to(request, "portal:otp-verify" if user_has_device(user) else "portal:otp-setup")
        if name in PASSWORD_EXEMPT_URLS:
            return None
        if password_expired(user):
            if not getattr(request, "htmx", False):
                messages.warning(
                    request,
                    _("请先修改初始密码。") if user.must_change_password else _("密码已超过90天未修改，请修改密码。"),
                )
            return redirect_to(request, "password_change")
        return None


class DeniedAccessAuditMiddleware:
    """Write one ACCESS_DENIED audit row for every 403/404 answer not already audited by the view.

    Anonymous 404s (scanners) are audited at most PORTAL_AUDIT_ANON_404_PER_MINUTE times per IP and
    minute so they cannot flood the log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = timezone.now()
        response = self.get_response(request)
        if response.status_code in (403, 404):
            try:
                self._record(request, response.status_code, started)
            except Exception:  # the answer must not become a 500 because the log is unavailable
                logger.exception("could not audit a denied access to %s", request.path)
        return response

    def _record(self, request, status: int, started) -> None:
        from portal.enums import AuditAction, AuditOutcome
        from portal.models import AuditEvent
        from portal.services import audit_record

        request_id = getattr(request, "request_id", "")
        # Already audited by the view? (created_at is indexed: only this request's rows are read.)
        if request_id and AuditEvent.objects.filter(
            created_at__gte=started, request_id=request_id, action=AuditAction.ACCESS_DENIED
        ).exists():
            return
        user = getattr(request, "user", None)
        if status == 404 and not (user is not None and user.is_authenticated):
            key = f"portal:anon404:{client_ip(request)}:{int(time.time() // 60)}"
            cache.add(key, 0, 120)
            if cache.incr(key) > settings.PORTAL_AUDIT_ANON_404_PER_MINUTE:
                return
        audit_record(
            action=AuditAction.ACCESS_DENIED, outcome=AuditOutcome.DENIED, request=request,
            detail={"status": status, "method": request.method},
        )


# ----------------------------------------------------------------------- re-authentication --

def reauth_redirect(request) -> HttpResponse:
    """Send the user to the re-authentication page, returning to this page (or, for a POST, to
    the page the form was on) afterwards."""
    if request.method == "GET":
        target = request.get_full_path()
    else:
        referer = request.META.get("HTTP_REFERER", "")
        target = referer if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ) else request.path
    url = reverse("portal:reauth") + "?" + urlencode({"next": target})
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    if request.method != "GET":
        messages.warning(request, _("此操作需要再次验证身份，请验证后重新提交。"))
    return redirect(url)


class RecentAuthRequiredMixin:
    """Class-based views: demand a password (+ TOTP) entry within PORTAL_REAUTH_SECONDS.

    Put it after PortalPermissionMixin so the permission is checked first."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_recent_auth(request):
            return reauth_redirect(request)
        return super().dispatch(request, *args, **kwargs)


def recent_auth_required(view):
    """Function views: the decorator form of RecentAuthRequiredMixin."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and not has_recent_auth(request):
            return reauth_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


# ------------------------------------------------------------------------------ rate limits --

def ratelimit_key_ip(group, request) -> str:
    return client_ip(request) or "unknown"


def ratelimit_key_user(group, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{ratelimit_key_ip(group, request)}"


_KEYS = {"ip": ratelimit_key_ip, "user": ratelimit_key_user}


def too_many_requests(request) -> HttpResponse:
    body = render_to_string("429.html", request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = "60"
    return response


def check_ratelimit(request, group: str, *, key="ip", methods=("POST",)) -> bool:
    """Count this request against PORTAL_RATELIMITS[group]; True when the limit is exceeded."""
    from django_ratelimit.core import is_ratelimited

    rate = settings.PORTAL_RATELIMITS.get(group)
    if not rate or request.method not in methods:
        return False
    key_fn = _KEYS.get(key, key)
    limited = is_ratelimited(request, group=f"portal.{group}", key=key_fn, rate=rate, method=list(methods),
                             increment=True)
    if limited:
        from portal.enums import AuditAction, AuditOutcome
        from portal.services import audit_record

        marker = f"portal:rl-audited:{group}:{key_fn(group, request)}"
        if cache.add(marker, 1, 60):
            audit_record(action=AuditAction.ACCESS_DENIED, outcome=AuditOutcome.DENIED, request=request,
                         detail={"reason": "rate_limit", "group": group, "rate": rate})
    return limited


def ratelimit(group: str, *, key="ip", methods=("POST",)):
    """Decorator for function views: 429 once PORTAL_RATELIMITS[group] is exceeded."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if check_ratelimit(request, group, key=key, methods=methods):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# The public objection form (公示异议): per-IP limit, POSTs only.
ratelimit_public_form = ratelimit("public_form", key="ip")


class RateLimitMixin:
    """Class-based views: set `ratelimit_group` (a key of PORTAL_RATELIMITS), optionally
    `ratelimit_key` ("ip", "user" or a callable(group, request)) and `ratelimit_methods`."""

    ratelimit_group: str = ""
    ratelimit_key = "ip"
    ratelimit_methods = ("POST",)

    def dispatch(self, request, *args, **kwargs):
        if self.ratelimit_group and check_ratelimit(
            request, self.ratelimit_group, key=self.ratelimit_key, methods=self.ratelimit_methods
        ):
            return too_many_requests(request)
        return super().dispatch(request, *args, **kwargs)


def end_session_if_locked(request) -> bool:
    """After a failed re-authentication that tripped the lockout, sign the user out."""
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


# --------------------------------------------------------------------------------- deploy checks --

from django.core import checks  # noqa: E402


@checks.register(checks.Tags.security, deploy=True)
def check_security_settings(app_configs, **kwargs):
    problems = []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        problems.append(checks.Warning(
            "The default cache is per-process: rate limits are not shared between workers.",
            hint="Set REDIS_URL (portal.settings.base uses Redis when it is set).", id="portal.W001"))
    if settings.PORTAL_DEMO:
        problems.append(checks.Error("PORTAL_DEMO is on: demo TOTP codes would be shown.", id="portal.E001"))
    if not settings.PORTAL_OTP_REQUIRED:
        problems.append(checks.Warning("PORTAL_OTP_REQUIRED is off: privileged roles sign in with a password only.",
                                       id="portal.W002"))
    if settings.PORTAL_FIELD_KEYS.startswith("dev1:") or "dev-only" in settings.PORTAL_BLIND_INDEX_KEY:
        problems.append(checks.Error("Development personal-information keys in use.", id="portal.E002"))
    return problems
