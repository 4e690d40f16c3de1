"""Deny by default: every view declares who may use it, or it is not served.

- Class-based views inherit `PortalPermissionMixin` and set `permission_required` (a django-rules
  permission name, checked against `get_permission_object()`), or set `public = True`.
- Function views use `@permission_required_view("perm")` or `@public_view`.
- `DenyByDefaultMiddleware` refuses (403, logged) any view without such a declaration, and the
  URL-walk test (tests/portal/test_url_policy.py) proves every route is declared and behaves as
  its policy says for every persona.

Scoping: views over domain objects take their queryset from a role-aware selector, so an object
outside the user's scope is a 404, indistinguishable from a missing one; the permission is then
checked on the object.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from rules.contrib.views import PermissionRequiredMixin

logger = logging.getLogger("portal.access")

# Third-party views that enforce their own access rules.
TRUSTED_VIEW_MODULES = ("django.contrib.admin.", "django.views.static", "django.contrib.staticfiles.")


class PortalPermissionMixin(PermissionRequiredMixin):
    """Require `permission_required`; raise 403 for signed-in users who lack it (anonymous users
    are redirected to the login page by LoginRequiredMiddleware before they get here)."""

    permission_required: str | tuple[str, ...] | None = None
    raise_exception = True

    def get_permission_object(self):
        """Views over one object return it (already scoped by the selector); list views return None."""
        if hasattr(self, "get_object") and "pk" in self.kwargs:
            if not hasattr(self, "_permission_object"):
                self._permission_object = self.get_object()
            return self._permission_object
        return None

    def get_object(self, queryset=None):
        if queryset is None and hasattr(self, "_permission_object"):
            return self._permission_object
        return super().get_object(queryset)

    def handle_no_permission(self):
        from portal.services import audit_denied

        audit_denied(self.request, reason="permission", permission=str(self.permission_required))
        raise PermissionDenied


def public_view(view):
    """Mark a function view as public: no sign-in, no permission."""
    view = login_not_required(view)
    view.portal_public = True
    return view


def permission_required_view(perm: str):
    """Decorate a function view with a django-rules permission checked without an object."""

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                from portal.services import audit_denied

                audit_denied(request, reason="permission", permission=perm)
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.portal_permission = perm
        wrapped.__name__ = view.__name__
        wrapped.__module__ = view.__module__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


def _served_by_admin_site(view_func) -> bool:
    """Whether the Django admin site wraps this view (AdminSite.admin_view checks is_staff itself).

    Django's own wrappers mark the callable (`admin_site`, `model_admin`); views that third-party
    ModelAdmins wrap with `admin_site.admin_view(self.some_view)` are bound methods of the
    ModelAdmin underneath functools.wraps' `__wrapped__` chain.
    """
    from django.contrib.admin import AdminSite, ModelAdmin

    current = view_func
    for _ in range(10):  # wrapper depth is small (csrf_protect, never_cache, admin_view)
        if current is None:
            return False
        if getattr(current, "admin_site", None) is not None or getattr(current, "model_admin", None) is not None:
            return True
        if isinstance(getattr(current, "__self__", None), AdminSite | ModelAdmin):
            return True
        current = getattr(current, "__wrapped__", None)
    return False


def view_declaration(view_func) -> str | None:
    """The access declaration of a resolved view callable: "public", a permission, "trusted", or None."""
    view_class = getattr(view_func, "view_class", None)
    target = view_class or view_func
    if getattr(target, "public", False) or getattr(view_func, "portal_public", False):
        return "public"
    perm = getattr(target, "permission_required", None) or getattr(view_func, "portal_permission", None)
    if perm:
        return str(perm)
    module = getattr(target, "__module__", "") or ""
    if module.startswith(TRUSTED_VIEW_MODULES) or module + "." in TRUSTED_VIEW_MODULES:
        return "trusted"
    if _served_by_admin_site(view_func):
        return "trusted"
    return None


class DenyByDefaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_declaration(view_func) is None:
            logger.error("Refused undeclared view %s for %s", getattr(view_func, "__name__", view_func), request.path)
            return HttpResponseForbidden("未声明访问权限的页面不予提供。")
        return None


class PublicMixin:
    """Class-based views anyone may use, signed in or not."""

    public = True

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))
