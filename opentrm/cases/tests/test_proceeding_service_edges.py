"""Proceedings, the no-contact list and hearings, called directly: the refusals a form does not
reach, saves of nothing, and records made at the same moment."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, ConsentRecord, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services import proceedings as proceeding_services
from opentrm.cases.services.proceedings import active_no_contact
from opentrm.cases.tests.factories import events, new_case, record_consent
from opentrm.cases.tests.proceedings import adult_case, schedule_interview, soon
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return adult_case(world)


def _record(world: World, case: Case, **fields: Any) -> Proceeding:
    values = {"country_code": "AL", "kind": "criminal"} | fields
    return proceeding_services.proceeding_record(
        actor=world.actor(Role.PROSECUTOR), case=case, **values
    )


# --- Proceedings ---------------------------------------------------------------------------------


def test_it_refuses_a_field_proceedings_do_not_have(world: World, case: Case) -> None:
    with pytest.raises(ValueError, match="not a proceedings field"):
        _record(world, case, verdict_colour="red")
    assert not Proceeding.objects.exists()


def test_it_refuses_testimony_in_proceedings_never_initiated(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(world, case, initiated=False, testified=True)
    assert "testified" in refused.value.message_dict
    assert not Proceeding.objects.exists()


def test_it_refuses_proceedings_recorded_twice_at_the_same_moment(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests found none; the database keeps the first and the second is refused on the
    field, as the check before it would have."""
    _record(world, case)
    monkeypatch.setattr(proceeding_services, "_validate_proceeding", lambda *args, **kwargs: None)
    with pytest.raises(ValidationError) as refused:
        _record(world, case, reference="Second")
    assert "already recorded" in refused.value.message_dict["kind"][0]
    assert Proceeding.objects.count() == 1
    assert events(EventType.PROCEEDING_RECORDED) == 1


def test_it_refuses_a_change_that_makes_a_duplicate_at_the_same_moment(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(world, case)
    civil = _record(world, case, kind="civil")
    monkeypatch.setattr(proceeding_services, "_validate_proceeding", lambda *args, **kwargs: None)
    with pytest.raises(ValidationError) as refused:
        proceeding_services.proceeding_update(
            actor=world.actor(Role.PROSECUTOR),
            proceeding=civil,
            expected_version=civil.version,
            changes={"kind": "criminal"},
        )
    assert "already recorded" in refused.value.message_dict["kind"][0]
    assert Proceeding.objects.get(pk=civil.pk).kind == "civil"
    assert events(EventType.PROCEEDING_CHANGED) == 0


def test_it_refuses_a_change_to_proceedings_that_are_gone(world: World, case: Case) -> None:
    proceeding = _record(world, case)
    Proceeding.objects.filter(pk=proceeding.pk).delete()
    with pytest.raises(ConflictError, match="no longer exist"):
        proceeding_services.proceeding_update(
            actor=world.actor(Role.PROSECUTOR),
            proceeding=proceeding,
            expected_version=proceeding.version,
            changes={"reference": "X-1"},
        )


def test_proceedings_saved_unchanged_write_nothing(world: World, case: Case) -> None:
    proceeding = _record(world, case, reference="X-1")
    same = proceeding_services.proceeding_update(
        actor=world.actor(Role.PROSECUTOR),
        proceeding=proceeding,
        expected_version=proceeding.version,
        changes={"reference": " X-1 "},
    )
    assert same.version == Proceeding.objects.get().version == proceeding.version
    assert events(EventType.PROCEEDING_CHANGED) == 0


# --- The no-contact list and hearings -----------------------------------------------------------


def test_it_refuses_a_no_contact_entry_without_a_name(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        proceeding_services.no_contact_add(
            actor=world.actor(Role.POLICE_INVESTIGATOR), case=case, name="  "
        )
    assert "name" in refused.value.message_dict
    assert not NoContactPerson.objects.exists()


def test_it_refuses_a_hearing_it_cannot_place_and_schedules_nothing(
    world: World, case: Case
) -> None:
    other_case = new_case(world, "Other Fictiva", age_band="over_18")
    elsewhere = proceeding_services.no_contact_add(
        actor=world.actor(Role.POLICE_INVESTIGATOR), case=other_case, name="Someone Else"
    )
    foreign = _record(world, other_case)
    with pytest.raises(ValidationError) as refused:
        schedule_interview(
            world,
            case,
            kind="tea_party",
            scheduled_at=None,
            involved_no_contact=[elsewhere],
            proceeding=foreign,
        )
    assert set(refused.value.message_dict) == {
        "kind",
        "scheduled_at",
        "involved_no_contact",
        "proceeding",
    }
    assert not Hearing.objects.exists()


def test_a_video_interview_after_the_consent_expires_is_refused(world: World, case: Case) -> None:
    record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "video_interview",
        "Why the interview is recorded and who sees it.",
        expires_on=TODAY() + timedelta(days=1),
    )
    with pytest.raises(ValidationError) as refused:
        schedule_interview(world, case, scheduled_at=soon(days=5), video_recorded=True)
    assert "expires on" in refused.value.message_dict["video_recorded"][0]
    assert not Hearing.objects.exists()
    assert ConsentRecord.objects.count() == 1


def test_it_refuses_a_field_hearings_do_not_have(world: World, case: Case) -> None:
    hearing = schedule_interview(world, case)
    with pytest.raises(ValueError, match="not a hearing field"):
        proceeding_services.hearing_update(
            actor=world.actor(Role.POLICE_INVESTIGATOR),
            hearing=hearing,
            expected_version=hearing.version,
            changes={"dress_code": "formal"},
        )


def test_it_refuses_changes_to_a_hearing_that_is_gone_or_cancelled(
    world: World, case: Case
) -> None:
    investigator = world.actor(Role.POLICE_INVESTIGATOR)
    gone = schedule_interview(world, case)
    Hearing.objects.filter(pk=gone.pk).delete()
    with pytest.raises(ConflictError, match="no longer exists"):
        proceeding_services.hearing_update(
            actor=investigator, hearing=gone, expected_version=1, changes={"place": "Court"}
        )
    cancelled = schedule_interview(world, case)
    proceeding_services.hearing_cancel(
        actor=investigator, hearing=cancelled, expected_version=cancelled.version
    )
    with pytest.raises(ConflictError, match="was cancelled"):
        proceeding_services.hearing_update(
            actor=investigator, hearing=cancelled, expected_version=2, changes={"place": "Court"}
        )
    assert Hearing.objects.get().place == "Police station, Fictiva"


def test_a_hearing_saved_unchanged_writes_nothing(world: World, case: Case) -> None:
    hearing = schedule_interview(world, case)
    same = proceeding_services.hearing_update(
        actor=world.actor(Role.POLICE_INVESTIGATOR),
        hearing=hearing,
        expected_version=hearing.version,
        changes={"place": " Police  station, Fictiva "},
    )
    assert same.version == Hearing.objects.get().version == hearing.version
    assert events(EventType.HEARING_CHANGED) == 0


def test_a_hearing_moved_to_other_proceedings_and_people_records_both(
    world: World, case: Case
) -> None:
    investigator = world.actor(Role.POLICE_INVESTIGATOR)
    proceeding = _record(world, case)
    suspect = proceeding_services.no_contact_add(
        actor=investigator, case=case, name="Željko Imaginarić"
    )
    hearing = schedule_interview(world, case)
    proceeding_services.hearing_update(
        actor=investigator,
        hearing=hearing,
        expected_version=hearing.version,
        changes={
            "proceeding": proceeding,
            "involved_no_contact": [suspect],
            "separation_arrangements": "Separate waiting rooms.",
        },
    )
    event = AuditEvent.objects.get(event_type=EventType.HEARING_CHANGED)
    assert sorted(event.changed_fields) == [
        "involved_no_contact",
        "proceeding",
        "separation_arrangements",
    ]
    assert event.detail["no_contact_ids"] == [suspect.pk]
    assert "Imaginari" not in str(event.detail)
    hearing = Hearing.objects.get()
    assert (hearing.proceeding_id, list(hearing.involved_no_contact.all())) == (
        proceeding.pk,
        [suspect],
    )


def test_an_entry_taken_off_the_list_is_soft_deleted_and_kept(world: World, case: Case) -> None:
    """The no-contact list is on the one soft-delete base (core.models.SoftDeletable)."""
    investigator = world.actor(Role.POLICE_INVESTIGATOR)
    kept = proceeding_services.no_contact_add(actor=investigator, case=case, name="Someone Kept")
    gone = proceeding_services.no_contact_add(actor=investigator, case=case, name="Someone Cleared")
    proceeding_services.no_contact_remove(actor=investigator, entry=gone, reason="Charges dropped.")

    assert list(NoContactPerson.objects.filter(case=case).live()) == [kept]
    assert list(active_no_contact(case)) == [kept]
    gone.refresh_from_db()
    assert gone.is_deleted
    assert (gone.deleted_by, gone.deletion_reason) == (investigator.user, "Charges dropped.")
    # A second removal (a concurrent one) finds nothing left to mark.
    assert (
        NoContactPerson.objects.filter(pk=gone.pk).soft_delete(by=investigator.user, reason="x")
        == 0
    )
    with pytest.raises(ConflictError, match="already taken off the list"):
        proceeding_services.no_contact_remove(actor=investigator, entry=gone, reason="Again.")
    assert AuditEvent.objects.filter(event_type=EventType.NO_CONTACT_REMOVED).count() == 1
