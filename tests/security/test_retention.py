"""#25 minimum necessary, notice, retention: every PI-looking field is in pi_inventory.yaml, every
submission carries the privacy notice version the unit ticked, and `manage.py anonymise_expired`
leaves no personal information of rejected/withdrawn applications or never-submitted drafts past
retention anywhere in the database (tables, snapshots, pghistory history) or in storage, while
recent and still-running cases are untouched."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.enums import AuditAction
from portal.models import AuditEvent
from portal.workflow import TransitionError
from studios.enums import ApplicationStatus as S
from studios.models import (
    Application,
    ApplicationAward,
    ApplicationMember,
    ApplicationSnapshot,
    Attachment,
)
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import (
    ANONYMISED,
    application_anonymise,
    application_submit,
    application_transition,
)
from tests.factories.studios import draft, filing_open, lead_id
from tests.helpers import login
from tests.security.test_pi import inventory, pi_looking_fields

pytestmark = pytest.mark.django_db
# (label, how the case ends, expired?) — label doubles as the PI marker written into every field.
CASES = [
    ("过期驳回甲", "reject", True),
    ("过期撤回乙", "withdraw", True),
    ("过期草稿丙", "draft", True),
    ("近期驳回丁", "reject", False),
    ("过期在办戊", "submit", False),   # old but still under review: kept
    ("过期认定己", "accredit", False),  # accredited: kept (studio lifetime + 5 years)
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def build_case(world, client, n: int, marker: str, end: str):
    unit, campaign, actor = world.unit_a, world.campaign, world.users["unit"]
    fields = {"lead_name": marker, "studio_name": f"{marker}技能大师工作室", "lead_address": f"{marker}路{n}号",
              "lead_phone": f"1380529{n:04d}", "lead_id_number": lead_id(900 + n),
              "lead_achievements": f"{marker}主持攻关。", "previous_lead": ""}
    app = draft(unit=unit, campaign=campaign, actor=actor, complete=True, **fields)
    ApplicationMember.objects.create(application=app, position=1, name=f"{marker}徒弟", age=30)
    ApplicationAward.objects.create(application=app, position=1, project=f"{marker}项目", award_name="技术能手")
    if end == "draft":
        return app
    with time_machine.travel(filing_open(campaign), tick=True):
        if end == "withdraw":
            return application_transition(application=app, action="withdraw", actor=actor, reason="单位决定不再申报。")
        # Submitted through the page, ticking the privacy notice as a unit user would.
        login(client, actor)
        response = client.post(reverse("studios:application-submit", kwargs={"pk": app.pk}),
                                {"notice_accepted": "on", "notice_version": PRIVACY_NOTICE_VERSION})
        assert response.status_code == 302
        app.refresh_from_db()
        if end == "reject":
            application_transition(application=app, action="reject", actor=world.users["channel"],
                                   reason="不符合申报条件。")
        elif end == "accredit":
            Application.objects.filter(pk=app.pk).update(status=S.ACCREDITED)
    return Application.objects.get(pk=app.pk)


def rows_mentioning(marker: str) -> dict[str, int]:
    """Rows of every table in the database whose text form contains `marker`."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {quoted} AS r WHERE r::text LIKE %s",  # noqa: S608
                           [f"%{marker}%"])
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def history_rows(app) -> int:
    from studios.services import _history_models

    total = 0
    for tracked, model in _history_models().items():
        lookup = {"pgh_obj_id": app.pk} if tracked is Application else {"application_id": app.pk}
        total += model.objects.filter(**lookup).count()
    return total


def test_notice_and_retention(world, client, django_capture_on_commit_callbacks):
    # 100% PI fields classified (the inventory test's own measure).
    listed, matched = set(inventory()), pi_looking_fields()
    assert matched <= listed
    classified = len(matched & listed) / len(matched)

    built = [(marker, end, expired, build_case(world, client, n, marker, end))
             for n, (marker, end, expired) in enumerate(CASES)]
    # 100% of submissions carry the notice version (every snapshot is one submission).
    submissions = ApplicationSnapshot.objects.count()
    assert submissions == 4
    with_notice = ApplicationSnapshot.objects.filter(notice_version=PRIVACY_NOTICE_VERSION).count()
    assert with_notice == submissions
    submitted_cases = Application.objects.filter(version__gt=0)
    assert all(a.notice_version == PRIVACY_NOTICE_VERSION and a.notice_accepted_at for a in submitted_cases)

    # Age the cases: the "过期" ones changed last 3 years and a day ago, the recent one 30 days ago.
    retention = timedelta(days=settings.PORTAL_APPLICATION_RETENTION_DAYS)
    for marker, _end, _expired, app in built:
        age = timedelta(days=30) if marker.startswith("近期") else retention + timedelta(days=1)
        Application.objects.filter(pk=app.pk).update(updated_at=timezone.now() - age)
    before = {app.pk: (rows_mentioning(marker), history_rows(app),
                       [Path(settings.MEDIA_ROOT, n) for n in app.attachments.values_list("file", flat=True)])
              for marker, _end, _expired, app in built}
    for _marker, _end, _expired, app in built:
        mentions, events, files = before[app.pk]
        # The scanner finds the PI where it is: the case, its children, history (and snapshots).
        assert {"studios_application", "studios_applicationevent", "studios_applicationmember"} <= set(mentions)
        assert events > 0 and files and all(f.exists() for f in files)

    dry = io.StringIO()
    call_command("anonymise_expired", "--dry-run", stdout=dry)
    assert "3 applications past" in dry.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_expired", stdout=io.StringIO())

    pi_past_retention = 0
    for marker, _end, expired, app in built:
        mentions_before, events_before, files = before[app.pk]
        case = Application.objects.get(pk=app.pk)
        if expired:
            leftovers = rows_mentioning(marker)
            pi_past_retention += sum(leftovers.values())
            assert leftovers == {}, (marker, leftovers)
            assert (case.lead_name, case.studio_name, case.lead_id_number, case.lead_id_index, case.lead_phone,
                    case.lead_address) == (ANONYMISED, ANONYMISED, "", "", "", "")
            assert case.anonymised_at is not None and case.status == app.status  # the case itself stays
            assert not case.members.exists() and not case.awards.exists() and not case.snapshots.exists()
            assert not Attachment.objects.filter(application=case).exists()
            assert not any(f.exists() for f in files)
            assert history_rows(case) == 0
            pi_past_retention += sum(f.exists() for f in files) + history_rows(case)
        else:
            assert rows_mentioning(marker) == mentions_before, marker
            assert history_rows(case) == events_before
            assert all(f.exists() for f in files)
            assert (case.lead_name, case.lead_id_number, case.anonymised_at) == (marker, app.lead_id_number, None)

    audit = AuditEvent.objects.filter(action=AuditAction.RETENTION).get()
    assert audit.detail["applications"] == 3 and audit.detail["attachments"] == 3
    assert audit.detail["snapshots"] == 1 and audit.detail["members"] == 6 and audit.detail["history_rows"] > 0
    assert sorted(audit.detail["cases"]) == sorted(a.case_number for _m, _e, exp, a in built if exp)

    # Idempotent: a second run finds nothing and says so.
    call_command("anonymise_expired", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION).latest("id").detail["applications"] == 0

    print(f"FIGURE #25: {classified:.0%} PI fields classified ({len(listed)} entries); "
          f"{with_notice / submissions:.0%} submissions carry notice_version ({with_notice}/{submissions}); "
          f"{pi_past_retention} PI past retention (3 expired cases anonymised, 3 recent/running/accredited untouched)")


def test_running_or_accredited_cases_cannot_be_anonymised(world, client):
    app = build_case(world, client, 20, "在办庚", "submit")
    with pytest.raises(ValidationError, match="只有未通过"):
        application_anonymise(application=app)
    assert Application.objects.get(pk=app.pk).lead_name == "在办庚"


def test_retention_below_a_year_is_refused():
    with pytest.raises(CommandError):
        call_command("anonymise_expired", "--days", "30")


def test_submitted_without_notice_version_is_impossible(world):
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=world.users["unit"], complete=True)
    with time_machine.travel(filing_open(world.campaign), tick=True), \
            pytest.raises(TransitionError, match="个人信息处理告知") as excinfo:
        application_submit(application=app, actor=world.users["unit"], notice_version="")
    assert excinfo.value.code == "notice"
