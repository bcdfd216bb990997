"""Training at its edges: changing the procedures an event covered, removing an attendance
twice, and the change form refused to a member who may only read the event."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.models import ContactPoint
from opentrm.training import services
from opentrm.training.access import access_training_event
from opentrm.training.models import TrainingEvent
from opentrm.training.tests.test_training import _event


def test_changing_the_procedures_checks_them_and_keeps_the_known_ones(world: World) -> None:
    event = _event(world)
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    with pytest.raises(ValidationError):
        services.training_event_change(
            actor=coordinator, event=event, expected_version=event.version, sop_codes=["sop9"]
        )
    assert TrainingEvent.objects.get(pk=event.pk).sop_codes == ["sop1"]
    changed = services.training_event_change(
        actor=coordinator, event=event, expected_version=event.version, sop_codes=["sop2"]
    )
    assert TrainingEvent.objects.get(pk=changed.pk).sop_codes == ["sop2"]


def test_removing_an_attendance_already_removed_asks_to_reload(world: World) -> None:
    event = _event(world)
    contact = ContactPoint.objects.create(organisation=world.agency_a, position="Duty officer")
    coordinator = world.actor(Role.NATIONAL_COORDINATOR)
    attendance = services.attendance_add(actor=coordinator, event=event, contact_point=contact)
    services.attendance_remove(actor=coordinator, event=event, attendance_id=attendance.pk)
    with pytest.raises(ValidationError) as refused:
        services.attendance_remove(actor=coordinator, event=event, attendance_id=attendance.pk)
    assert refused.value.messages == ["This attendance no longer exists. Reload the page."]


def test_a_member_who_may_read_an_event_may_not_open_it_for_change(world: World) -> None:
    event = _event(world)
    caseworker = world.actor(Role.CASEWORKER)
    assert access_training_event(caseworker, event.pk) == event
    with pytest.raises(PermissionDenied):
        access_training_event(caseworker, event.pk, action="change")
