"""The assistance and witness status follow what happens on the case, unless set by hand with
a reason; every change is in the status's history (OTH-01/02, ACT-59)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseService, CaseStatusChange, Hearing
from opentrm.cases.services import (
    proceeding_record,
    service_offer,
    status_override,
    status_override_end,
)
from opentrm.cases.services.service_delivery import service_move
from opentrm.cases.tests.factories import case_page, new_case


def _move(world: World, service: CaseService, status: str) -> None:
    service_move(
        actor=world.actor(Role.CASEWORKER),
        service=service,
        expected_version=service.version,
        status=status,
        on=timezone.localdate(),
    )


def _offer(world: World, case: Case, service_type: str = "shelter") -> CaseService:
    return service_offer(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        service_type=service_type,
        offered_on=timezone.localdate(),
    )


def _set_by_hand(
    world: World, case: Case, attribute: str, value: str, reason: str, role: Role = Role.CASEWORKER
) -> None:
    status_override(
        actor=world.actor(role), case=case, attribute=attribute, value=value, reason=reason
    )


def _fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_assistance_follows_the_services_offered_accepted_and_refused(world: World) -> None:
    case = new_case(world)
    assert case.assistance_status == "not_offered"
    shelter = _offer(world, case)
    assert _fresh(case).assistance_status == "offered"
    _move(world, shelter, "refused")
    assert _fresh(case).assistance_status == "declined"
    medical = _offer(world, case, "medical")
    _move(world, medical, "accepted")
    assert _fresh(case).assistance_status == "accepted"
    history = CaseStatusChange.objects.filter(case=case, attribute="assistance_status")
    assert [(c.new_value, c.source) for c in history] == [
        ("offered", "derived"),
        ("declined", "derived"),
        ("offered", "derived"),  # a new offer after the refusal
        ("accepted", "derived"),
    ]
    assert AuditEvent.objects.filter(event_type=EventType.CASE_STATUS_DERIVED).count() == 4


def test_witness_follows_a_statement_and_a_hearing_that_took_place(world: World) -> None:
    case = new_case(world)
    police = world.actor(Role.POLICE_INVESTIGATOR)
    proceeding_record(actor=police, case=case, country_code="AL", kind="criminal", initiated=True)
    assert _fresh(case).witness_status == "considering"
    other = new_case(world)
    Hearing.objects.create(
        case=other,
        kind="court_hearing",
        scheduled_at=timezone.now() - timedelta(hours=2),
        place="Court",
        organisation=world.agency_a,
    )
    call_command("refresh_statuses", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _fresh(other).witness_status == "witness"
    assert _fresh(case).witness_status == "considering"
    third = new_case(world)
    proceeding_record(
        actor=police, case=third, country_code="AL", kind="criminal", statement_taken=True
    )
    assert _fresh(third).witness_status == "witness"


def test_a_status_set_by_hand_stays_until_it_follows_again(world: World) -> None:
    case = new_case(world)
    _set_by_hand(
        world, case, "assistance_status", "declined", "The person said so at the first interview"
    )
    _offer(world, case)
    case = _fresh(case)
    assert (case.assistance_status, case.assistance_status_overridden) == ("declined", True)
    status_override_end(
        actor=world.actor(Role.CASEWORKER), case=case, attribute="assistance_status"
    )
    case = _fresh(case)
    assert (case.assistance_status, case.assistance_status_overridden) == ("offered", False)
    manual = CaseStatusChange.objects.get(case=case, source="manual")
    assert manual.reason == "The person said so at the first interview"
    event = AuditEvent.objects.get(event_type=EventType.CASE_STATUS_OVERRIDDEN)
    assert "first interview" not in str(event.detail)


def test_setting_by_hand_needs_a_reason_and_the_status_group(world: World) -> None:
    case = new_case(world)
    with pytest.raises(ValidationError) as error:
        _set_by_hand(world, case, "assistance_status", "declined", " ")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):  # the witness status is proceedings data
        _set_by_hand(world, case, "witness_status", "witness", "Testified")
    with pytest.raises(PermissionDenied):  # a prosecutor has no assistance data
        _set_by_hand(world, case, "assistance_status", "declined", "No", Role.PROSECUTOR)


def test_the_screens_set_and_release_a_status_and_show_its_history(world: World) -> None:
    case = new_case(world)
    client = browser(world, Role.POLICE_INVESTIGATOR)
    response = client.post(
        reverse("cases:status_override", args=[case.public_id, "witness"]),
        {"value": "witness", "reason": "Gave a statement in another country"},
    )
    assert response.status_code == 302
    page = case_page(world, case, Role.POLICE_INVESTIGATOR)
    assert "Gave a statement in another country" in page
    assert "set by hand" in page
    assert "Gave a statement in another country" not in case_page(world, case, Role.INTERPRETER)
    response = client.post(reverse("cases:status_override_end", args=[case.public_id, "witness"]))
    assert response.status_code == 302
    assert _fresh(case).witness_status == "none"
    missing = client.get(reverse("cases:status_override", args=[case.public_id, "return"]))
    assert missing.status_code == 404


def test_the_api_lists_sets_and_releases_statuses(world: World) -> None:
    case = new_case(world)
    client = api(world, Role.CASE_MANAGER)
    base = f"/api/v1/cases/{case.public_id}/statuses"
    response = send_json(client, f"{base}/assistance", {"value": "accepted", "reason": "Plan"})
    assert response.status_code == 200, response.content
    assert response.json()["overridden"] is True
    listed = api(world, Role.PROSECUTOR).get(base).json()
    assistance = next(s for s in listed if s["status"] == "assistance")
    assert assistance["value"] == "accepted"
    assert assistance["history"] is None
    released = client.post(f"{base}/assistance/derive")
    assert released.json()["value"] == "not_offered"
    assert (
        send_json(
            api(world, Role.PROSECUTOR), f"{base}/assistance", {"value": "accepted", "reason": "x"}
        ).status_code
        == 403
    )
