"""Fixtures of the channel pre-review tests (on top of the shared `world`)."""

import pytest
import time_machine

from tests.factories.reviews import review_moment, submitted_application


@pytest.fixture
def in_review(world):
    """The clock inside the channel review window of the world's campaign."""
    with time_machine.travel(review_moment(world.campaign), tick=True) as traveller:
        yield traveller


@pytest.fixture
def submit(world):
    """submit(unit=None, **fields) → a submitted application of `unit` (default: unit_a, 京口区)."""
    actors = {world.unit_a.pk: world.users["unit"], world.unit_b.pk: world.users["other_unit"],
              world.unit_direct.pk: world.users["direct_unit"]}

    def make(unit=None, **fields):
        unit = unit or world.unit_a
        return submitted_application(unit=unit, campaign=world.campaign, actor=actors[unit.pk], **fields)

    return make
