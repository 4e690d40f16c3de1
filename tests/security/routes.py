"""The URL policy's routes with concrete paths, for the security walks (OTP gate, password
expiry, CSP crawl, CSRF)."""

from tests import policy


def route_paths(world, keep=lambda name, route: True) -> list[tuple[object, str]]:
    """(route, path) for every listed route `keep` accepts, after every policy module's
    extend_world has run once on `world`."""
    routes = [r for name, r in sorted(policy.load().routes.items()) if keep(name, r)]
    for module in sorted({r.module for r in routes}):
        policy.apply_world_hooks(module, world)
    return [(route, policy.prepare(route, world)) for route in routes]
