"""The quota holds under real concurrency: officers pressing 推荐 at the same moment, each in
their own PostgreSQL connection and transaction."""

import threading

import pytest
import time_machine
from django.db import close_old_connections, connection, connections

from portal.workflow import TransitionError
from reviews.models import Recommendation
from reviews.services import application_recommend
from studios.enums import ApplicationStatus as S
from studios.models import Application
from tests.factories.portal import user_with_role
from tests.factories.reviews import review_moment, submitted_application
from tests.helpers import build_world

THREADS = 5
ROUNDS = 4


def recommend_all_at_once(applications, officers, ranks):
    """Start one thread per application; they all call the service when the barrier opens."""
    barrier = threading.Barrier(len(applications))
    outcomes: dict[int, str] = {}

    def worker(app, officer, rank):
        try:
            barrier.wait(timeout=30)
            application_recommend(application=app, actor=officer, rank=rank, opinion="同意推荐。")
            outcomes[app.pk] = "recommended"
        except TransitionError as exc:
            outcomes[app.pk] = exc.code
        except Exception as exc:
            outcomes[app.pk] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=args) for args in zip(applications, officers, ranks, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ranks", ["distinct", "same"])
def test_five_officers_at_once_exactly_quota_recommended(ranks):
    world = build_world()
    assert world.campaign.channel_quota_max == 2
    # Two officers of the same channel (and the same officer in several tabs).
    second_officer = user_with_role("channel", username="p_channel_2", channel=world.jingkou)
    with time_machine.travel(review_moment(world.campaign), tick=True):
        for _round in range(ROUNDS):
            applications = [
                submitted_application(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"])
                for _ in range(THREADS)
            ]
            officers = [world.users["channel"] if i % 2 else second_officer for i in range(THREADS)]
            rank_list = [1 + i % 2 for i in range(THREADS)] if ranks == "distinct" else [1] * THREADS
            outcomes = recommend_all_at_once(applications, officers, rank_list)

            assert sorted(outcomes) == sorted(a.pk for a in applications), outcomes
            assert not [o for o in outcomes.values() if o.startswith("error")], outcomes
            ids = [a.pk for a in applications]
            recommended = Application.objects.filter(pk__in=ids, status=S.RECOMMENDED)
            expected = 2 if ranks == "distinct" else 1  # one rank can be given once
            assert recommended.count() == expected, outcomes
            assert list(outcomes.values()).count("recommended") == expected
            assert Application.objects.filter(pk__in=ids, status=S.SUBMITTED).count() == THREADS - expected
            assert Recommendation.objects.filter(application_id__in=ids).count() == expected
            assert sorted(Recommendation.objects.filter(application_id__in=ids).values_list("rank", flat=True)) == (
                [1, 2] if ranks == "distinct" else [1])
            # Next round starts from an empty list (test set-up, not a workflow step).
            Recommendation.objects.filter(application_id__in=ids).delete()
            Application.objects.filter(pk__in=ids).update(status=S.WITHDRAWN)
    close_old_connections()
    connection.close()
