"""Consent records and consent-takers, called directly: corrections, a second withdrawal, and
naming a consent-taker twice."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant, ConsentPurpose, ConsentRecord
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services import consent_withdraw
from opentrm.cases.services.participants import participant_set_consent_taker
from opentrm.cases.tests.factories import events, new_case
from opentrm.cases.tests.test_consents import _share


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva")


# --- Corrections ------------------------------------------------------------------------------


def test_a_correction_replaces_the_record_it_corrects(world: World, case: Case) -> None:
    wrong = _share(world, case)
    assert consent_in_force(case=case, purpose="share_data", organisation=world.agency_b) == wrong

    corrected = _share(world, case, decision="refused", supersedes=wrong)

    assert consent_in_force(case=case, purpose="share_data", organisation=world.agency_b) is None
    wrong.refresh_from_db()
    assert wrong.decision == "given"  # the corrected record stays as it was
    event = AuditEvent.objects.get(event_type=EventType.CONSENT_CORRECTED)
    assert (event.target_id, event.detail["supersedes"]) == (str(corrected.pk), wrong.pk)


@pytest.mark.parametrize(
    "other",
    [
        {"purpose": ConsentPurpose.RETURN, "recipient_organisation": None},
        {"recipient_organisation": "agency_c"},
        {"recipient_organisation": None, "recipient_country": "RO"},
        {"case": "other"},
    ],
)
def test_a_correction_of_another_purpose_recipient_or_case_is_refused(
    world: World, case: Case, other: dict[str, Any]
) -> None:
    wrong = _share(world, case)
    if other.get("recipient_organisation") == "agency_c":
        other = {"recipient_organisation": world.agency_c}
    corrected_on = case
    if other.get("case") == "other":
        corrected_on, other = new_case(world, "Other Fictiva"), {}
    with pytest.raises(ValidationError) as refused:
        _share(world, corrected_on, supersedes=wrong, **other)
    assert "same case, purpose and recipient" in refused.value.message_dict["supersedes"][0]
    assert ConsentRecord.objects.count() == 1
    assert events(EventType.CONSENT_CORRECTED) == 0


def test_a_record_is_corrected_once(world: World, case: Case) -> None:
    wrong = _share(world, case)
    _share(world, case, decision="refused", supersedes=wrong)
    with pytest.raises(ValidationError) as refused:
        _share(world, case, supersedes=wrong)
    assert refused.value.message_dict["supersedes"] == ["This record has already been corrected."]
    assert ConsentRecord.objects.count() == 2
    assert events(EventType.CONSENT_CORRECTED) == 1


def test_a_consent_withdrawn_twice_is_recorded_withdrawn_once(world: World, case: Case) -> None:
    consent = _share(world, case)
    first = consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=consent)
    again = consent_withdraw(
        actor=world.actor(Role.CASE_MANAGER), consent=ConsentRecord.objects.get(pk=consent.pk)
    )
    assert (again.withdrawn_at, again.withdrawn_by) == (first.withdrawn_at, first.withdrawn_by)
    assert again.withdrawn_by == world.user(Role.CASEWORKER)
    assert events(EventType.CONSENT_WITHDRAWN) == 1


# --- Consent-takers ---------------------------------------------------------------------------


def _taker(world: World, participant: CaseParticipant, takes_consent: bool) -> CaseParticipant:
    return participant_set_consent_taker(
        actor=world.actor(Role.CASE_MANAGER), participant=participant, takes_consent=takes_consent
    )


def test_naming_a_consent_taker_twice_records_it_once(world: World, case: Case) -> None:
    participant = CaseParticipant.objects.create(case=case, organisation=world.agency_c)
    _taker(world, participant, True)
    named = _taker(world, participant, True)
    assert named.takes_consent is True
    assert events(EventType.CONSENT_TAKER_NAMED) == 1
    unnamed = _taker(world, participant, False)
    assert CaseParticipant.objects.get(pk=unnamed.pk).takes_consent is False
    assert events(EventType.CONSENT_TAKER_UNNAMED) == 1


def test_the_owner_always_takes_consent(world: World, case: Case) -> None:
    owner = CaseParticipant.objects.get(case=case, organisation=world.agency_a)
    with pytest.raises(ValidationError, match="always takes consent"):
        _taker(world, owner, False)
    assert events(EventType.CONSENT_TAKER_UNNAMED) == 0


def test_an_organisation_that_left_the_case_is_not_named(world: World, case: Case) -> None:
    participant = CaseParticipant.objects.create(
        case=case, organisation=world.agency_c, is_active=False
    )
    with pytest.raises(ValidationError, match="no longer takes part"):
        _taker(world, participant, True)
    assert CaseParticipant.objects.get(pk=participant.pk).takes_consent is False
    assert events(EventType.CONSENT_TAKER_NAMED) == 0
