"""Helpers for browsing pghistory events."""

import pghistory.models
from django.apps import apps

from portal.models import User


def tracked_models() -> list[tuple[str, str]]:
    """(label, verbose name) of every model with pghistory tracking."""
    found = []
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and model._meta.managed:
            tracked = getattr(model, "pgh_tracked_model", None)
            if tracked is not None:
                found.append((tracked._meta.label, str(tracked._meta.verbose_name)))
    return sorted(set(found))


def annotate_actors(events) -> None:
    """Attach `actor` (a User or None) to each event from its context, in one query."""
    ids = set()
    for event in events:
        user_id = (event.pgh_context or {}).get("user") if event.pgh_context else None
        if user_id:
            ids.add(user_id)
    users = User.objects.in_bulk(ids)
    for event in events:
        context = event.pgh_context or {}
        event.actor = users.get(context.get("user"))
        event.ip = context.get("ip")
