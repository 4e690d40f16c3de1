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

Edit forms never print a stored identifier in full either (security.md #23): give the field a
`MaskedInput` widget and call `restore_masked(form)` at the end of the form's `__init__`. The input
then shows the masked value; submitting it unchanged keeps the stored value, typing a new complete
value replaces it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError


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


class MaskedInput(forms.TextInput):
    """A text input that shows a complete identifier masked.

    `complete(value)` says whether a value is a complete, valid identifier (shown masked) or input
    still to be corrected (shown as typed, so a user sees the mistake); `normalize` is the field's
    normaliser (a value typed as "139 5281 6372" is shown like the stored "13952816372"); the
    masked form is `mask(normalize(value))`. Pair it with `restore_masked`.
    """

    def __init__(self, *, mask: Callable[[str], str], complete: Callable[[str], bool],
                 normalize: Callable[[str], str] = str, attrs=None):
        super().__init__(attrs)
        self._mask = mask
        self.complete = complete
        self.normalize = normalize

    def mask(self, value: str) -> str:
        return self._mask(self.normalize(value))

    def format_value(self, value):
        value = super().format_value(value)
        if value and self.complete(value):
            return self.mask(value)
        return value


def passes(validator: Callable[[str], None]) -> Callable[[str], bool]:
    """`validator` (raises ValidationError) as a predicate, for MaskedInput(complete=…)."""

    def check(value: str) -> bool:
        try:
            validator(value)
        except ValidationError:
            return False
        return True

    return check


def restore_masked(form) -> None:
    """In a bound `form`, replace each MaskedInput value that equals the masked initial value by
    the initial value itself (the user left the masked identifier unchanged). No side effects
    beyond `form.data` (copied before the change)."""
    if not form.is_bound:
        return
    data = None
    for name, field in form.fields.items():
        widget = field.widget
        if not isinstance(widget, MaskedInput):
            continue
        initial = form.get_initial_for_field(field, name)
        key = form.add_prefix(name)
        if initial and form.data.get(key) == widget.mask(str(initial)):
            data = data if data is not None else form.data.copy()
            data[key] = str(initial)
    if data is not None:
        form.data = data
