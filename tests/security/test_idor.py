"""security.md #12: IDOR / object scope.

Every routed URL that names an object (from the URL policy, tests/policy/, so a new route is
covered as soon as it is listed there) is requested by users of other tenants with the object
id swapped in: units of another unit, channel officers of another channel, and experts (a role
with no features yet, so every unit's object is foreign to them). Each attempt is made with GET
and with POST (the route's own form data, made otherwise valid: current lock version, a real
file), and must be refused with 403/404 (405 only for a method the view does not handle), with
nothing changed: every row of the studios and reviews tables (history tables included), units,
campaigns, channels and workflow history, the stored files, and no REVEAL/DOWNLOAD/EXPORT row.

What an object belongs to is found generically: the model behind the view's queryset, and its
owner unit (the object itself for a Unit, its `unit` or its `application.unit` otherwise).
Routes over objects no unit owns (campaigns, calendar, channels, reference data, accounts) are
city/admin configuration, covered by the role policy (#11); they are listed in NOT_TENANT_OWNED
with the reason, and an object route in neither group fails the test.
"""

import hashlib
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from portal.enums import AuditAction
from portal.models import AuditEvent, Campaign, Channel, TransitionLog, Unit
from portal.pi import revealables
from portal.views.pi import RevealView
from studios.enums import EDITABLE_STATUSES
from studios.models import Application, Attachment
from tests.factories.studios import draft, submitted
from tests.helpers import login
from tests.security.routes import route_paths

pytestmark = pytest.mark.django_db

# Another unit (both ways), another channel (both ways), an expert. direct_unit and
# unassigned_expert have the same role and scope shape as other_unit and expert (kept out for time).
ATTACKERS = ("unit", "other_unit", "channel", "other_channel", "expert")
NOT_TENANT_OWNED = {
    "portal:campaign-update": "campaign: city configuration (role policy #11)",
    "portal:calendar-delete": "calendar override: city configuration",
    "portal:channel-update": "channel: city configuration",
    "portal:reference-update": "reference list: city configuration",
    "portal:account-detail": "account: 系统/安全管理员 only (#11, #14)",
    "portal:account-deactivate": "account administration",
    "portal:account-activate": "account administration",
    "portal:account-reset-password": "account administration",  # pragma: allowlist secret
    "portal:account-unlock": "account administration",
    "portal:account-end-sessions": "account administration",
    "portal:account-otp-reset": "account administration",
    "portal:role-grant": "account administration",
    "portal:role-revoke": "account administration",
}
OBJECT_KWARGS = ("pk", "object_id")
WATCHED_ACTIONS = (AuditAction.REVEAL, AuditAction.DOWNLOAD, AuditAction.EXPORT)


def tenancy(world) -> dict[str, set[int]]:
    """The units each attacker legitimately acts for (the oracle: ownership, not the app's selectors)."""
    return {
        "unit": {world.unit_a.pk},
        "other_unit": {world.unit_b.pk},
        "channel": set(Unit.objects.filter(channel=world.jingkou).values_list("pk", flat=True)),
        "other_channel": set(Unit.objects.filter(channel=world.danyang).values_list("pk", flat=True)),
        "expert": set(),
    }


def owner_unit_id(obj) -> int | None:
    if isinstance(obj, Unit):
        return obj.pk
    if getattr(obj, "unit_id", None) is not None:
        return obj.unit_id
    application = getattr(obj, "application", None)
    return application.unit_id if application is not None else None


def route_model(path: str, user):
    """The model of the object a route serves (from the view's queryset), or None."""
    match = resolve(path.split("?", 1)[0])
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not hasattr(view_class, "get_queryset"):
        return None
    request = RequestFactory().get(path)
    request.user = user
    view = view_class()
    view.setup(request, *match.args, **match.kwargs)
    try:
        return view.get_queryset().model
    except Exception:  # a view whose queryset needs more than the URL stays unclassified (fails below)
        return None


def tenant_tables() -> list[str]:
    models = [m for label in ("studios", "reviews") for m in apps.get_app_config(label).get_models()]
    models += [Unit, Campaign, Channel, TransitionLog]
    return sorted({m._meta.db_table for m in models})


def state_fingerprint() -> str:
    """md5 of every row of the tenant tables, size and mtime of every attachment's file, and the
    count of reveal/download/export audit rows."""
    qn = connection.ops.quote_name
    parts = []
    with connection.cursor() as cursor:
        for table in tenant_tables():
            cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "  # noqa: S608
                           f"FROM {qn(table)} t")
            parts.append(f"{table}:{cursor.fetchone()}")
    for attachment in Attachment.objects.order_by("pk"):
        path = Path(attachment.file.path)
        stat = path.stat() if path.is_file() else None
        parts.append(f"file:{attachment.pk}:{stat and (stat.st_size, stat.st_mtime_ns)}")
    parts.append(f"audit:{AuditEvent.objects.filter(action__in=WATCHED_ACTIONS).count()}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def add_foreign_objects(world) -> None:
    """Objects of unit_b and the direct unit with real evidence files (the policy world's other
    applications carry placeholder file paths, and a missing file would also answer 404)."""
    for unit, persona in ((world.unit_b, "other_unit"), (world.unit_direct, "direct_unit")):
        actor = world.users[persona]
        for app in (draft(unit=unit, campaign=world.campaign, actor=actor, complete=True),
                    submitted(unit=unit, campaign=world.campaign, actor=actor)):
            content = b"%PDF-1.4 foreign evidence"
            extra = Attachment(application=app, slot="other", original_name="外单位材料.pdf",
                               content_type="application/pdf", size=len(content),
                               sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor)
            extra.file.save("x.pdf", ContentFile(content), save=True)


def victims(model) -> list:
    """Representative objects of `model`: per owner unit, one editable and one past-draft case
    (for applications and their children), each with its file where it has one."""
    chosen: dict[tuple, object] = {}
    for obj in model._default_manager.order_by("pk"):
        owner = owner_unit_id(obj)
        if owner is None:
            continue
        application = obj if isinstance(obj, Application) else getattr(obj, "application", None)
        stage = None if application is None else application.status in EDITABLE_STATUSES
        if isinstance(obj, Attachment) and not Path(obj.file.path).is_file():
            continue
        chosen.setdefault((owner, stage), obj)
    return list(chosen.values())


def foreign_victims(objects: list, own_units: set[int]) -> list:
    """At most two foreign objects for one attacker (time): an editable one of the first foreign
    unit and a past-draft one of the last, so both stages and, where there are two foreign
    units, both units are tried."""
    foreign = [o for o in objects if owner_unit_id(o) not in own_units]
    if not foreign:
        return []
    owners = sorted({owner_unit_id(o) for o in foreign})

    def pick(owner, editable):
        return next((o for o in foreign if owner_unit_id(o) == owner and _editable(o) in (editable, None)), None)

    first, last = pick(owners[0], True), pick(owners[-1], False)
    picked = [o for o in (first, last) if o is not None]
    return list(dict.fromkeys(picked)) or foreign[:2]


def _editable(obj) -> bool | None:
    application = obj if isinstance(obj, Application) else getattr(obj, "application", None)
    return None if application is None else application.status in EDITABLE_STATUSES


def swapped(route, world, key: str, obj) -> str:
    kwargs = dict(route.kwargs(world) if callable(route.kwargs) else route.kwargs or {})
    kwargs[key] = obj.pk if key == "pk" else str(obj.pk)
    path = reverse(route.name, kwargs=kwargs)
    return f"{path}?{route.query}" if route.query else path


def post_data(route, world, obj) -> dict:
    data = dict(route.data(world) if callable(route.data) else route.data or {})
    application = obj if isinstance(obj, Application) else getattr(obj, "application", None)
    if "lock_version" in data and application is not None:
        data["lock_version"] = Application.objects.get(pk=application.pk).lock_version
    return data


def handled_methods(path: str) -> set[str]:
    view_class = getattr(resolve(path.split("?", 1)[0]).func, "view_class", None)
    names = view_class.http_method_names if view_class else ["get", "post"]
    return {m.upper() for m in names if view_class is None or hasattr(view_class, m)}


def test_no_cross_tenant_object_access(world):
    pairs = route_paths(world)
    add_foreign_objects(world)
    tenants = tenancy(world)
    clients = {persona: login(Client(), world.users[persona]) for persona in ATTACKERS}
    attempts, succeeded, unclassified, covered = 0, [], [], defaultdict(int)
    victim_units = defaultdict(set)
    baseline = state_fingerprint()

    for route, path in pairs:
        kwargs = route.kwargs(world) if callable(route.kwargs) else route.kwargs or {}
        key = next((k for k in OBJECT_KWARGS if k in kwargs), None)
        if not kwargs or route.name in NOT_TENANT_OWNED:
            continue
        if key is None:
            unclassified.append(f"{route.name}: no object id in {sorted(kwargs)}")
            continue
        if resolve(path.split("?", 1)[0]).func.view_class is RevealView:
            targets = [(entry.model, entry.field) for entry in revealables()]
        else:
            model = route_model(path, world.users["city_officer"])
            targets = [(model, None)]
        for model, field in targets:
            if model is None or not any(owner_unit_id(o) is not None for o in model._default_manager.all()[:1]):
                unclassified.append(f"{route.name}: serves {model}, owned by no unit")
                continue
            pool = victims(model)
            for persona in ATTACKERS:
                client = clients[persona]
                for obj in foreign_victims(pool, tenants[persona]):
                    if field is not None:
                        route_kwargs = {**kwargs, "model_label": model._meta.label, "field": field}
                        route = type(route)(**{**route.__dict__, "kwargs": route_kwargs})
                    target = swapped(route, world, key, obj)
                    methods = handled_methods(target)
                    victim_units[route.name].add(owner_unit_id(obj))
                    for method in ("GET", "POST"):
                        if method == "GET":
                            response = client.get(target)
                        else:
                            response = client.post(target, post_data(route, world, obj))
                        attempts += 1
                        covered[route.name] += 1
                        refused = response.status_code in (403, 404) or (
                            response.status_code == 405 and method not in methods)
                        # The state is compared after each attempt pair (GET, then POST).
                        after = state_fingerprint() if method == "POST" else baseline
                        if not refused or after != baseline:
                            succeeded.append(f"{method} {target} ({route.name}, {model.__name__} of unit "
                                             f"{owner_unit_id(obj)}) as {persona}: {response.status_code}"
                                             + ("" if after == baseline else ", state changed"))
                            baseline = after

    # Positive control: the victims are real, reachable objects for their own tenant.
    own = login(Client(), world.users["other_unit"])
    b_app = Application.objects.filter(unit=world.unit_b, status="draft").first()
    assert own.get(reverse("studios:application-detail", kwargs={"pk": b_app.pk})).status_code == 200
    b_file = next(a for a in victims(Attachment) if owner_unit_id(a) == world.unit_b.pk)
    assert own.get(reverse("studios:attachment-download", kwargs={"pk": b_file.pk})).status_code == 200
    assert unclassified == [], f"object routes to classify (tenant model or NOT_TENANT_OWNED): {unclassified}"
    expected = {name for name, route in ((r.name, r) for r, _p in pairs)
                if (route.kwargs and name not in NOT_TENANT_OWNED)}
    assert set(covered) == expected, f"routes without attempts: {sorted(expected - set(covered))}"
    all_units = {world.unit_a.pk, world.unit_b.pk, world.unit_direct.pk}
    assert {name: units for name, units in victim_units.items() if units != all_units} == {}, (
        "every route is tried on objects of every unit")
    print(f"IDOR: {len(covered)} object routes, {attempts} attempts: "
          + ", ".join(f"{name} {n}" for name, n in sorted(covered.items())))
    print(f"FIGURE #12: {len(succeeded)}/{attempts} cross-tenant accesses succeed")
    assert succeeded == []
