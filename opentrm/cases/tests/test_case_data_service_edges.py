"""The case data service called directly: the mistakes the forms catch first, a save that
changes nothing, and the information given to the person refused for each mistake."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, InformationGiven
from opentrm.cases.services import Exploitation, case_data_update
from opentrm.cases.services.case_data import information_given_errors, information_given_record
from opentrm.cases.tests.factories import new_case


def _update(world: World, case: Case, **parts: Any) -> Case:
    case.refresh_from_db()
    return case_data_update(
        actor=world.actor(Role.CASE_MANAGER), case=case, expected_version=case.version, **parts
    )


def _changes() -> int:
    return AuditEvent.objects.filter(event_type=EventType.CASE_DATA_CHANGED).count()


def test_it_refuses_exploitation_of_an_unknown_type_or_ending_before_it_began(
    world: World,
) -> None:
    case = new_case(world)
    with pytest.raises(ValidationError) as refused:
        _update(
            world,
            case,
            exploitation=Exploitation(
                types=["Sightseeing"], began_on=date(2025, 5, 1), ended_on=date(2025, 4, 1)
            ),
        )

    assert refused.value.message_dict == {
        "exploitation_types": ["Choose types of exploitation from the list."],
        "exploitation_ended_on": ["The exploitation cannot end before it began."],
    }
    assert not case.exploitation_types.exists()


def test_a_country_role_the_form_does_not_edit_is_a_programming_error(world: World) -> None:
    case = new_case(world)
    with pytest.raises(ValueError, match="not an editable country role: residence"):
        _update(world, case, countries={"residence": ["MD"]})
    assert not case.countries.filter(role="residence").exists()


def test_a_save_that_changes_nothing_writes_no_audit_event(world: World) -> None:
    case = new_case(world)
    _update(world, case, references={"court_reference": "K-1/26"}, countries={"origin": ["MD"]})
    before = Case.objects.get(pk=case.pk).version

    _update(world, case, references={"court_reference": " K-1/26 "}, countries={"origin": ["MD"]})

    assert _changes() == 1
    assert Case.objects.get(pk=case.pk).version == before


def test_changing_only_the_dates_keeps_the_exploitation_types(world: World) -> None:
    case = new_case(world)
    _update(world, case, exploitation=Exploitation(types=["ForcedLabour"]))
    first = list(case.exploitation_types.values_list("pk", flat=True))

    _update(
        world,
        case,
        exploitation=Exploitation(types=["ForcedLabour"], began_on=date(2025, 3, 1)),
    )

    case.refresh_from_db()
    assert case.exploitation_began_on == date(2025, 3, 1)
    assert list(case.exploitation_types.values_list("pk", flat=True)) == first  # not rewritten
    latest = AuditEvent.objects.filter(event_type=EventType.CASE_DATA_CHANGED).order_by("pk").last()
    assert latest is not None
    assert latest.changed_fields == ["exploitation_began_on"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        pytest.param(
            {"format": "telepathy"}, "format", "Choose how the person was told.", id="format"
        ),
        pytest.param({"topics": []}, "topics", "Choose what the person was told.", id="no topic"),
        pytest.param({"language": "xx-invalid"}, "language", None, id="language"),
    ],
)
def test_it_refuses_information_given_with_a_mistake_and_records_nothing(
    world: World, values: dict[str, Any], field: str, message: str | None
) -> None:
    case = new_case(world)
    given: dict[str, Any] = {
        "given_on": timezone.localdate(),
        "language": "ro",
        "format": "oral",
        "topics": ["assistance"],
    } | values

    with pytest.raises(ValidationError) as refused:
        information_given_record(actor=world.actor(Role.CASEWORKER), case=case, **given)

    assert list(refused.value.message_dict) == [field]
    if message is not None:
        assert refused.value.message_dict[field] == [message]
    assert not InformationGiven.objects.exists()


def test_it_records_information_given_today_and_audits_the_topics(world: World) -> None:
    case = new_case(world)
    record = information_given_record(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        given_on=timezone.localdate() - timedelta(days=1),
        language="ro",
        format="oral",
        topics=["assistance", "assistance", "legal"],
    )

    assert record.topics == ["assistance", "legal"]
    event = AuditEvent.objects.get(event_type=EventType.INFORMATION_GIVEN_RECORDED)
    assert event.detail["topics"] == ["assistance", "legal"]


def test_the_information_precheck_leaves_a_field_with_its_own_error_unchecked() -> None:
    """The form's language field had its own error: the precheck checks the rest only."""
    assert information_given_errors({"format": "oral", "topics": ["legal"]}) == {}
    assert list(information_given_errors({"format": "oral", "language": "not a language"})) == [
        "language"
    ]
