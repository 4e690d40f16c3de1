"""The URL × persona policy: who may use every route, and the machinery that checks it.

Each app lists its routes in its own module here (`tests/policy/portal.py`,
`tests/policy/studios.py`, `tests/policy/reviews.py` …), as a dict `POLICY` from URL name to
`Route`. Every module in this package except this one is loaded; a route the resolver knows
but no module lists fails tests/portal/test_url_policy.py with
"unlisted route studios:application-detail: add it to tests/policy/studios.py".

A route's outcome for each persona (tests.helpers.PERSONAS):
- in `allow`: success — 200 for GET (`get_status`), a 302 for POST (`post_status`) to `redirect`;
  a GET must show `shows(world, persona)` and none of `hides(world, persona)`, a POST must change
  `snapshot(world)`;
- in `hidden`: 404 (the object is outside the persona's scope: same answer as a missing object);
- anonymous, when not in `allow`: 302 to the login page with ?next=;
- everyone else: 403, with an ACCESS_DENIED audit row for the request's path; for a POST,
  `snapshot(world)` must be unchanged;
- `status` overrides any of the above for named personas (for example the login page sends
  signed-in users on to the dashboard: status 302, `redirect` the dashboard).

Optional per module: `extend_world(world)` adds the objects that module's routes need (an
application, an expert's assignment …); the matrix runs it once per module, in a savepoint, on
a copy of the base world, and each case then gets its own copy of that (see Matrix). A route's
own `setup(world)` runs before each of its cases.

Django admin routes (`admin:*`) follow one generic rule, ADMIN_RULE (staff only; none of the
personas is staff; see admin_expected), so they are not listed.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from portal.enums import AuditAction
from portal.models import AuditEvent
from tests.helpers import PERSONAS, SIGNED_IN, World, login

EVERYONE: frozenset[str] = frozenset(PERSONAS)
__all__ = ["EVERYONE", "PERSONAS", "SIGNED_IN", "Case", "Route"]

ADMIN_NAMESPACE = "admin"


@dataclass(frozen=True)
class Route:
    allow: Iterable[str] = frozenset()
    hidden: Iterable[str] = frozenset()
    methods: tuple[str, ...] = ("GET",)
    kwargs: Callable[[World], dict] | Mapping | None = None
    query: str = ""
    data: Callable[[World], dict] | None = None
    snapshot: Callable[[World], Any] | None = None
    # Whether an allowed POST must change the snapshot (False for idempotent actions).
    changes: bool = True
    # Texts an allowed GET must show / must not show (a scoping leak), given (world, persona).
    shows: Callable[[World, str], Iterable[str]] | None = None
    hides: Callable[[World, str], Iterable[str]] | None = None
    content_type: str = "text/html; charset=utf-8"
    get_status: int = 200
    post_status: int = 302
    # Location of success redirects (and of overridden 302s): a path or world -> path.
    redirect: Callable[[World], str] | str | None = None
    status: Mapping[str, int] = field(default_factory=dict)
    # Objects this route alone needs, created before `kwargs` is evaluated.
    setup: Callable[[World], Any] | None = None
    # Methods the view accepts that this policy deliberately leaves untested, with the reason.
    untested_methods: Mapping[str, str] = field(default_factory=dict)
    # Filled in by the loader.
    name: str = ""
    module: str = ""

    def __post_init__(self):
        for attr in ("allow", "hidden"):
            value = frozenset(getattr(self, attr))
            unknown = value - EVERYONE
            if unknown:
                raise ValueError(f"unknown persona(s) {sorted(unknown)} in Route.{attr}")
            object.__setattr__(self, attr, value)
        unknown = set(self.status) - EVERYONE
        if unknown:
            raise ValueError(f"unknown persona(s) {sorted(unknown)} in Route.status")
        if self.allow & self.hidden:
            raise ValueError(f"personas both allowed and hidden: {sorted(self.allow & self.hidden)}")
        object.__setattr__(self, "methods", tuple(m.upper() for m in self.methods))


@dataclass(frozen=True)
class Case:
    route: Route
    method: str
    persona: str

    @property
    def id(self) -> str:
        suffix = "" if self.method == "GET" else f":{self.method}"
        return f"{self.route.name}{suffix}[{self.persona}]"


# ---------------------------------------------------------------------------------------------
# The resolver


@dataclass(frozen=True)
class ResolvedRoute:
    name: str | None  # namespaced ("portal:unit-detail"), None for an unnamed pattern
    namespace: str
    parts: tuple  # the pattern objects from the root to this route
    callback: Callable

    @property
    def route(self) -> str:
        return "".join(str(p.pattern) for p in self.parts)

    @property
    def label(self) -> str:
        return self.name or f"{self.namespace}:<unnamed {self.route}>"


def resolver_routes() -> list[ResolvedRoute]:
    """Every URL pattern of the project, with its namespaced name."""
    found: list[ResolvedRoute] = []

    def walk(patterns, namespace: str, parts: tuple):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, ns, (*parts, pattern))
            elif isinstance(pattern, URLPattern):
                name = None
                if pattern.name:
                    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append(ResolvedRoute(name, namespace, (*parts, pattern), pattern.callback))

    walk(get_resolver().url_patterns, "", ())
    return found


def policy_file_for(name: str) -> str:
    """Where a route's policy belongs: the module named after its app namespace."""
    app = name.split(":", 1)[0] if ":" in name else "portal"
    return f"tests/policy/{app}.py"


# ---------------------------------------------------------------------------------------------
# Loading the policy modules


@dataclass
class Policies:
    routes: dict[str, Route]
    world_hooks: dict[str, list[Callable[[World], Any]]]
    modules: list[str]


_loaded: Policies | None = None


def load() -> Policies:
    """Import every module of this package (except this one) and merge their POLICY dicts."""
    global _loaded
    if _loaded is not None:
        return _loaded
    routes: dict[str, Route] = {}
    hooks: dict[str, list] = {}
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        modules.append(info.name)
        policy = getattr(module, "POLICY", None)
        if not isinstance(policy, dict):
            raise TypeError(f"tests/policy/{info.name}.py must define POLICY = {{url name: Route(...)}}")
        hook = getattr(module, "extend_world", None)
        hooks[info.name] = [hook] if hook else []
        for name, route in policy.items():
            if not isinstance(route, Route):
                raise TypeError(f"tests/policy/{info.name}.py: POLICY[{name!r}] is not a Route")
            if name in routes:
                raise ValueError(f"{name} is listed in both tests/policy/{routes[name].module}.py and "
                                 f"tests/policy/{info.name}.py")
            if name.split(":", 1)[0] == ADMIN_NAMESPACE:
                raise ValueError(f"{name}: admin routes follow ADMIN_RULE; do not list them")
            routes[name] = Route(**{**route.__dict__, "name": name, "module": info.name})
    _loaded = Policies(routes=routes, world_hooks=hooks, modules=modules)
    return _loaded


def cases() -> list[Case]:
    """The matrix: every listed route × method × persona, grouped by policy module."""
    policies = load()
    return [
        Case(route, method, persona)
        for route in sorted(policies.routes.values(), key=lambda r: (r.module, r.name))
        for method in route.methods
        for persona in PERSONAS
    ]


def unlisted_problem(resolved: ResolvedRoute) -> str | None:
    """Why a resolver route is not covered by the policy, or None when it is."""
    if resolved.namespace.split(":", 1)[0] == ADMIN_NAMESPACE:
        return None
    if resolved.name is None:
        app = resolved.namespace.split(":", 1)[0] or "portal"
        return f"unnamed route {resolved.route!r}: give it a name and add it to tests/policy/{app}.py"
    if resolved.name not in load().routes:
        return f"unlisted route {resolved.name}: add it to {policy_file_for(resolved.name)}"
    return None


def untested_methods_problem(route: Route, resolved: ResolvedRoute) -> str | None:
    """A class-based view that handles POST (or PUT, DELETE …) must have it in the policy."""
    view_class = getattr(resolved.callback, "view_class", None)
    if view_class is None:
        return None
    from django.views.generic.edit import ProcessFormView

    handled = {
        m.upper() for m in view_class.http_method_names
        if m not in ("options", "head") and hasattr(view_class, m)
        # ProcessFormView.put is an alias of post: covered by POST.
        and not (m == "put" and view_class.put is ProcessFormView.put)
    }
    missing = handled - set(route.methods) - {m.upper() for m in route.untested_methods}
    if missing:
        return (f"{route.name} handles {', '.join(sorted(missing))} but tests/policy/{route.module}.py lists "
                f"methods={route.methods}: add the method (with data and snapshot) or untested_methods={{…: reason}}")
    return None


# ---------------------------------------------------------------------------------------------
# Checking one case


def _evaluate(value, world: World):
    return value(world) if callable(value) else value


def apply_world_hooks(module: str, world: World) -> None:
    """Run the `extend_world` of the policy module `module` on `world`."""
    for hook in load().world_hooks.get(module, []):
        hook(world)


def prepare(route: Route, world: World) -> str:
    """Run the route's own set-up and return the path to request."""
    if route.setup is not None:
        route.setup(world)
    kwargs = _evaluate(route.kwargs, world) or {}
    path = reverse(route.name, kwargs=kwargs)
    return f"{path}?{route.query}" if route.query else path


def expected_status(route: Route, method: str, persona: str) -> int:
    if persona in route.status:
        return route.status[persona]
    if persona in route.allow:
        return route.get_status if method == "GET" else route.post_status
    if persona == "anonymous":
        return 302
    if persona in route.hidden:
        return 404
    return 403


def login_redirect(path: str) -> str:
    """Where LoginRequiredMiddleware sends an anonymous visitor of `path`."""
    callback = resolve(path.split("?", 1)[0]).func
    login_url = getattr(callback, "login_url", None) or settings.LOGIN_URL
    return redirect_to_login(path, resolve_url(login_url)).url


def check(case: Case, world: World, client) -> None:
    """Request the case's route as its persona and assert the policy's outcome. `client` is
    signed in as the persona already (anonymous: not signed in); the world has the route's
    module hooks applied (see Matrix)."""
    route, method, persona = case.route, case.method, case.persona
    path = prepare(route, world)
    user = world.user(persona)
    data = _evaluate(route.data, world) or {}
    before = route.snapshot(world) if route.snapshot and method != "GET" else None
    last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    if method == "GET":
        response = client.get(path)
    elif method == "POST":
        response = client.post(path, data)
    else:
        response = client.generic(method, path)

    expected = expected_status(route, method, persona)
    detail = f"{case.id}: {method} {path} as {persona}"
    assert response.status_code == expected, (
        f"{detail} gave {response.status_code}, policy says {expected}"
        + (f" (Location: {response.get('Location')})" if response.status_code in (301, 302) else "")
    )
    allowed = persona in route.allow and persona not in route.status
    if expected == 302:
        if persona == "anonymous" and not allowed and "anonymous" not in route.status:
            assert response["Location"] == login_redirect(path), detail
        elif route.redirect is not None:
            assert response["Location"] == _evaluate(route.redirect, world), detail
    if expected == 403:
        body = response.content.decode(errors="replace")
        assert "未声明访问权限" not in body, f"{detail}: refused by DenyByDefault (view declares no permission)"
        denied = list(
            AuditEvent.objects.filter(id__gt=last_audit, action=AuditAction.ACCESS_DENIED)
            .values_list("actor_id", "path")
        )
        assert denied == [(user.pk if user else None, path.split("?", 1)[0])], (
            f"{detail}: expected one ACCESS_DENIED audit row, found {denied}"
        )
    if allowed and method == "GET" and expected == 200:
        assert response["Content-Type"] == route.content_type, detail
        body = response.content.decode() if route.content_type.startswith("text/") else ""
        if route.shows is not None:
            missing = [text for text in route.shows(world, persona) if text not in body]
            assert missing == [], f"{detail}: page does not show {missing}"
        if route.hides is not None:
            leaked = [text for text in route.hides(world, persona) if text in body]
            assert leaked == [], f"{detail}: page shows what is outside the persona's scope: {leaked}"
    if before is not None:
        after = route.snapshot(world)
        if allowed and route.changes:
            assert after != before, f"{detail}: allowed {method} changed nothing ({before!r})"
        elif not allowed:
            assert after == before, f"{detail}: refused {method} changed {before!r} → {after!r}"


# ---------------------------------------------------------------------------------------------
# Django admin: one generic rule


_SAMPLE_BY_CONVERTER = {"int": "1", "path": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1))}


def _sample_part(pattern) -> str:
    text = str(pattern.pattern)
    if hasattr(pattern.pattern, "converters") and not text.startswith("^") and "(?P<" not in text:
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLE_BY_CONVERTER.get(m.group(1) or "str", "x"), text)

    def group(match):
        body = match.group(1)
        return "x" if body in (".*", ".+", "[^/]+") else body.split("|")[0]

    return re.sub(r"\(\?P<\w+>([^)]*)\)", group, text).lstrip("^").rstrip("$").replace("\\", "")


def admin_samples() -> list[tuple[str, str, Callable]]:
    """(label, a concrete path, callback) for every admin route."""
    samples = []
    for resolved in resolver_routes():
        if resolved.namespace.split(":", 1)[0] != ADMIN_NAMESPACE:
            continue
        path = "/" + "".join(_sample_part(part) for part in resolved.parts)
        match = resolve(path)
        if match.func is not resolved.callback:
            raise AssertionError(f"sample path {path} for {resolved.label} resolves to {match.view_name}")
        samples.append((resolved.label, path, resolved.callback))
    return samples


def admin_expected(persona: str, path: str, callback) -> tuple[int, str | None]:
    """ADMIN_RULE: the admin login page opens for everyone; every other admin page sends a
    non-staff visitor to a login page (anonymous visitors first meet LoginRequiredMiddleware;
    the admin sends a signed-in non-staff user's logout to the admin index, i.e. its login)."""
    url_name = resolve(path).url_name
    if url_name == "login":
        return 200, None
    if persona == "anonymous":
        return 302, login_redirect(path)
    if url_name == "logout":
        return 302, reverse("admin:index")
    return 302, redirect_to_login(path, reverse("admin:login")).url


def check_admin(persona: str, world: World, client) -> list[str]:
    """Problems found walking every admin route as `persona`, with `client` signed in as the
    persona (empty when ADMIN_RULE holds)."""
    user = world.user(persona)
    assert user is None or not user.is_staff
    problems = []
    for label, path, callback in admin_samples():
        response = client.get(path)
        status, location = admin_expected(persona, path, callback)
        got = (response.status_code, response.get("Location"))
        if got != (status, location):
            problems.append(f"{label} {path} as {persona}: got {got}, ADMIN_RULE says {(status, location)}")
    return problems


# ---------------------------------------------------------------------------------------------
# Running the matrix fast: one transaction, savepoints per policy module and per case


class Matrix:
    """The database state of the matrix, built once and reset by savepoints.

    Level 0 (the caller's open transaction): the world and one signed-in session per persona.
    Level 1 (`module_level`): a savepoint per policy module, holding what its `extend_world`
    creates. Level 2: each case runs in its own savepoint (pytest-django's per-test atomic
    block), and gets its own copy of the world object, so in-memory changes do not leak either.
    """

    def __init__(self, world: World):
        from django.test import Client

        self.base = world
        self.cookies = {}
        for persona in PERSONAS:
            user = world.user(persona)
            if user is not None:
                self.cookies[persona] = login(Client(), user).cookies

    @contextmanager
    def module_level(self, module: str):
        savepoint = transaction.savepoint()
        try:
            world = copy_world(self.base)
            apply_world_hooks(module, world)
            yield world
        finally:
            _rollback_to(savepoint)

    def client_for(self, persona: str):
        from django.test import Client

        client = Client()
        if persona in self.cookies:
            client.cookies = copy.deepcopy(self.cookies[persona])
        return client


def _rollback_to(savepoint) -> None:
    from django.db import connection

    transaction.savepoint_rollback(savepoint)
    connection.needs_rollback = False


def copy_world(world: World) -> World:
    """A copy whose model instances and dicts are the copy's own (rows are shared)."""
    values = {f.name: getattr(world, f.name) for f in dataclass_fields(world)}
    values = {name: copy.copy(value) for name, value in values.items()}
    values["users"] = {persona: copy.copy(user) for persona, user in world.users.items()}
    values["extra"] = {name: copy.copy(obj) for name, obj in world.extra.items()}
    return World(**values)
