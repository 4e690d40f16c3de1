"""L2 (security.md §3): the filing deadline on the server clock (Asia/Shanghai, USE_TZ) — 50
submissions one second before it are all accepted, 50 one second after are all refused."""

from datetime import timedelta

import pytest
import time_machine

from portal.workflow import TransitionError
from studios.models import Application
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import application_submit
from tests.factories.studios import draft

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
N = 50


def test_deadline_boundary(world):
    unit, campaign, actor = world.unit_a, world.campaign, world.users["unit"]
    drafts = [draft(unit=unit, campaign=campaign, actor=actor, complete=True) for _ in range(2 * N)]
    deadline = campaign.unit_filing_deadline
    before, after = drafts[:N], drafts[N:]
    accepted_before = refused_after = 0
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        for app in before:
            application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)
            accepted_before += 1
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        for app in after:
            with pytest.raises(TransitionError) as excinfo:
                application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)
            assert excinfo.value.code == "deadline"
            refused_after += 1
    assert Application.objects.filter(pk__in=[a.pk for a in after], submitted_at__isnull=False).count() == 0
    assert Application.objects.filter(pk__in=[a.pk for a in before], submitted_at__lt=deadline).count() == N
    print(f"FIGURE L2: 0 accepted after T, 0 rejected before T ({accepted_before}/{N} before, "
          f"{refused_after}/{N} refused after; T = {deadline.isoformat()})")
