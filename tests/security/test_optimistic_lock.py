"""L4 (security.md §3), applied to what exists with optimistic locking: the Annex 1 draft.

Expert scoring (the scenario's original subject) does not exist yet; the same promise holds for
`studios.services.application_save`: two saves made from the same `lock_version` can never both
succeed. 100 rounds, two threads (each with its own database connection, released at the end)
save different text into the same field from the same version, released together by a barrier.
Every round must have exactly one winner, the loser must get StaleDraftError and write nothing,
the stored text must be the winner's (no lost update: a save reported as successful is what the
database holds) and the lock version must move by exactly one.
"""

import threading

import pytest
from django.db import connections

from studios.models import Application
from studios.services import StaleDraftError, application_save
from tests.factories.studios import draft
from tests.helpers import build_world

ROUNDS = 100
THREADS = 2


@pytest.mark.django_db(transaction=True)
def test_two_saves_from_one_version_have_exactly_one_winner():
    world = build_world()
    actor = world.users["unit"]
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=actor)
    start = threading.Barrier(THREADS + 1)
    done = threading.Barrier(THREADS + 1)
    version = {"value": app.lock_version}
    results: list[list[str]] = [[""] * THREADS for _ in range(ROUNDS)]
    crashed: list[str] = []

    def worker(index: int):
        try:
            for round_no in range(ROUNDS):
                start.wait(timeout=30)
                text = f"round {round_no} thread {index}"
                try:
                    application_save(application=app, lock_version=version["value"],
                                     fields={"work_plan": text}, actor=actor)
                    results[round_no][index] = "won"
                except StaleDraftError:
                    results[round_no][index] = "stale"
                except Exception as exc:  # any other outcome breaks the promise
                    results[round_no][index] = f"error:{exc!r}"
                done.wait(timeout=30)
        except threading.BrokenBarrierError:
            crashed.append(f"thread {index} lost the barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    rounds_ok = lost_updates = 0
    problems: list[str] = []
    try:
        for round_no in range(ROUNDS):
            start.wait(timeout=30)
            done.wait(timeout=30)
            outcome = results[round_no]
            stored = Application.objects.values("work_plan", "lock_version").get(pk=app.pk)
            winners = [i for i, result in enumerate(outcome) if result == "won"]
            if sorted(outcome) == ["stale", "won"] and stored["lock_version"] == version["value"] + 1:
                rounds_ok += 1
            else:
                problems.append(f"round {round_no}: {outcome}, lock_version {stored['lock_version']}")
            if any(stored["work_plan"] != f"round {round_no} thread {i}" for i in winners):
                lost_updates += 1
            version["value"] = stored["lock_version"]
    except threading.BrokenBarrierError:
        problems.append("a worker stopped early")
    finally:
        start.abort()
        done.abort()
        for thread in threads:
            thread.join(timeout=30)
    print(f"FIGURE L4: {rounds_ok}/{ROUNDS} rounds have exactly one winner (2 threads, same lock_version); "
          f"lost updates {lost_updates}")
    assert not crashed, crashed
    assert not problems, problems[:5]
    assert rounds_ok == ROUNDS
    assert lost_updates == 0
