"""L3 (security.md §3): a double click / retry storm — 10 concurrent submissions of one draft,
each in its own connection — yields exactly one submission (one snapshot, one history row)."""

import threading

import pytest
import time_machine
from django.db import close_old_connections, connection, connections

from portal.models import TransitionLog
from portal.workflow import TransitionError
from studios.models import Application, ApplicationSnapshot
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_submit
from tests.factories.studios import draft, filing_open
from tests.helpers import build_world

THREADS = 10


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_submissions_make_one():
    world = build_world()
    actor = world.users["unit"]
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=actor, complete=True)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def worker():
        try:
            barrier.wait(timeout=30)
            application_submit(application=Application.objects.get(pk=app.pk), actor=actor,
                               notice_version=PRIVACY_NOTICE_VERSION)
            outcomes.append("submitted")
        except TransitionError as exc:
            outcomes.append(f"refused:{exc.code}")
        except Exception as exc:
            outcomes.append(f"error:{exc!r}")
        finally:
            connections.close_all()

    with time_machine.travel(filing_open(world.campaign), tick=True):
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert outcomes.count("submitted") == 1, outcomes
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert ApplicationSnapshot.objects.filter(application_id=app.pk).count() == 1
    assert TransitionLog.objects.filter(object_id=app.pk, action="submit").count() == 1
    print(f"FIGURE L3: 1 submission from {THREADS} concurrent attempts; 0 errors; refusals: "
          f"{sorted({o for o in outcomes if o != 'submitted'})}")
    close_old_connections()
    connection.close()
