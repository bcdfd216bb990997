import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseService, ServiceCategory, ServiceStatus
from opentrm.cases.services import (
    service_delete,
    service_move,
    service_offer,
    service_update,
)
from opentrm.cases.tests.factories import case_page, new_case
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Lira Fictiva")


def _offer(world: World, case: Case, **fields: Any) -> CaseService:
    values: dict[str, Any] = {
        "service_type": "shelter",
        "offered_on": TODAY() - timedelta(days=10),
    }
    return service_offer(actor=world.actor(Role.CASEWORKER), case=case, **(values | fields))


# --- Offering -----------------------------------------------------------------------------------


def test_it_records_an_offer_through_the_form_with_its_category_and_cost(
    world: World, case: Case
) -> None:
    url = reverse("cases:service_create", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "service_type": "vocational_training",
            "provider": world.agency_a.pk,
            "offered_on": (TODAY() - timedelta(days=3)).isoformat(),
            "cost": "120.50",
            "currency": "eur",
            "funding_source": "Fictive Fund",
        },
    )
    assert response.status_code == 302
    service = CaseService.objects.get(case=case)
    assert service.category == ServiceCategory.LONG_TERM
    assert service.status == ServiceStatus.OFFERED
    assert service.currency == "EUR"
    assert service.organisation == world.agency_a
    page = case_page(world, case)
    assert "Long-term assistance and social inclusion" in page
    assert "Vocational training" in page
    assert "120.50 EUR" in page
    assert "Fictive Fund" in page
    event = AuditEvent.objects.get(event_type=EventType.SERVICE_RECORDED)
    assert event.detail == {"case_id": case.pk}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"service_type": "other"}, "description", "Describe the service"),
        ({"cost": Decimal("10")}, "currency", "Give the currency"),
        ({"cost": Decimal("10"), "currency": "XYZ"}, "currency", "not a known currency"),
        ({"cost": Decimal("-1"), "currency": "EUR"}, "cost", "cannot be negative"),
        ({"currency": "EUR"}, "cost", "Enter the cost"),
        ({"offered_on": TODAY() + timedelta(days=1)}, "offered_on", "in the future"),
        ({"provider_name": "Someone"}, "provider_name", "not both"),
        ({"service_type": "massage"}, "service_type", "Pick a service"),
    ],
)
def test_it_refuses_an_impossible_offer_on_the_field_and_writes_nothing(
    world: World, case: Case, fields: dict[str, Any], field: str, message: str
) -> None:
    if "provider_name" in fields:
        fields["provider"] = world.agency_a
    with pytest.raises(ValidationError) as raised:
        _offer(world, case, **fields)
    assert message in " ".join(raised.value.message_dict[field])
    assert not CaseService.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.SERVICE_RECORDED).exists()


def test_the_form_shows_the_message_on_the_field(world: World, case: Case) -> None:
    url = reverse("cases:service_create", args=[case.public_id])
    response = browser(world, Role.CASEWORKER).post(
        url, {"service_type": "other", "offered_on": TODAY().isoformat()}
    )
    assert response.status_code == 200
    assert "Describe the service" in response.content.decode()
    assert not CaseService.objects.exists()


# --- Moving on ----------------------------------------------------------------------------------


def test_it_moves_an_offer_to_accepted_then_delivered_and_keeps_it_final(
    world: World, case: Case
) -> None:
    actor = world.actor(Role.CASEWORKER)
    service = _offer(world, case)
    service = service_move(
        actor=actor,
        service=service,
        expected_version=service.version,
        status="accepted",
        on=TODAY() - timedelta(days=9),
    )
    service = service_move(
        actor=actor,
        service=service,
        expected_version=service.version,
        status="delivered",
        on=TODAY() - timedelta(days=8),
    )
    assert service.status == ServiceStatus.DELIVERED
    assert service.ended_on is None
    # A running delivery can be ended, once.
    service = service_move(
        actor=actor,
        service=service,
        expected_version=service.version,
        status="delivered",
        on=None,
        until=TODAY(),
    )
    assert service.ended_on == TODAY()
    with pytest.raises(ValidationError) as raised:
        service_move(
            actor=actor,
            service=service,
            expected_version=service.version,
            status="refused",
            on=TODAY(),
        )
    assert "correct the record" in raised.value.message_dict["status"][0]
    changes = AuditEvent.objects.filter(event_type=EventType.SERVICE_CHANGED)
    assert changes.count() == 3
    assert all(event.detail == {"case_id": case.pk} for event in changes)
    assert "status" in changes.order_by("sequence")[0].changed_fields


@pytest.mark.parametrize(
    ("status", "on", "until", "field", "message"),
    [
        ("accepted", -11, None, "on", "before the service was offered"),
        ("accepted", 1, None, "on", "in the future"),
        ("delivered", -5, -6, "until", "cannot end before it started"),
        ("delivered", -5, 2, "until", "in the future"),
        ("refused", None, None, "on", "Enter the date"),
        ("refused", -5, -1, "until", "Only a delivery"),
    ],
)
def test_it_refuses_impossible_dates_when_moving_a_service(
    world: World,
    case: Case,
    status: str,
    on: int | None,
    until: int | None,
    field: str,
    message: str,
) -> None:
    service = _offer(world, case)
    with pytest.raises(ValidationError) as raised:
        service_move(
            actor=world.actor(Role.CASEWORKER),
            service=service,
            expected_version=service.version,
            status=status,
            on=None if on is None else TODAY() + timedelta(days=on),
            until=None if until is None else TODAY() + timedelta(days=until),
        )
    assert message in " ".join(raised.value.message_dict[field])
    service.refresh_from_db()
    assert service.status == ServiceStatus.OFFERED
    assert service.version == 1


def test_the_status_form_moves_the_service_and_shows_errors_on_its_fields(
    world: World, case: Case
) -> None:
    service = _offer(world, case)
    url = reverse("cases:service_status", args=[case.public_id, service.pk])
    client = browser(world, Role.GUARDIAN)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"version": 1, "status": "refused", "on": (TODAY() + timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 200
    assert "The date is in the future." in response.content.decode()
    response = client.post(url, {"version": 1, "status": "refused", "on": TODAY().isoformat()})
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.status == ServiceStatus.REFUSED
    assert service.refused_on == TODAY()
    assert "Refused by the person" in case_page(world, case)


def test_a_correction_keeps_the_record_possible_and_can_reopen_a_refusal(
    world: World, case: Case
) -> None:
    actor = world.actor(Role.CASE_MANAGER)
    service = _offer(world, case)
    service = service_move(
        actor=actor, service=service, expected_version=1, status="refused", on=TODAY()
    )
    with pytest.raises(ValidationError) as raised:
        service_update(
            actor=actor,
            service=service,
            expected_version=service.version,
            changes={"status": "delivered", "started_on": TODAY()},
        )
    assert "Leave this empty" in raised.value.message_dict["refused_on"][0]
    service = service_update(
        actor=actor,
        service=service,
        expected_version=service.version,
        changes={
            "status": "delivered",
            "refused_on": None,
            "started_on": TODAY() - timedelta(days=1),
            "service_type": "legal_counselling",
        },
    )
    assert service.status == ServiceStatus.DELIVERED
    service.refresh_from_db()
    assert service.category == ServiceCategory.LEGAL_ADMIN


def test_a_stale_edit_is_refused_with_who_changed_it(world: World, case: Case) -> None:
    service = _offer(world, case)
    service_update(
        actor=world.actor(Role.CASE_MANAGER),
        service=service,
        expected_version=1,
        changes={"funding_source": "Fund A"},
    )
    with pytest.raises(ConflictError) as raised:
        service_update(
            actor=world.actor(Role.CASEWORKER),
            service=service,
            expected_version=1,
            changes={"funding_source": "Fund B"},
        )
    assert "A_Case_Manager" in raised.value.message
    service.refresh_from_db()
    assert service.funding_source == "Fund A"
    url = reverse("cases:service_edit", args=[case.public_id, service.pk])
    response = browser(world, Role.CASEWORKER).post(
        url,
        {
            "version": 1,
            "service_type": "shelter",
            "offered_on": service.offered_on.isoformat(),
            "status": "offered",
            "funding_source": "Fund C",
        },
    )
    assert response.status_code == 200
    assert "changed by" in response.content.decode()


def test_it_deletes_a_service_softly_with_a_reason(world: World, case: Case) -> None:
    service = _offer(world, case)
    url = reverse("cases:service_delete", args=[case.public_id, service.pk])
    client = browser(world, Role.CASEWORKER)
    assert client.post(url, {"version": 1, "reason": ""}).status_code == 200
    assert client.post(url, {"version": 1, "reason": "Recorded twice"}).status_code == 302
    service.refresh_from_db()
    assert service.deleted_at is not None
    assert service.deletion_reason == "Recorded twice"
    assert "Accommodation in shelter" not in case_page(world, case)
    event = AuditEvent.objects.get(event_type=EventType.SERVICE_DELETED)
    assert event.detail == {"case_id": case.pk}
    assert client.get(url).status_code == 404
    with pytest.raises(ConflictError):
        service_delete(
            actor=world.actor(Role.CASEWORKER),
            service=service,
            expected_version=2,
            reason="again",
        )


# --- Who -----------------------------------------------------------------------------------------


def test_only_roles_that_edit_assistance_change_services(world: World, case: Case) -> None:
    service = _offer(world, case)
    create = reverse("cases:service_create", args=[case.public_id])
    assert browser(world, Role.GUARDIAN).get(create).status_code == 200
    assert browser(world, Role.POLICE_INVESTIGATOR).get(create).status_code == 403
    assert browser(world, Role.PROSECUTOR).get(create).status_code == 403
    assert browser(world, Role.INTERPRETER).get(create).status_code == 403
    assert browser(world, Role.CASEWORKER, org="b").get(create).status_code == 404
    with pytest.raises(PermissionDenied):
        service_update(
            actor=world.actor(Role.POLICE_INVESTIGATOR),
            service=service,
            expected_version=1,
            changes={"comments": "x"},
        )
    # The police investigator sees the section without the buttons; the prosecutor and the
    # interpreter do not see it at all.
    page = case_page(world, case, Role.POLICE_INVESTIGATOR)
    assert 'id="services"' in page
    assert "Record a service offered" not in page
    for role in (Role.PROSECUTOR, Role.INTERPRETER):
        assert 'id="services"' not in case_page(world, case, role)


def test_the_case_page_runs_a_fixed_number_of_queries_whatever_the_services(
    world: World, case: Case
) -> None:
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:case_detail", args=[case.public_id]) + "?section=services"
    with CaptureQueriesContext(connection) as empty:
        client.get(url)
    for index in range(5):
        _offer(world, case, provider=world.agency_a, comments=f"{index}")
        _offer(world, case, service_type="education", provider_name="School")
    with CaptureQueriesContext(connection) as full:
        page = client.get(url).content.decode()
    assert page.count('<td data-label="Service">Accommodation in shelter') == 5
    assert len(full.captured_queries) == len(empty.captured_queries)


# --- API -----------------------------------------------------------------------------------------


def test_the_api_records_moves_and_lists_services(world: World, case: Case) -> None:
    client = api(world, Role.CASEWORKER)
    base = f"/api/v1/cases/{case.public_id}/services"
    response = client.post(
        base,
        json.dumps(
            {
                "service_type": "medical",
                "offered_on": (TODAY() - timedelta(days=2)).isoformat(),
                "cost": "30",
                "currency": "ALL",
                "provider_id": world.agency_a.pk,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["category"] == "first_assistance"
    assert body["status"] == "offered"
    url = f"{base}/{body['id']}"
    patch = {"version": 1, "status": "delivered", "started_on": TODAY().isoformat()}
    response = client.patch(url, json.dumps(patch), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "delivered"
    again = client.patch(url, json.dumps(patch), content_type="application/json")
    assert again.status_code == 409
    listed = client.get(base).json()
    assert [item["id"] for item in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"service_type": "shelter", "offered_on": "2999-01-01"}, "offered_on"),
        ({"service_type": "shelter", "offered_on": "2025-01-01", "cost": "5"}, "currency"),
        (
            {"service_type": "shelter", "offered_on": "2025-01-01", "provider_id": 999999},
            "provider_id",
        ),
        ({"service_type": "spa", "offered_on": "2025-01-01"}, "service_type"),
    ],
)
def test_the_api_names_the_field_of_bad_input(
    world: World, case: Case, payload: dict[str, Any], field: str
) -> None:
    response = api(world, Role.CASEWORKER).post(
        f"/api/v1/cases/{case.public_id}/services",
        json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not CaseService.objects.exists()


def test_the_api_refuses_roles_without_assistance_and_hides_other_cases(
    world: World, case: Case
) -> None:
    url = f"/api/v1/cases/{case.public_id}/services"
    assert api(world, Role.PROSECUTOR).get(url).status_code == 403
    assert api(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 200
    assert api(world, Role.CASEWORKER, org="b").get(url).status_code == 404
    payload = {"service_type": "shelter", "offered_on": TODAY().isoformat()}
    response = api(world, Role.POLICE_INVESTIGATOR).post(
        url, json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 403


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

EVERY_MISTAKE = {
    "description": "Describe the service: its type is “Other”.",
    "offered_on": "The date is in the future.",
    "currency": "“XYZ” is not a known currency code (ISO 4217).",
}


def test_the_offer_form_shows_the_services_mistakes_with_its_own(world: World, case: Case) -> None:
    tomorrow = TODAY() + timedelta(days=1)
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:service_create", args=[case.public_id]),
        {"service_type": "other", "offered_on": tomorrow, "cost": "-5", "currency": "xyz"},
    )
    page = response.content.decode()

    assert response.status_code == 200
    errors = response.context["form"].errors
    for field, message in {**EVERY_MISTAKE, "cost": "greater than or equal to 0"}.items():
        assert message in " ".join(errors[field]), field  # on its field
        assert message in page, field
    assert not CaseService.objects.exists()


def test_the_api_refuses_the_same_offer_with_every_mistake(world: World, case: Case) -> None:
    response = api(world, Role.CASEWORKER).post(
        f"/api/v1/cases/{case.public_id}/services",
        json.dumps(
            {
                "service_type": "other",
                "offered_on": (TODAY() + timedelta(days=1)).isoformat(),
                "cost": "5",
                "currency": "xyz",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    errors = {(error["field"], error["message"]) for error in response.json()["errors"]}
    assert errors == set(EVERY_MISTAKE.items())
    assert not CaseService.objects.exists()
