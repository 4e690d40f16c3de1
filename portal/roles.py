"""A user's role assignments, loaded once per request and cached on the user object."""

from portal.enums import CITY_ROLES, Role


def assignments(user) -> list:
    """All RoleAssignments of `user` (with unit and channel), cached on the instance."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_portal_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("unit", "channel").order_by("id"))
        user._portal_assignments = cached
    return cached


def role_set(user) -> set[str]:
    return {a.role for a in assignments(user)}


def has_role(user, *roles: str) -> bool:
    return bool(role_set(user) & set(roles))


def is_city(user) -> bool:
    return has_role(user, *CITY_ROLES)


def unit_ids(user) -> set[int]:
    return {a.unit_id for a in assignments(user) if a.role == Role.UNIT}


def channel_ids(user) -> set[int]:
    return {a.channel_id for a in assignments(user) if a.role == Role.CHANNEL}


def primary_role(user) -> str | None:
    """The role whose dashboard the user sees first (first assigned)."""
    found = assignments(user)
    return found[0].role if found else None


def forget(user) -> None:
    """Drop the cache after assignments change."""
    if hasattr(user, "_portal_assignments"):
        del user._portal_assignments
