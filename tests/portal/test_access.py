"""Deny by default (portal.access): a view that declares no permission is not served."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from portal.access import (
    DenyByDefaultMiddleware,
    PortalPermissionMixin,
    PublicMixin,
    permission_required_view,
    public_view,
    view_declaration,
)
from portal.enums import AuditAction, AuditOutcome
from portal.models import AuditEvent
from tests import policy
from tests.helpers import login

REFUSED = "未声明访问权限的页面不予提供。"


def undeclared(request):
    return HttpResponse("served")


@login_not_required
def undeclared_but_open(request):
    return HttpResponse("served")


class UndeclaredClassView(PortalPermissionMixin, View):
    """Inherits the mixin but forgets permission_required."""

    def get(self, request):
        return HttpResponse("served")


class PublicClassView(PublicMixin, View):
    def get(self, request):
        return HttpResponse("public page")


@public_view
def public_function(request):
    return HttpResponse("public function")


@permission_required_view("portal.manage_units")
def officer_function(request):
    return HttpResponse("officer function")


class OfficerClassView(PortalPermissionMixin, View):
    permission_required = "portal.manage_units"

    def get(self, request):
        return HttpResponse("officer page")


urlpatterns = [
    path("t/undeclared/", undeclared),
    path("t/undeclared-open/", undeclared_but_open),
    path("t/undeclared-class/", UndeclaredClassView.as_view()),
    path("t/public-class/", PublicClassView.as_view()),
    path("t/public-function/", public_function),
    path("t/officer-function/", officer_function),
    path("t/officer-class/", OfficerClassView.as_view()),
    path("", include("portal.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.mark.parametrize("route", policy.resolver_routes(), ids=lambda r: r.label)
def test_every_routed_view_declares_its_access(route):
    assert view_declaration(route.callback) is not None, f"{route.label} ({route.route}) declares no access"


def test_declarations_are_read_from_views():
    assert view_declaration(undeclared) is None
    assert view_declaration(UndeclaredClassView.as_view()) is None
    assert view_declaration(PublicClassView.as_view()) == "public"
    assert view_declaration(public_function) == "public"
    assert view_declaration(officer_function) == "portal.manage_units"
    assert view_declaration(OfficerClassView.as_view()) == "portal.manage_units"


@pytest.mark.parametrize("url", ["/t/undeclared/", "/t/undeclared-class/"])
def test_undeclared_view_is_refused_to_a_signed_in_user(url, world, client):
    login(client, world.users["city_officer"])
    response = client.get(url)
    assert (response.status_code, response.content.decode()) == (403, REFUSED)


def test_undeclared_view_is_refused_even_when_sign_in_is_not_required(db, client):
    response = client.get("/t/undeclared-open/")
    assert (response.status_code, response.content.decode()) == (403, REFUSED)


def test_undeclared_view_sends_anonymous_visitors_to_sign_in_first(db, client):
    response = client.get("/t/undeclared/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/t/undeclared/")


@pytest.mark.parametrize("url, text", [("/t/public-class/", "public page"),
                                       ("/t/public-function/", "public function")])
def test_public_views_are_served_to_anonymous_visitors(url, text, db, client):
    response = client.get(url)
    assert (response.status_code, response.content.decode()) == (200, text)


@pytest.mark.parametrize("url, text", [("/t/officer-function/", "officer function"),
                                       ("/t/officer-class/", "officer page")])
def test_permission_views_serve_holders_and_refuse_others_with_an_audit_row(url, text, world, client):
    login(client, world.users["unit"])
    refused = client.get(url)
    assert refused.status_code == 403
    assert REFUSED not in refused.content.decode()
    row = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert (row.actor_id, row.outcome, row.path) == (world.users["unit"].pk, AuditOutcome.DENIED, url)

    login(client, world.users["city_officer"])
    allowed = client.get(url)
    assert (allowed.status_code, allowed.content.decode()) == (200, text)


def test_middleware_answers_403_without_calling_the_view(rf):
    request = rf.get("/x/")
    middleware = DenyByDefaultMiddleware(lambda r: HttpResponse("served"))
    response = middleware.process_view(request, undeclared, (), {})
    assert (response.status_code, response.content.decode()) == (403, REFUSED)
    assert middleware.process_view(request, public_function, (), {}) is None
