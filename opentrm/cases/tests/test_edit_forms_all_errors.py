"""Issue 12 §5 on the edit forms: a form with a mistake of its own also shows the service's
rules checked against the record as it is (a correction of a service, an assessment, an
interview or hearing, an identification), and saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser, form_errors
from opentrm.cases.models import (
    AgeBand,
    Assessment,
    CaseService,
    Hearing,
    IdentificationDecision,
)
from opentrm.cases.services import assessment_record, service_offer
from opentrm.cases.services.proceedings import hearing_update
from opentrm.cases.tests.factories import new_case
from opentrm.cases.tests.proceedings import adult_case, schedule_interview


def test_the_service_correction_form_shows_the_services_rule_with_its_own(world: World) -> None:
    case = new_case(world)
    service = service_offer(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        service_type="shelter",
        offered_on=timezone.localdate(),
    )
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:service_edit", args=[case.public_id, service.pk]),
        {
            "version": service.version,
            "service_type": "other",
            "description": "",
            "offered_on": "not a date",
        },
    )

    errors = form_errors(response)
    assert "offered_on" in errors
    assert errors["description"] == ["Describe the service: its type is “Other”."]
    assert CaseService.objects.get().service_type == "shelter"


def test_the_assessment_form_shows_only_its_own_mistake_when_the_rest_is_right(
    world: World,
) -> None:
    case = new_case(world)
    assessment = assessment_record(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        kind="needs",
        assessed_on=timezone.localdate(),
        summary="Needs a shelter",
    )
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:assessment_edit", args=[case.public_id, assessment.pk]),
        {"version": assessment.version, "assessed_on": "not a date", "summary": "Changed"},
    )

    errors = form_errors(response)
    assert list(errors) == ["assessed_on"]
    assert Assessment.objects.get().summary == "Needs a shelter"


def test_the_identification_form_shows_only_its_own_mistake_when_the_rest_is_right(
    world: World,
) -> None:
    case = new_case(world, age_band=AgeBand.OVER_18)
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:identification_create", args=[case.public_id]),
        {
            "outcome": "identified",
            "decided_on": timezone.localdate().isoformat(),
            "country_code": "AL",
            "legal_basis": "x" * 301,
        },
    )

    errors = form_errors(response)
    assert list(errors) == ["legal_basis"]
    assert not IdentificationDecision.objects.exists()


def test_the_schedule_form_without_a_kind_asks_for_it_and_checks_no_child_rule(
    world: World,
) -> None:
    case = adult_case(world)
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:hearing_schedule", args=[case.public_id]),
        {"place": "Police station, Fictiva"},
    )

    errors = form_errors(response)
    assert {"kind", "scheduled_at"} <= set(errors)
    assert "guardian_present" not in errors
    assert not Hearing.objects.exists()


def test_the_hearing_form_refuses_a_no_contact_entry_no_longer_offered(world: World) -> None:
    """A stale form naming an entry that is not on the no-contact list (any more): the form
    says so on that field, the service's rules are checked with the entries recorded, and the
    hearing is unchanged."""
    case = adult_case(world)
    hearing = schedule_interview(world, case)
    scheduled_at = timezone.localtime(hearing.scheduled_at)
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:hearing_edit", args=[case.public_id, hearing.pk]),
        {
            "version": hearing.version,
            "kind": "police_interview",
            "scheduled_at": scheduled_at.strftime("%Y-%m-%dT%H:%M"),
            "place": "Another room",
            "participants_group": "proceedings",
            "involved_no_contact": ["999999"],
        },
    )

    errors = form_errors(response)
    assert list(errors) == ["involved_no_contact"]
    assert Hearing.objects.get().place == "Police station, Fictiva"


def test_the_people_attending_are_refiled_only_under_a_group_the_writer_sees(
    world: World,
) -> None:
    case = adult_case(world)
    hearing = schedule_interview(world, case, participants="Inspector Fictiva")
    police = world.actor(Role.POLICE_INVESTIGATOR)
    with pytest.raises(ValidationError) as refused:
        hearing_update(
            actor=police,
            hearing=hearing,
            expected_version=hearing.version,
            changes={"participants_group": "health"},
        )
    assert refused.value.message_dict == {
        "participants_group": ["Pick from the list who may read the people attending."]
    }
    assert Hearing.objects.get().participants_group == "proceedings"

    hearing_update(
        actor=police,
        hearing=Hearing.objects.get(),
        expected_version=hearing.version,
        changes={"participants_group": "identity", "scheduled_at": hearing.scheduled_at},
    )
    assert Hearing.objects.get().participants_group == "identity"
