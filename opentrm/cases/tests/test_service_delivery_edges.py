"""Services offered to the person, called directly: the refusals a form does not reach and a
save of nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import Case, CaseService, ServiceStatus
from opentrm.cases.tests.factories import new_case
from opentrm.cases.tests.test_service_delivery import _offer
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Lira Fictiva")


def _changed() -> int:
    return AuditEvent.objects.filter(event_type=EventType.SERVICE_CHANGED).count()


def test_it_refuses_an_offer_it_cannot_record_and_records_nothing(world: World, case: Case) -> None:
    world.agency_c.is_active = False
    world.agency_c.save()
    other = new_case(world, "Other Fictiva")
    plan = services.plan_draft(
        actor=world.actor(Role.CASEWORKER),
        case=other,
        goals="Shelter.",
        activities=[services.ActivityData(description="Shelter placement")],
    )
    with pytest.raises(ValidationError) as refused:
        _offer(
            world,
            case,
            offered_on=None,
            provider=world.agency_c,
            plan_activity=plan.activities.get(),
        )
    assert set(refused.value.message_dict) == {"offered_on", "provider", "plan_activity"}
    assert not CaseService.objects.exists()


def test_it_refuses_a_field_an_offer_does_not_have(world: World, case: Case) -> None:
    with pytest.raises(ValueError, match="not a field of a service offer"):
        _offer(world, case, status="delivered")
    assert not CaseService.objects.exists()


def test_it_refuses_a_correction_it_cannot_record_and_keeps_the_service(
    world: World, case: Case
) -> None:
    service = _offer(world, case)
    caseworker = world.actor(Role.CASEWORKER)
    with pytest.raises(ValueError, match="not a service field"):
        services.service_update(
            actor=caseworker,
            service=service,
            expected_version=service.version,
            changes={"colour": "blue"},
        )
    with pytest.raises(ValidationError) as refused:
        services.service_update(
            actor=caseworker,
            service=service,
            expected_version=service.version,
            changes={"status": "teleported"},
        )
    assert "status" in refused.value.message_dict
    accepted = TODAY() - timedelta(days=5)
    with pytest.raises(ValidationError) as refused:
        services.service_update(
            actor=caseworker,
            service=service,
            expected_version=service.version,
            changes={
                "status": ServiceStatus.DELIVERED,
                "accepted_on": accepted,
                "started_on": accepted - timedelta(days=1),
            },
        )
    assert refused.value.message_dict["started_on"] == [
        "The date is before the service was accepted."
    ]
    assert CaseService.objects.get().status == ServiceStatus.OFFERED
    assert _changed() == 0


def test_a_correction_that_changes_nothing_writes_nothing(world: World, case: Case) -> None:
    service = _offer(world, case, description="Room in the shelter")
    same = services.service_update(
        actor=world.actor(Role.CASEWORKER),
        service=service,
        expected_version=service.version,
        changes={"description": " Room in  the shelter "},
    )
    assert same.version == CaseService.objects.get().version == service.version
    assert _changed() == 0


def test_it_refuses_moves_the_case_file_does_not_offer(world: World, case: Case) -> None:
    caseworker = world.actor(Role.CASEWORKER)
    service = _offer(world, case)
    with pytest.raises(ValidationError) as refused:
        services.service_move(
            actor=caseworker,
            service=service,
            expected_version=service.version,
            status=ServiceStatus.OFFERED,
            on=TODAY(),
        )
    assert "status" in refused.value.message_dict
    started = TODAY() - timedelta(days=3)
    service = services.service_move(
        actor=caseworker,
        service=service,
        expected_version=service.version,
        status=ServiceStatus.DELIVERED,
        on=started,
    )
    for on, until, field in ((None, None, "until"), (TODAY(), TODAY(), "on")):
        with pytest.raises(ValidationError) as refused:
            services.service_move(
                actor=caseworker,
                service=service,
                expected_version=service.version,
                status=ServiceStatus.DELIVERED,
                on=on,
                until=until,
            )
        assert field in refused.value.message_dict
    stored = CaseService.objects.get()
    assert (stored.status, stored.started_on, stored.ended_on) == (
        ServiceStatus.DELIVERED,
        started,
        None,
    )


def test_a_move_from_a_stale_page_is_refused_naming_who_changed_the_service(
    world: World, case: Case
) -> None:
    service = _offer(world, case)
    stale = service.version
    services.service_update(
        actor=world.actor(Role.CASE_MANAGER),
        service=service,
        expected_version=stale,
        changes={"description": "Room in the shelter"},
    )
    with pytest.raises(ConflictError, match="changed by A_Case_Manager"):
        services.service_move(
            actor=world.actor(Role.CASEWORKER),
            service=service,
            expected_version=stale,
            status=ServiceStatus.ACCEPTED,
            on=TODAY(),
        )
    assert CaseService.objects.get().status == ServiceStatus.OFFERED
