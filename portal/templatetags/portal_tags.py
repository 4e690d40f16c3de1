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


@register.filter
def days_left(value) -> str:
    """Time until a deadline in plain Chinese: "3天", "5小时", "不足1小时", "已截止"."""
    from django.utils import timezone

    if not value:
        return ""
    seconds = (value - timezone.now()).total_seconds()
    if seconds <= 0:
        return "已截止"
    if seconds >= 86400:
        return f"{int(seconds // 86400)}天"
    if seconds >= 3600:
        return f"{int(seconds // 3600)}小时"
    return "不足1小时"
