"""Registering and deleting a case, called directly: the refusals and the repeats."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import case_register, case_soft_delete


def test_it_refuses_a_date_of_birth_in_the_future(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        case_register(
            actor=world.actor(Role.CASEWORKER),
            date_of_birth=timezone.localdate() + timedelta(days=1),
        )
    assert "date_of_birth" in refused.value.message_dict
    assert not Case.objects.exists()


def test_it_refuses_a_repeated_registration_of_another_organisations_case(world: World) -> None:
    public_id = uuid.uuid4()
    case_register(actor=world.actor(Role.CASEWORKER), public_id=public_id)

    with pytest.raises(PermissionDenied):
        case_register(actor=world.actor(Role.CASEWORKER, org="b"), public_id=public_id)
    assert Case.objects.count() == 1


def test_it_refuses_deleting_a_case_to_anyone_but_the_owners_case_manager(world: World) -> None:
    case = case_register(actor=world.actor(Role.CASEWORKER))

    for actor in (world.actor(Role.CASEWORKER), world.actor(Role.CASE_MANAGER, org="b")):
        with pytest.raises(PermissionDenied):
            case_soft_delete(actor=actor, case=case, reason="Duplicate")
    case.refresh_from_db()
    assert not case.is_deleted


def test_it_asks_why_a_case_is_deleted(world: World) -> None:
    case = case_register(actor=world.actor(Role.CASEWORKER))

    with pytest.raises(ValidationError) as refused:
        case_soft_delete(actor=world.actor(Role.CASE_MANAGER), case=case, reason="  ")
    assert "reason" in refused.value.message_dict


def test_it_deletes_a_case_once_and_audits_it_once(world: World) -> None:
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=world.actor(Role.CASEWORKER))
    case_soft_delete(actor=manager, case=case, reason="Duplicate")

    again = case_soft_delete(actor=manager, case=case, reason="Again")

    assert again.deletion_reason == "Duplicate"
    assert AuditEvent.objects.filter(event_type=EventType.CASE_DELETED).count() == 1


def test_the_case_number_is_taken_last_and_numbers_stay_consecutive(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opentrm.cases.models import Case
    from opentrm.cases.services.registration import case_register

    actor = world.actor(Role.CASEWORKER)
    with CaptureQueriesContext(connection) as queries:
        first = case_register(actor=actor)
    second = case_register(actor=actor)
    sql = [entry["sql"] for entry in queries.captured_queries]
    counter = next(i for i, text in enumerate(sql) if "cases_casenumbersequence" in text)
    # after the counter: its own update, the number written, and the audit event's queries
    writes = [
        text
        for text in sql[counter:]
        if text.lstrip().upper().startswith("INSERT") and "casenumbersequence" not in text
    ]
    assert writes
    assert all("audit" in text for text in writes)
    assert Case.objects.get(pk=first.pk).number == first.number
    assert not first.number.startswith("~")
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1
