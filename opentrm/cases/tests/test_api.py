import json
import uuid
from typing import Any

import pytest
from django.test import Client

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import assign_interpreter


def _register(client: Client, **payload: object) -> tuple[int, Any]:
    response = client.post("/api/v1/cases/", json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


def test_it_registers_a_case_once_per_client_generated_id(world: World) -> None:
    client = api(world, Role.CASEWORKER)
    public_id = str(uuid.uuid4())
    status, body = _register(
        client, public_id=public_id, names=[{"value": "D. K."}], languages=["ro"]
    )
    assert status == 201
    assert body["identification_status"] == "presumed"
    assert body["identity"]["names"] == [{"value": "D. K.", "kind": "name", "script": ""}]
    again, _body = _register(client, public_id=public_id, names=[{"value": "D. K."}])
    assert again == 200
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"languages": ["zz-top"]}, "languages.0"),
        ({"citizenships": ["QQ"]}, "citizenships.0"),
        ({"sex": "robot"}, "sex"),
        ({"date_of_birth": 0}, "date_of_birth"),
        ({"at_risk_only": 0}, "at_risk_only"),
    ],
)
def test_it_names_the_field_of_bad_input_and_opens_nothing(
    world: World, payload: dict[str, object], field: str
) -> None:
    status, body = _register(api(world, Role.CASEWORKER), **payload)
    assert status == 422
    assert field in [error["field"] for error in body["errors"]]
    assert not Case.objects.exists()


@pytest.mark.parametrize("body", ["[null, null]", "0", "false", '"AAA"', "null"])
def test_it_refuses_a_body_that_is_not_a_json_object(world: World, body: str) -> None:
    client = api(world, Role.CASEWORKER)
    response = client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_it_returns_only_the_field_groups_of_the_role(world: World) -> None:
    _status, body = _register(api(world, Role.CASEWORKER), names=[{"value": "Name"}])
    case = Case.objects.get()
    assign_interpreter(world, case)
    case.person.address = "Secret Street 1"
    case.person.save()
    interpreter = api(world, Role.INTERPRETER).get(f"/api/v1/cases/{body['public_id']}")
    data = interpreter.json()
    assert data["identity"]["names"][0]["value"] == "Name"
    assert data["contact"] is None
    assert "Secret Street" not in interpreter.content.decode()
    assert AuditEvent.objects.filter(
        event_type=EventType.CASE_VIEWED, target_id=str(case.pk)
    ).exists()


def test_it_hides_a_case_from_another_organisation(world: World) -> None:
    _status, body = _register(api(world, Role.CASEWORKER))
    other = api(world, Role.CASEWORKER, org="b")
    assert other.get(f"/api/v1/cases/{body['public_id']}").status_code == 404
    listing = other.get("/api/v1/cases/").json()
    assert listing["count"] == 0


def test_it_lists_cases_and_audits_the_page_served(world: World) -> None:
    client = api(world, Role.CASEWORKER)
    for _ in range(3):
        _register(client)
    listing = client.get("/api/v1/cases/").json()
    assert listing["count"] == 3
    assert len(listing["items"]) == 3
    event = AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).latest("sequence")
    assert event.detail["count"] == 3


def test_it_records_and_withdraws_a_consent(world: World) -> None:
    client = api(world, Role.CASEWORKER)
    _status, body = _register(client)
    url = f"/api/v1/cases/{body['public_id']}/consents"
    response = client.post(
        url,
        json.dumps(
            {
                "purpose": "share_data",
                "decision": "given",
                "decided_on": "2026-01-05",
                "explained_in": "ro",
                "information_given": "Explained.",
                "recipient_organisation_id": world.agency_b.pk,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["in_force"] is True
    withdrawn = client.post(f"{url}/{consent['id']}/withdraw").json()
    assert withdrawn["in_force"] is False
    assert client.get(url).json()[0]["withdrawn_at"] is not None


def test_it_refuses_case_data_to_a_statistician(world: World) -> None:
    assert api(world, Role.STATISTICIAN).get("/api/v1/cases/").status_code == 403


def test_the_list_pages_without_counting_and_says_when_there_is_a_next_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.cases import api as cases_api

    monkeypatch.setattr(cases_api, "PAGE_SIZE", 2)
    client = api(world, Role.CASEWORKER)
    for _ in range(3):
        _register(client)
    first = client.get("/api/v1/cases/").json()
    assert (first["count"], first["count_capped"], len(first["items"])) == (2, True, 2)
    second = client.get("/api/v1/cases/?page=2").json()
    assert (second["count"], second["count_capped"], len(second["items"])) == (3, False, 1)
    past = client.get("/api/v1/cases/?page=5").json()  # past the end: empty, never page 1
    assert (past["count"], past["count_capped"], past["items"], past["page"]) == (3, False, [], 5)
    seen = {item["public_id"] for item in first["items"] + second["items"]}
    assert len(seen) == 3
