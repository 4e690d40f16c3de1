from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal import tasks
from portal.models import User


def test_beat_schedule_names_real_tasks():
    from portal.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled == {"portal.tasks.disable_stale_accounts", "portal.tasks.audit_purge",
                         "portal.tasks.anonymise_expired", "portal.tasks.verify_integrity"}
    assert scheduled <= set(app.tasks)


@pytest.mark.django_db
def test_disable_stale_accounts_task_deactivates_only_stale_users():
    long_ago = timezone.now() - timedelta(days=settings.PORTAL_STALE_ACCOUNT_DAYS + 5)
    stale = User.objects.create(username="laozhang", last_login=long_ago, date_joined=long_ago)
    fresh = User.objects.create(username="xiaoli", last_login=timezone.now())
    tasks.disable_stale_accounts.delay()
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.is_active, fresh.is_active) == (False, True)


def test_days_left_reads_as_plain_chinese():
    from django.utils import timezone

    from portal.templatetags.portal_tags import days_left

    now = timezone.now()
    assert [days_left(now + timedelta(days=183, minutes=1)), days_left(now + timedelta(hours=5, minutes=1)),
            days_left(now + timedelta(minutes=10)), days_left(now - timedelta(minutes=1))] == [
        "183天", "5小时", "不足1小时", "已截止"]
