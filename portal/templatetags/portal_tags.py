from django import template

from portal import crypto, reference

register = template.Library()


@register.simple_tag
def ref_label(kind: str, code: str, short: bool = True) -> str:
    """The display label of a reference-list code (民族, 政治面貌 …)."""
    return reference.label(kind, code, short=short)


@register.filter
def mask_phone(value: str) -> str:
    return crypto.mask_phone(value)


@register.filter
def mask_id(value: str) -> str:
    return crypto.mask_id_number(value)
