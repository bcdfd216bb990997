"""The two services every path uses to put an organisation on a case and take it off
(``participant_join`` for an accepted referral, ``participant_leave`` for every removal): each
place that starts or ends is audited once. Fictional data only."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.cases.services import participant_add
from opentrm.cases.services.participants import (
    participant_join,
    participant_leave,
    participant_set_case_manager,
)
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Mira Fictiva", role=Role.CASE_MANAGER)


def _events(event_type: str, participant: CaseParticipant) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type, target_id=str(participant.pk)))


def test_joining_leaving_and_rejoining_are_each_audited_once(world: World, case: Case) -> None:
    actor = world.actor(Role.CASE_MANAGER, org="b")
    joined = participant_join(
        actor=actor,
        case=case,
        organisation_id=world.agency_c.pk,
        shared_cap=["identity"],
        referral_id=7,
    )
    assert joined is not None
    assert joined.shared_cap == ["identity"]
    (added,) = _events(EventType.PARTICIPANT_ADDED, joined)
    assert added.detail == {
        "case_id": case.pk,
        "organisation_id": world.agency_c.pk,
        "referral_id": 7,
    }
    # already taking part: no second place, no second event
    again = participant_join(
        actor=actor, case=case, organisation_id=world.agency_c.pk, shared_cap=[], referral_id=8
    )
    assert again is None
    assert participant_leave(actor=actor, participant_id=joined.pk, referral_id=7)
    assert not participant_leave(actor=actor, participant_id=joined.pk)  # already ended
    assert not participant_leave(actor=actor, participant_id=joined.pk + 1000)  # no such place
    (removed,) = _events(EventType.PARTICIPANT_REMOVED, joined)
    assert removed.detail["referral_id"] == 7
    back = participant_join(
        actor=actor, case=case, organisation_id=world.agency_c.pk, shared_cap=[], referral_id=9
    )
    assert back is not None
    assert back.pk == joined.pk
    assert back.is_active
    assert back.shared_cap == []
    assert len(_events(EventType.PARTICIPANT_ADDED, joined)) == 2


def test_leaving_ends_consent_taking_too(world: World, case: Case) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    participant = participant_add(actor=manager, case=case, organisation=world.agency_c)
    CaseParticipant.objects.filter(pk=participant.pk).update(takes_consent=True)
    participant_leave(actor=manager, participant_id=participant.pk)
    participant.refresh_from_db()
    assert (participant.is_active, participant.takes_consent) == (False, False)
    (removed,) = _events(EventType.PARTICIPANT_REMOVED, participant)
    assert "referral_id" not in removed.detail


def test_a_place_taken_by_another_path_at_the_same_moment(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def taken(**_fields: object) -> CaseParticipant:
        raise IntegrityError("referrals: joined at the same moment")

    monkeypatch.setattr(CaseParticipant.objects, "create", taken)
    manager = world.actor(Role.CASE_MANAGER)
    joined = participant_join(
        actor=manager, case=case, organisation_id=world.agency_c.pk, shared_cap=[], referral_id=1
    )
    assert joined is None
    with pytest.raises(ValidationError):
        participant_add(actor=manager, case=case, organisation=world.agency_c)


def test_an_inactive_organisation_is_not_added_and_naming_the_same_manager_changes_nothing(
    world: World, case: Case
) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    world.agency_c.is_active = False
    world.agency_c.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        participant_add(actor=manager, case=case, organisation=world.agency_c)
    owner = CaseParticipant.objects.get(case=case, organisation=world.agency_a)
    same = participant_set_case_manager(
        actor=manager, participant=owner, case_manager=owner.case_manager
    )
    assert same.case_manager_id == owner.case_manager_id
    assert not _events(EventType.PARTICIPANT_CHANGED, owner)
