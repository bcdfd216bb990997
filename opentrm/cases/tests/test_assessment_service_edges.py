"""Assessments and the health record, called directly: the refusals, and saves of nothing."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.cases.models import Assessment, Case, HealthRecord
from opentrm.cases.services import assessment_record, assessment_update, health_update
from opentrm.cases.tests.factories import events, new_case
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Vera Fictiva")


def _record(world: World, case: Case, kind: str, **values: Any) -> Assessment:
    return assessment_record(
        actor=world.actor(Role.CASEWORKER), case=case, kind=kind, assessed_on=TODAY(), **values
    )


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("needs", {"needs": "food"}, "needs"),  # one string, not a list of codes
        ("needs", {"needs": ["food", 3]}, "needs"),
        ("needs", {"assessed_on": None}, "assessed_on"),
        (
            "safety",
            {"harm_sources": ["other"], "harm_source_other": "x" * 201},
            "harm_source_other",
        ),
    ],
)
def test_it_refuses_values_a_form_cannot_send_and_records_nothing(
    world: World, case: Case, kind: str, values: dict[str, Any], field: str
) -> None:
    arguments = {"assessed_on": TODAY(), **values}
    with pytest.raises(ValidationError) as refused:
        assessment_record(actor=world.actor(Role.CASEWORKER), case=case, kind=kind, **arguments)
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()
    assert events(EventType.ASSESSMENT_RECORDED) == 0


def test_it_keeps_each_need_once_when_it_is_ticked_twice(world: World, case: Case) -> None:
    assessment = _record(world, case, "needs", needs=["accommodation", "medical", "accommodation"])
    assert Assessment.objects.get(pk=assessment.pk).needs == ["accommodation", "medical"]


def test_it_refuses_to_change_a_field_an_assessment_does_not_have(world: World, case: Case) -> None:
    assessment = _record(world, case, "needs", needs=["accommodation"])
    with pytest.raises(ValueError, match="not an assessment field"):
        assessment_update(
            actor=world.actor(Role.CASEWORKER),
            assessment=assessment,
            expected_version=assessment.version,
            changes={"kind": "safety"},
        )
    assert Assessment.objects.get().kind == "needs"


def test_a_save_of_nothing_writes_nothing(world: World, case: Case) -> None:
    assessment = _record(world, case, "needs", needs=["accommodation"], summary="Needs a bed.")
    version = assessment.version

    same = assessment_update(
        actor=world.actor(Role.CASEWORKER),
        assessment=assessment,
        expected_version=version,
        changes={"summary": " Needs a bed. ", "needs": ["accommodation"]},
    )

    assert Assessment.objects.get().version == same.version == version
    assert events(EventType.ASSESSMENT_CHANGED) == 0


def test_a_save_of_nothing_from_a_copy_read_before_a_colleagues_change_records_no_change(
    world: World, case: Case
) -> None:
    """The caller's copy is older than the row but names the row's version: nothing it asks
    for differs from what it read, so nothing is recorded as changed."""
    old_copy = _record(world, case, "needs", needs=["accommodation"])
    current = assessment_update(
        actor=world.actor(Role.CASE_MANAGER),
        assessment=Assessment.objects.get(pk=old_copy.pk),
        expected_version=old_copy.version,
        changes={"summary": "Found a bed."},
    )

    assessment_update(
        actor=world.actor(Role.CASEWORKER),
        assessment=old_copy,
        expected_version=current.version,
        changes={"needs": ["accommodation"]},
    )

    assert events(EventType.ASSESSMENT_CHANGED) == 1  # the case manager's, not a second one
    assert Assessment.objects.get().summary == "Found a bed."


# --- Health -----------------------------------------------------------------------------------


def test_a_caseworker_who_sees_health_data_may_not_record_it(world: World, case: Case) -> None:
    with pytest.raises(PermissionDenied):
        health_update(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            expected_version=0,
            changes={"medication": "Insulin"},
        )
    assert not HealthRecord.objects.exists()
    assert events(EventType.HEALTH_CHANGED) == 0


def test_it_refuses_a_field_the_health_record_does_not_have(world: World, case: Case) -> None:
    with pytest.raises(ValueError, match="not a health field"):
        health_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            expected_version=0,
            changes={"blood_group": "0+"},
        )
    assert not HealthRecord.objects.exists()


def test_it_refuses_a_form_opened_on_a_record_that_is_gone(world: World, case: Case) -> None:
    with pytest.raises(ConflictError, match="no longer exists"):
        health_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            expected_version=3,
            changes={"medication": "Insulin"},
        )
    assert not HealthRecord.objects.exists()


def test_an_empty_health_form_records_nothing(world: World, case: Case) -> None:
    record = health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"medication": "  ", "comments": ""},
    )
    assert record._state.adding  # not saved
    assert not HealthRecord.objects.exists()
    assert events(EventType.HEALTH_CHANGED) == 0


def test_a_health_save_of_nothing_writes_nothing(world: World, case: Case) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    first = health_update(
        actor=manager, case=case, expected_version=0, changes={"medication": "Insulin"}
    )

    again = health_update(
        actor=manager,
        case=case,
        expected_version=first.version,
        changes={"medication": "Insulin "},
    )

    assert again.version == HealthRecord.objects.get().version == first.version
    assert events(EventType.HEALTH_CHANGED) == 1
