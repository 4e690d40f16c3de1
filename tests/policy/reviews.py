"""URL policy of the reviews app (channel pre-review).

See tests/policy/__init__.py for what `allow`, `hidden`, `status`, `snapshot` and `shows` mean.

The world gets one submitted application per channel: `application` (京口区, reviewed by the
`channel` persona), `other_application` (丹阳市, `other_channel`) and `direct_application`
(direct-to-city, reviewed by the city bureau). The review page and the actions take their
queryset from reviews.selectors.reviewable_applications, so every signed-in persona but the
京口区 officer gets 404 on the 京口区 case (the same answer as a missing one).
"""

from django.urls import reverse

from portal.models import TransitionLog
from reviews.models import Recommendation
from reviews.services import application_recommend
from studios.models import Application
from tests.factories.reviews import open_review_window, submitted_application
from tests.helpers import SIGNED_IN
from tests.policy import Route

PREREVIEWERS = {"channel", "other_channel", "city_officer", "city_approver"}
NOT_REVIEWER = SIGNED_IN - {"channel"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def extend_world(world) -> None:
    """Open the channel review window now (the world's campaign lies in the past) and submit one
    application in each channel."""
    campaign = open_review_window(world.campaign)
    world.add(
        application=submitted_application(unit=world.unit_a, campaign=campaign, actor=world.users["unit"]),
        other_application=submitted_application(unit=world.unit_b, campaign=campaign,
                                                actor=world.users["other_unit"]),
        direct_application=submitted_application(unit=world.unit_direct, campaign=campaign,
                                                 actor=world.users["direct_unit"]),
    )


def recommended(world) -> None:
    application_recommend(application=world.application, actor=world.users["channel"], rank=1,
                          opinion="材料齐全，同意推荐。")


def case_state(world):
    app = Application.objects.get(pk=world.application.pk)
    return (app.status, TransitionLog.objects.filter(object_id=app.pk).count(),
            list(Recommendation.objects.filter(application=app).values_list("rank", "opinion")))


def queue_shows(w, persona):
    return {
        "channel": [w.application.case_number, "已推荐 0 / 2"],
        "other_channel": [w.other_application.case_number],
    }.get(persona, [w.direct_application.case_number])


def queue_hides(w, persona):
    return {
        "channel": [w.other_application.case_number, w.direct_application.case_number],
        "other_channel": [w.application.case_number, w.direct_application.case_number],
    }.get(persona, [w.application.case_number, w.other_application.case_number])


def review_page(w) -> str:
    return reverse("reviews:application-review", kwargs={"pk": w.application.pk})


def action(**route) -> Route:
    return Route(allow={"channel"}, hidden=NOT_REVIEWER, methods=("POST",), kwargs=lambda w: {"pk": w.application.pk},
                 snapshot=case_state, redirect=review_page, **route)


POLICY = {
    "reviews:queue": Route(allow=PREREVIEWERS, shows=queue_shows, hides=queue_hides),
    "reviews:application-review": Route(
        allow={"channel"}, hidden=NOT_REVIEWER, kwargs=lambda w: {"pk": w.application.pk},
        shows=lambda w, p: [w.application.case_number, w.application.lead_name, "退回修改", "初审不通过", "推荐"],
    ),
    "reviews:application-return": action(data=lambda w: {"return-lead": "身份证复印件不清晰，请重新上传。"}),
    "reviews:application-reject": action(data=lambda w: {"reject-reason": "领衔人不具备申报条件。"}),
    "reviews:application-recommend": action(
        data=lambda w: {"recommend-rank": "1", "recommend-opinion": "材料齐全，同意推荐。"},
    ),
    "reviews:application-unrecommend": action(
        setup=recommended, data=lambda w: {"unrecommend-reason": "单位申请暂缓推荐。"},
    ),
    "reviews:recommendation-export": Route(allow=PREREVIEWERS, content_type=XLSX),
}
