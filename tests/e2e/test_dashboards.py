"""Browser: every demo account signs in through the login form and lands on its dashboard, in
Chinese, styled, with its role's section; no failed request, no console error (CSP included).
Screenshots: tests/artifacts/dashboard-<account>.png."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portal.demo import ACCOUNTS
from portal.enums import Role
from portal.models import Channel
from tests.e2e.conftest import assert_clean, shot

pytestmark = pytest.mark.e2e


def section_title(role: str, scope: str | None) -> str:
    label = str(Role(role).label)
    if role == Role.UNIT:
        return f"{label} · {scope}"
    if role == Role.CHANNEL:
        return f"{label} · {Channel.objects.get(code=scope).authority}"
    return label


@pytest.mark.parametrize("username, full_name, role, scope", ACCOUNTS, ids=[a[0] for a in ACCOUNTS])
def test_dashboard_of_each_demo_account(username, full_name, role, scope, demo_data, live_server, login_page,
                                        page_log):
    page = login_page(username)
    if page.url != live_server.url + reverse("portal:dashboard"):
        page.goto(live_server.url + reverse("portal:dashboard"))
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))
    page.wait_for_load_state("networkidle")

    expect(page).to_have_title("工作台 · 镇江市技能大师工作室管理平台")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    expect(page.locator("h1")).to_have_text(f"{full_name}，您好")
    title = page.locator(f'section[data-role="{role}"] h2.section-title')
    expect(title).to_be_visible()
    expect(title).to_have_text(section_title(role, scope))
    expect(page.locator(f'section[data-role="{role}"] .card').first).to_be_visible()

    # Styled: Bootstrap and portal.css applied (navy header bar, Bootstrap's card border radius).
    header = page.locator(".portal-header").evaluate("e => getComputedStyle(e).backgroundImage")
    assert header.startswith("linear-gradient(90deg, rgb(31, 59, 99)"), header
    radius = page.locator(".card").first.evaluate("e => getComputedStyle(e).borderTopLeftRadius")
    assert radius == "6px", radius

    shot(page, f"dashboard-{username}")
    assert_clean(page_log)
