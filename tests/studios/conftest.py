"""Fixtures of the studios tests (on top of the shared `world`)."""

import pytest
import time_machine

from tests.factories.studios import draft, filing_open
from tests.helpers import login


@pytest.fixture
def filing(world):
    """The clock inside the filing window of the world's campaign."""
    with time_machine.travel(filing_open(world.campaign), tick=True) as traveller:
        yield traveller


@pytest.fixture
def unit_user(world):
    return world.users["unit"]


@pytest.fixture
def unit_client(client, unit_user):
    return login(client, unit_user)


@pytest.fixture
def app(world, unit_user):
    """An empty draft of unit_a (京口区)."""
    return draft(unit=world.unit_a, campaign=world.campaign, actor=unit_user)


@pytest.fixture
def complete_app(world, unit_user):
    """A complete draft of unit_a, ready to submit."""
    return draft(unit=world.unit_a, campaign=world.campaign, actor=unit_user, complete=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
