"""Browser: the 京口区 officer returns an application with a reason for one section, the unit fixes
and resubmits it, the officer sees the change highlighted and recommends it with rank and
opinion. Screenshots go to tests/artifacts/."""

import pytest
from django.urls import reverse

from studios.enums import ApplicationStatus as S
from studios.models import Application
from tests.e2e.conftest import assert_clean
from tests.e2e.conftest import shot as save_shot
from tests.factories.reviews import open_review_window, resubmit, submitted_application

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def open_action(page, action: str):
    """Expand one action of the accordion and wait until its animation is over."""
    page.get_by_test_id(f"open-{action}").click()
    page.locator(f"#action-{action}.collapse.show").wait_for()
    page.locator(".collapsing").wait_for(state="detached")
    return page.get_by_test_id(f"form-{action}")


def shot(page, name: str) -> None:
    save_shot(page, f"channel_review_{name}")


def test_return_resubmit_recommend(live_server, world, login_page, page_log):
    campaign = open_review_window(world.campaign)
    unit_user, officer = world.users["unit"], world.users["channel"]
    app = submitted_application(unit=world.unit_a, campaign=campaign, actor=unit_user)
    other = submitted_application(unit=world.unit_a, campaign=campaign, actor=unit_user)

    page = login_page(officer)
    page.on("dialog", lambda dialog: dialog.accept())

    # The dashboard panel: two to review, no place used, the deadline; then the queue.
    page.goto(live_server.url + reverse("portal:dashboard"))
    panel = page.get_by_test_id("prereview-panel")
    assert "2 待初审" in " ".join(panel.inner_text().split())
    assert "0 / 2" in panel.inner_text()
    shot(page, "0_dashboard")
    page.get_by_role("link", name="进入初审").click()
    page.wait_for_url(f"**{reverse('reviews:queue')}")
    queue = page.get_by_test_id("queue")
    assert queue.get_by_text(app.case_number).is_visible()
    assert queue.get_by_text(other.case_number).is_visible()
    assert "已推荐 0 / 2" in page.get_by_test_id("quota").inner_text()
    shot(page, "1_queue")

    # Open the case and return it with a reason for the lead-person section only.
    queue.get_by_role("row").filter(has_text=app.case_number).get_by_role("link", name="审核").click()
    page.wait_for_url(f"**{reverse('reviews:application-review', kwargs={'pk': app.pk})}")
    assert page.get_by_test_id("status").inner_text() == "待初审"
    form = open_action(page, "return")
    form.get_by_label("领衔人基本情况").fill("行政职务与单位任职文件不一致，请核对后修改。")
    shot(page, "2_return_form")
    form.get_by_role("button", name="退回修改").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "退回修改"
    assert page.get_by_text("已退回申报单位修改。").is_visible()
    lead = page.locator("#section-lead")
    assert "行政职务与单位任职文件不一致，请核对后修改。" in lead.inner_text()
    shot(page, "3_returned")

    # The unit fixes the section and submits again (through the services).
    app = Application.objects.get(pk=app.pk)
    assert app.status == S.RETURNED
    resubmit(application=app, actor=unit_user, fields={"lead_admin_post": "数控加工车间主任、首席技师"})

    # The officer sees what changed, highlighted, and recommends.
    page.reload()
    changes = page.get_by_test_id("changes")
    assert "与上一版相比的修改（第 1 版 → 第 2 版）" in changes.inner_text()
    row = changes.locator("tr[data-field=lead_admin_post]")
    assert "行政职务" in row.inner_text()
    assert row.locator("mark.diff-added").inner_text() == "、首席技师"
    assert page.locator("dd[data-field=lead_admin_post].diff-changed").is_visible()
    shot(page, "4_changes")

    form = open_action(page, "recommend")
    form.get_by_label("推荐排序").select_option(label="第 1 位")
    form.get_by_label("审核推荐意见").fill("该工作室领衔人技艺精湛，带徒成效显著，材料齐全，同意推荐。")
    shot(page, "5_recommend_form")
    form.get_by_role("button", name="推荐").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text() == "已推荐"
    assert "推荐排序：第 1 位" in page.get_by_test_id("recommendation").inner_text()
    assert "已推荐 1 / 2" in page.get_by_test_id("quota").inner_text()
    shot(page, "6_recommended")

    page.goto(live_server.url + reverse("reviews:queue") + "?tab=recommended")
    assert page.get_by_test_id("queue").get_by_text(app.case_number).is_visible()
    assert "已推荐 1 / 2" in page.get_by_test_id("quota").inner_text()
    shot(page, "7_queue_recommended")

    app = Application.objects.get(pk=app.pk)
    assert (app.status, app.version, app.recommendation.rank) == (S.RECOMMENDED, 2, 1)
    assert_clean(page_log)

