from django.conf import settings
from django.utils import timezone

from portal import roles


def portal(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.PORTAL_SITE_NAME,
        "portal_demo": settings.PORTAL_DEMO,
        "user_roles": roles.role_set(user) if user is not None else set(),
        "user_assignments": roles.assignments(user) if user is not None else [],
        "now": timezone.now(),
    }
