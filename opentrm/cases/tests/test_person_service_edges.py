"""Changing the person behind a case, called directly: refusals and a save of nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register, person_update


@pytest.fixture
def case(world: World) -> Case:
    return case_register(actor=world.actor(Role.CASEWORKER), names=[NameData(value="Ana")])


def test_it_refuses_a_field_the_person_does_not_have(world: World, case: Case) -> None:
    with pytest.raises(ValidationError, match="Unknown field"):
        person_update(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            expected_version=case.person.version,
            identity={"favourite_colour": "blue"},
        )


def test_it_refuses_a_date_of_birth_in_the_future(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        person_update(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            expected_version=case.person.version,
            identity={"date_of_birth": timezone.localdate() + timedelta(days=1)},
        )
    assert "date_of_birth" in refused.value.message_dict


def test_it_writes_and_audits_nothing_when_the_same_names_are_saved(
    world: World, case: Case
) -> None:
    person = case.person
    before = (person.version, AuditEvent.objects.count())

    same = person_update(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        expected_version=person.version,
        names=[NameData(value=" Ana ")],
    )

    assert (same.version, AuditEvent.objects.count()) == before
