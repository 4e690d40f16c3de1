"""Role dashboards are assembled from panels that each app registers.

A panel provider is `fn(request) -> dict | None` returning {"title", "template", "context",
"order"}; apps register theirs in AppConfig.ready(), so the portal app needs no import of the
apps that build on it.
"""

from collections import defaultdict
from collections.abc import Callable

_providers: dict[str, list[Callable]] = defaultdict(list)


def register(role: str, provider: Callable) -> None:
    if provider not in _providers[role]:
        _providers[role].append(provider)


def panels_for(request, role: str) -> list[dict]:
    found = []
    for provider in _providers.get(role, []):
        panel = provider(request)
        if panel:
            found.append(panel)
    return sorted(found, key=lambda p: p.get("order", 100))
