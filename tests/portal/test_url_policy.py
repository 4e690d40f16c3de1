"""Every route × every persona, as tests/policy/<app>.py declares (see tests/policy/__init__.py).

The matrix shares one world: it is built once in a transaction that is rolled back at the end,
each policy module's `extend_world` runs once in a savepoint, and each case runs in pytest-django's
per-test savepoint (tests.policy.Matrix).
"""

import pytest
from django.db import transaction

from tests import policy
from tests.helpers import PERSONAS, build_world

CASES = policy.cases()
ROUTES = policy.resolver_routes()
NON_ADMIN = [r for r in ROUTES if not r.namespace.startswith(policy.ADMIN_NAMESPACE)]


def test_world_gives_each_persona_its_role(world):
    from portal.enums import Role

    roles = {p: [(a.role, a.unit_id, a.channel_id) for a in world.users[p].role_assignments.all()]
             for p in PERSONAS if p != "anonymous"}
    assert roles == {
        "unit": [(Role.UNIT, world.unit_a.pk, None)],
        "other_unit": [(Role.UNIT, world.unit_b.pk, None)],
        "channel": [(Role.CHANNEL, None, world.jingkou.pk)],
        "other_channel": [(Role.CHANNEL, None, world.danyang.pk)],
        "expert": [(Role.EXPERT, None, None)],
        "unassigned_expert": [(Role.EXPERT, None, None)],
        "city_officer": [(Role.CITY_OFFICER, None, None)],
        "city_approver": [(Role.CITY_APPROVER, None, None)],
        "auditor": [(Role.AUDITOR, None, None)],
        "sysadmin": [(Role.SYSADMIN, None, None)],
        "secadmin": [(Role.SECADMIN, None, None)],
    }
    assert (world.unit_a.channel.code, world.unit_b.channel.code, world.unit_direct.channel.code) == (
        "321102", "321181", "DIRECT")
    assert world.campaign.is_published


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield policy.Matrix(build_world())
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def module_world(request, matrix, django_db_blocker):
    """The world with one policy module's extend_world applied (pytest groups the cases by it)."""
    with django_db_blocker.unblock(), matrix.module_level(request.param) as world:
        yield world


@pytest.mark.parametrize("resolved", NON_ADMIN, ids=[r.label for r in NON_ADMIN])
def test_route_is_listed(resolved):
    problem = policy.unlisted_problem(resolved)
    if problem:
        pytest.fail(problem, pytrace=False)


def test_policy_lists_only_existing_routes():
    names = {r.name for r in ROUTES}
    stale = [
        f"tests/policy/{route.module}.py lists {name}, which is not a route"
        for name, route in sorted(policy.load().routes.items())
        if name not in names
    ]
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize("resolved", [r for r in NON_ADMIN if r.name in policy.load().routes],
                         ids=lambda r: r.label)
def test_policy_covers_every_method(resolved):
    problem = policy.untested_methods_problem(policy.load().routes[resolved.name], resolved)
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case, module_world", [pytest.param(case, case.route.module, id=case.id) for case in CASES],
    indirect=["module_world"],
)
def test_route_policy(case, module_world, matrix):
    policy.check(case, policy.copy_world(module_world), matrix.client_for(case.persona))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_is_staff_only(persona, matrix):
    problems = policy.check_admin(persona, policy.copy_world(matrix.base), matrix.client_for(persona))
    assert not problems, "\n".join(problems)


def test_an_unlisted_route_names_the_policy_module_to_add_it_to():
    from django.urls import path

    def view(request):  # pragma: no cover
        return None

    def resolved(name, namespace, route="x/"):
        return policy.ResolvedRoute(name, namespace, (path(route, view),), view)

    assert policy.unlisted_problem(resolved("studios:no-such-page", "studios")) == (
        "unlisted route studios:no-such-page: add it to tests/policy/studios.py")
    assert policy.unlisted_problem(resolved("evaluations:form", "evaluations")) == (
        "unlisted route evaluations:form: add it to tests/policy/evaluations.py")
    assert policy.unlisted_problem(resolved("healthz", "")) == (
        "unlisted route healthz: add it to tests/policy/portal.py")
    assert policy.unlisted_problem(resolved(None, "reviews", "x/<int:pk>/")) == (
        "unnamed route 'x/<int:pk>/': give it a name and add it to tests/policy/reviews.py")
    assert policy.unlisted_problem(resolved(None, "admin")) is None  # ADMIN_RULE covers the admin
    assert policy.unlisted_problem(resolved("portal:unit-detail", "portal")) is None
