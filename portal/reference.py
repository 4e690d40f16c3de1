"""Database-backed reference lists (民族, 政治面貌 …), cached per process for a short time."""

from django.core.cache import cache

from portal.models import ReferenceItem

_CACHE_SECONDS = 300


def _entries(kind: str) -> list[tuple[str, str, str]]:
    key = f"reference:{kind}"
    found = cache.get(key)
    if found is None:
        found = list(
            ReferenceItem.objects.filter(kind=kind, is_active=True)
            .order_by("sort_order", "code")
            .values_list("code", "label", "short_label")
        )
        cache.set(key, found, _CACHE_SECONDS)
    return found


def choices(kind: str, *, short: bool = False) -> list[tuple[str, str]]:
    return [(code, (short_label or label) if short else label) for code, label, short_label in _entries(kind)]


def label(kind: str, code: str | None, *, short: bool = True) -> str:
    if not code:
        return ""
    for entry_code, entry_label, short_label in _entries(kind):
        if entry_code == code:
            return (short_label or entry_label) if short else entry_label
    return code


def sync_reference_items(item_model=ReferenceItem) -> int:
    """Upsert every list of portal.reference_data into ReferenceItem (labels refreshed, codes kept).

    Used by the data migration and by `seed_demo`; returns the number of rows written.
    """
    from portal import reference_data

    written = 0
    for kind, entries in reference_data.REFERENCE_LISTS.items():
        descriptions = getattr(reference_data, "REFERENCE_DESCRIPTIONS", {}).get(kind, {})
        for order, (code, label_text, short_label) in enumerate(entries):
            item_model.objects.update_or_create(
                kind=kind, code=code,
                defaults={"label": label_text, "short_label": short_label, "sort_order": order,
                          "description": descriptions.get(code, "")},
            )
            written += 1
    for kind in reference_data.REFERENCE_LISTS:
        cache.delete(f"reference:{kind}")
    return written
