"""Scoping of the pre-review pages: a case outside the officer's channels is a 404 (like a
missing one) and a POST to it changes nothing; units never reach the review pages; the city
bureau pre-reviews the direct-to-city channel through the same views."""

import pytest
from django.urls import reverse

from portal.models import TransitionLog
from reviews.models import Recommendation
from studios.enums import ApplicationStatus as S
from studios.models import Application
from tests.helpers import login

pytestmark = pytest.mark.django_db


def url(app, action=None):
    name = f"reviews:application-{action}" if action else "reviews:application-review"
    return reverse(name, kwargs={"pk": app.pk})


POSTS = {
    "return": {"return-lead": "请补充材料。"},
    "reject": {"reject-reason": "不符合条件。"},
    "recommend": {"recommend-rank": "1", "recommend-opinion": "同意推荐。"},
}


@pytest.mark.parametrize("persona", ["other_channel", "city_officer", "city_approver", "unit", "other_unit",
                                     "expert", "auditor"])
def test_outside_scope_is_404_and_posts_change_nothing(client, world, in_review, submit, persona):
    app = submit()  # 京口区
    login(client, world.users[persona])
    assert client.get(url(app)).status_code == 404
    for action, data in POSTS.items():
        assert client.post(url(app, action), data).status_code == 404, action
    assert Application.objects.get(pk=app.pk).status == S.SUBMITTED
    assert list(TransitionLog.objects.filter(object_id=app.pk).values_list("action", flat=True)) == ["submit"]
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize("persona", ["unit", "other_unit", "expert", "auditor", "sysadmin"])
def test_queue_and_export_refused_to_non_reviewers(client, world, persona):
    login(client, world.users[persona])
    assert client.get(reverse("reviews:queue")).status_code == 403
    assert client.get(reverse("reviews:recommendation-export")).status_code == 403


def test_draft_is_not_reviewable(client, world, in_review):
    from tests.factories.reviews import draft_application

    app = draft_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
    login(client, world.users["channel"])
    assert client.get(url(app)).status_code == 404
    assert app.pk not in [a.pk for a in client.get(reverse("reviews:queue")).context["applications"]]


def test_city_officer_prereviews_the_direct_channel(client, world, in_review, submit):
    direct, jingkou = submit(world.unit_direct), submit()
    login(client, world.users["city_officer"])
    response = client.get(reverse("reviews:queue"))
    assert [a.pk for a in response.context["applications"]] == [direct.pk]
    assert [q.channel for q in response.context["quotas"]] == [world.direct]
    page = client.get(url(direct))
    assert page.status_code == 200
    assert [a["transition"].action for a in page.context["actions"]] == ["return", "reject", "recommend"]
    assert client.post(url(direct, "recommend"), POSTS["recommend"]).status_code == 302
    assert Application.objects.get(pk=direct.pk).status == S.RECOMMENDED
    assert client.get(url(jingkou)).status_code == 404
    # The 京口区 officer does not see the direct channel's cases.
    login(client, world.users["channel"])
    assert client.get(url(direct)).status_code == 404


def test_city_approver_sees_but_does_not_prereview_the_direct_channel(client, world, in_review, submit):
    """审核与审批分离: the 审批人 who later approves accreditation takes no pre-review decision."""
    direct = submit(world.unit_direct)
    login(client, world.users["city_approver"])
    assert [a.pk for a in client.get(reverse("reviews:queue")).context["applications"]] == [direct.pk]
    page = client.get(url(direct))
    assert page.status_code == 200
    assert page.context["actions"] == []
    for action, data in POSTS.items():
        assert client.post(url(direct, action), data).status_code == 403, action
    assert Application.objects.get(pk=direct.pk).status == S.SUBMITTED
    assert list(TransitionLog.objects.filter(object_id=direct.pk).values_list("action", flat=True)) == ["submit"]
    assert not Recommendation.objects.exists()
