"""The studios services as the unit uses them: create, save with optimistic locking, submit."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from portal.models import TransitionLog
from portal.workflow import TransitionError
from studios.enums import ApplicationStatus, EvidenceSlot
from studios.models import Application, ApplicationSnapshot, Attachment
from studios.notice import PRIVACY_NOTICE_VERSION
from studios.services import (
    StaleDraftError,
    application_create,
    application_extend_deadline,
    application_problems,
    application_rows_save,
    application_save,
    application_submit,
    attachment_delete,
    content_hash,
    snapshot_verify,
)
from tests.factories.studios import after_filing, draft, filing_open, submitted


def test_create_assigns_case_number_and_routes_to_channel(world, unit_user, filing):
    first = application_create(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    second = application_create(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    assert re.fullmatch(rf"SB{world.campaign.year}-\d{{4}}", first.case_number)
    assert int(second.case_number[-4:]) == int(first.case_number[-4:]) + 1
    assert (first.channel, first.status, first.version, first.lead_employer) == (
        world.jingkou, ApplicationStatus.DRAFT, 0, world.unit_a.name)


def test_direct_city_unit_routes_to_direct_channel(world, filing):
    app = application_create(unit=world.unit_direct, campaign=world.campaign, actor=world.users["direct_unit"])
    assert app.channel == world.direct


def test_save_with_stale_lock_version_raises_and_writes_nothing(app, unit_user):
    saved = application_save(application=app, lock_version=app.lock_version, fields={"studio_name": "甲工作室"},
                             actor=unit_user)
    assert saved.lock_version == app.lock_version + 1
    with pytest.raises(StaleDraftError):
        application_save(application=app, lock_version=app.lock_version, fields={"studio_name": "乙工作室"},
                         actor=unit_user)
    app.refresh_from_db()
    assert (app.studio_name, app.lock_version) == ("甲工作室", saved.lock_version)


def test_submit_incomplete_is_refused_with_problems(app, unit_user, filing):
    problems = application_problems(app)
    assert set(problems) == {"cover", "lead", "members", "achievements", "conditions", "unit", "report",
                             "evidence"}
    with pytest.raises(TransitionError) as exc:
        application_submit(application=app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    assert exc.value.code == "incomplete"
    app.refresh_from_db()
    assert (app.status, app.version, app.snapshots.count()) == (ApplicationStatus.DRAFT, 0, 0)


def test_work_start_is_checked_again_against_the_id_number_at_submit(complete_app, unit_user, filing):
    """The step form checks the date against the ID posted with it; a later ID change must not
    let an impossible date (before the 16th birthday) through to submission."""
    from portal.validators import id_number_birth_date

    birth = id_number_birth_date(complete_app.lead_id_number)
    Application.objects.filter(pk=complete_app.pk).update(lead_work_start=birth.replace(year=birth.year + 15))
    complete_app.refresh_from_db()
    problems = application_problems(complete_app)
    assert list(problems) == ["lead"]
    assert "16周岁" in problems["lead"]["lead_work_start"][0]
    with pytest.raises(TransitionError) as exc:
        application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    assert exc.value.code == "incomplete"


def test_submit_complete(complete_app, unit_user, filing):
    assert application_problems(complete_app) == {}
    app = application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    assert (app.status, app.version) == (ApplicationStatus.SUBMITTED, 1)
    snapshot = ApplicationSnapshot.objects.get(application=app)
    assert snapshot.version == 1
    assert snapshot.content_hash == content_hash(snapshot.data)
    assert snapshot.data["lead_id_number"].startswith("321") and "*" in snapshot.data["lead_id_number"]
    log = TransitionLog.objects.get(object_id=app.pk, action="submit")
    assert (log.from_status, log.to_status, log.actor) == (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED,
                                                          unit_user)


@pytest.mark.parametrize("version", ["", "2025-01"])
def test_submit_without_the_current_notice_is_refused(complete_app, unit_user, filing, version):
    with pytest.raises(TransitionError) as exc:
        application_submit(application=complete_app, actor=unit_user, notice_version=version)
    assert exc.value.code == "notice"
    complete_app.refresh_from_db()
    assert (complete_app.status, complete_app.version, complete_app.snapshots.count()) == (
        ApplicationStatus.DRAFT, 0, 0)


def test_submission_records_the_notice_and_seals_the_snapshot(complete_app, unit_user, filing):
    app = application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    snapshot = app.snapshots.get()
    assert (app.notice_version, snapshot.notice_version) == (PRIVACY_NOTICE_VERSION, PRIVACY_NOTICE_VERSION)
    assert app.notice_accepted_at == app.submitted_at is not None
    assert len(snapshot.seal) == 64 and snapshot_verify(snapshot)


def test_double_submit_makes_one_submission(complete_app, unit_user, filing):
    application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    with pytest.raises(TransitionError) as exc:
        application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    assert exc.value.code == "wrong_state"
    assert ApplicationSnapshot.objects.filter(application=complete_app).count() == 1
    assert TransitionLog.objects.filter(object_id=complete_app.pk, action="submit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_make_one_submission():
    from tests.helpers import build_world

    world = build_world()
    actor = world.users["unit"]
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=actor, complete=True)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit():
        try:
            barrier.wait()
            application_submit(application=app, actor=actor, notice_version=PRIVACY_NOTICE_VERSION)
            outcomes.append("ok")
        except TransitionError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    with time_machine.travel(filing_open(world.campaign), tick=True):
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(outcomes) == ["ok", "wrong_state"]
    app.refresh_from_db()
    assert (app.status, app.version, app.snapshots.count()) == (ApplicationStatus.SUBMITTED, 1, 1)


def test_submit_after_deadline_refused_unless_extended(world, complete_app, unit_user):
    officer = world.users["city_officer"]
    with time_machine.travel(after_filing(world.campaign), tick=True):
        with pytest.raises(TransitionError) as exc:
            application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
        assert exc.value.code == "deadline"
        application_extend_deadline(application=complete_app, until=timezone.now() + timedelta(days=3),
                                    reason="单位因疫情封控未能按时提交，经核实同意延期。", actor=officer)
        app = application_submit(application=complete_app, actor=unit_user, notice_version=PRIVACY_NOTICE_VERSION)
    assert app.status == ApplicationStatus.SUBMITTED


def test_extension_requires_reason(world, complete_app):
    with pytest.raises(ValidationError):
        application_extend_deadline(application=complete_app, until=timezone.now() + timedelta(days=3), reason=" ",
                                    actor=world.users["city_officer"])


def test_same_lead_in_second_open_application_is_a_field_error(world, unit_user, complete_app, filing):
    other = application_create(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    with pytest.raises(ValidationError) as exc:
        application_save(application=other, lock_version=other.lock_version,
                         fields={"lead_id_number": complete_app.lead_id_number}, actor=unit_user)
    assert "lead_id_number" in exc.value.message_dict
    other.refresh_from_db()
    assert other.lead_id_number == ""


@pytest.mark.parametrize(("change", "section", "field"), [
    ("no_honour", "achievements", "lead_honours"),
    ("no_evidence", "evidence", "honour"),
    ("no_condition", "conditions", "condition_claims"),
    ("condition_without_text", "conditions", "condition_claims"),
])
def test_eligibility_problems(world, unit_user, change, section, field):
    overrides = {
        "no_honour": {"lead_honours": []},
        "no_condition": {"condition_claims": {}},
        "condition_without_text": {"condition_claims": {"2": ""}},
    }.get(change, {})
    app = draft(unit=world.unit_a, campaign=world.campaign, actor=unit_user, complete=True,
                evidence=change != "no_evidence", **overrides)
    problems = application_problems(app)
    assert list(problems) == [section]
    assert list(problems[section]) == [field]


def test_rows_save_updates_creates_deletes_and_keeps_invalid(app, unit_user):
    app = application_save(application=app, lock_version=app.lock_version, fields={}, actor=unit_user)
    ids = application_rows_save(application=app, relation="members", rows=[
        {"id": None, "values": {"name": "甲", "qualification": "技师", "age": 30, "achievements": ""}},
        {"id": None, "values": {"name": "乙", "qualification": "", "age": None, "achievements": ""}},
    ])
    assert all(ids)
    ids2 = application_rows_save(application=app, relation="members", rows=[
        {"id": ids[1], "values": None},
        {"id": ids[0], "delete": True},
        {"id": None, "values": {"name": "丙", "qualification": "", "age": 40, "achievements": ""}},
    ])
    assert ids2[0] == ids[1] and ids2[1] is None
    assert list(app.members.values_list("name", "position")) == [("乙", 1), ("丙", 2)]


def test_rows_save_bounds_the_stored_total_not_just_one_post(app, unit_user):
    """Rows a POST leaves out are kept, so two POSTs of 30 new rows each must not make 60."""
    from django.db import transaction

    from studios.sections import MAX_TABLE_ROWS

    def post(count):
        with transaction.atomic():
            return application_rows_save(application=app, relation="members", rows=[
                {"id": None, "values": {"name": f"成员{i}", "qualification": "", "age": 30, "achievements": ""}}
                for i in range(count)])

    post(30)
    with pytest.raises(ValidationError) as exc:
        post(MAX_TABLE_ROWS - 30 + 1)
    assert exc.value.code == "too_many_rows" and "50" in exc.value.messages[0]
    assert app.members.count() == 30  # the refused POST left nothing behind
    post(MAX_TABLE_ROWS - 30)
    assert app.members.count() == MAX_TABLE_ROWS


def test_attachment_delete_only_while_editable(world, unit_user, filing):
    app = submitted(unit=world.unit_a, campaign=world.campaign, actor=unit_user)
    attachment = app.attachments.get(slot=EvidenceSlot.HONOUR)
    with pytest.raises(ValidationError):
        attachment_delete(attachment=attachment, actor=unit_user)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_application_unique_case_numbers(world, unit_user, filing):
    numbers = {application_create(unit=world.unit_a, campaign=world.campaign, actor=unit_user).case_number
               for _ in range(3)}
    assert len(numbers) == 3 == Application.objects.filter(case_number__in=numbers).count()
