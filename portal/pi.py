"""Personal information: which fields may be revealed in full, to whom, and the audited reveal.

Encrypted at rest by portal.crypto.EncryptedTextField; shown masked everywhere; revealed only by
the POST view `portal:reveal`, which checks this registry and a django-rules object permission
and writes exactly one REVEAL audit row per reveal (PIPL Art. 51; GB/T 35273 §7.1).

Register a field once, in your app's rules.py (loaded at start-up by rules' autodiscovery)::

    from portal.crypto import mask_id_number
    from portal.pi import register_revealable

    register_revealable("studios.Application", "lead_id_number", "studios.reveal_lead_id",
                        mask=mask_id_number, queryset=applications_visible_to)

- `permission`: a django-rules permission checked with the object (`user.has_perm(perm, obj)`).
- `queryset`: optional `callable(user) -> QuerySet`, the role-aware selector; an object outside it
  answers 404 like a missing one. Defaults to all rows (the permission alone decides).
- `mask`: how the value is shown before the reveal (default keeps the first and last character).

In templates: `{% load pi_tags %}{% pi_field application "lead_id_number" %}` renders the masked
value and, when the user may reveal it, a button that swaps in the full value (htmx).
Every registered field must also be listed in pi_inventory.yaml (tests/security/test_pi.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps


def mask_generic(value) -> str:
    text = "" if value is None else str(value)
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


@dataclass(frozen=True)
class Revealable:
    model_label: str
    field: str
    permission: str
    mask: Callable[[str], str] = mask_generic
    queryset: Callable | None = None

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def objects_for(self, user):
        if self.queryset is not None:
            return self.queryset(user)
        return self.model._default_manager.all()


_REGISTRY: dict[tuple[str, str], Revealable] = {}


def register_revealable(model, field: str, permission: str, *, mask=None, queryset=None) -> Revealable:
    """Allow `field` of `model` (a model class or "app_label.Model") to be revealed to users who
    hold `permission` on the object."""
    label = model if isinstance(model, str) else model._meta.label
    entry = Revealable(label, field, permission, mask or mask_generic, queryset)
    _REGISTRY[(label.lower(), field)] = entry
    return entry


def get_revealable(model_label: str, field: str) -> Revealable | None:
    return _REGISTRY.get((model_label.lower(), field))


def revealables() -> list[Revealable]:
    return list(_REGISTRY.values())


def masked_value(obj, field: str) -> str:
    entry = get_revealable(obj._meta.label, field)
    value = getattr(obj, field)
    if not value:
        return ""
    return (entry.mask if entry else mask_generic)(value)
