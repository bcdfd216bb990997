"""The API answers only what its OpenAPI document declares (issue 9, found by tests/fuzz)."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.cases import services
from opentrm.cases.services.aftercare import MAX_VISITS
from opentrm.config.api import api
from opentrm.core.input import EVENT_DATE, SERIES_SPAN_DAYS, SERIES_START


def _api(world: World) -> Client:
    _token, secret = api_token_create(actor=world.actor(Role.CASE_MANAGER), name="contract")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _declared(method: str, path: str) -> set[int]:
    document: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1/")
    return {int(status) for status in document["paths"][path][method]["responses"]}


def test_it_serves_the_document_the_fuzzing_reads(world: World) -> None:
    served = _api(world).get("/api/v1/openapi.json").json()

    generated = json.loads(
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=DjangoJSONEncoder)
    )
    assert served == generated


def test_it_hands_out_a_fresh_copy_of_the_document_each_time() -> None:
    first = api.get_openapi_schema(path_prefix="/api/v1/")
    first["paths"].clear()

    assert api.get_openapi_schema(path_prefix="/api/v1/")["paths"]


def test_it_moves_the_documented_date_bounds_with_the_day(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    before = _api(world).get("/api/v1/openapi.json").content

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + timedelta(days=400))
    after = _api(world).get("/api/v1/openapi.json").content

    assert str(today.year + 1).encode() in after
    assert before != after


def test_it_answers_json_for_an_api_path_no_route_matches(world: World) -> None:
    # an id holding a slash: no route matches, and the answer is still the API's JSON error
    response = _api(world).get("/api/v1/cases/a/b/consents")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_it_still_answers_html_outside_the_api(world: World) -> None:
    response = _api(world).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_it_declares_the_400_a_body_that_is_not_json_gets(world: World) -> None:
    response = _api(world).post("/api/v1/cases/", b"\x00", content_type="application/json")

    assert response.status_code == 400
    assert 400 in _declared("post", "/api/v1/cases/")
    assert 400 in _declared("patch", "/api/v1/directory/organisations/{organisation_id}")


def test_it_declares_the_422_a_token_id_that_is_not_a_number_gets(world: World) -> None:
    response = _api(world).post("/api/v1/account/tokens/x/revoke")

    assert response.status_code == 422
    assert 422 in _declared("post", "/api/v1/account/tokens/{token_id}/revoke")


# --- closed schemas: what an operation does not declare is refused, named (issue 9) ------------


def _seeded_case(world: World) -> str:
    case = services.case_register(actor=world.actor(Role.CASE_MANAGER))
    return str(case.public_id)


def test_it_refuses_a_body_key_the_schema_does_not_declare_with_the_others(world: World) -> None:
    client = _api(world)
    case = _seeded_case(world)
    body = {"first_on": "not a date", "count": 3, "every_dayz": 30}

    response = client.post(
        f"/api/v1/cases/{case}/visits", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert {error["field"] for error in response.json()["errors"]} == {"first_on", "every_dayz"}
    assert not client.get(f"/api/v1/cases/{case}/visits").json()


def test_it_refuses_an_undeclared_key_nested_in_a_body(world: World) -> None:
    response = _api(world).post(
        "/api/v1/cases/search", json.dumps({"nmae": "Ana"}), content_type="application/json"
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["nmae"]


def test_it_refuses_a_query_parameter_the_operation_does_not_declare(world: World) -> None:
    client = _api(world)
    case = _seeded_case(world)

    refused = client.get(f"/api/v1/cases/{case}/assessments", {"kind": "x", "knid": "y"})
    unnamed = client.get(f"/api/v1/cases/{case}/no-contact?=null")
    declared = client.get(f"/api/v1/cases/{case}/no-contact", {"include_removed": "true"})

    assert refused.status_code == 422
    assert {error["field"] for error in refused.json()["errors"]} == {"kind", "knid"}
    assert unnamed.status_code == 422
    assert [error["field"] for error in unnamed.json()["errors"]] == [""]
    assert declared.status_code == 200


def test_it_still_asks_for_credentials_before_looking_at_the_query() -> None:
    response = Client().get("/api/v1/agreements/", {"nope": "1"})

    assert response.status_code == 401


def test_it_declares_every_object_of_the_document_closed() -> None:
    document: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1/")
    schemas = document["components"]["schemas"]

    for name in ("VisitScheduleIn", "CaseSearchIn", "ServiceIn", "ErrorOut"):
        assert schemas[name]["additionalProperties"] is False, name


def test_it_bounds_the_ids_a_query_filters_by(world: World) -> None:
    document: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1/")
    (party,) = [
        parameter
        for parameter in document["paths"]["/api/v1/agreements/"]["get"]["parameters"]
        if parameter["name"] == "party"
    ]
    (declared,) = [option for option in party["schema"]["anyOf"] if option["type"] == "integer"]

    too_large = _api(world).get("/api/v1/agreements/", {"party": str(2**63)})

    assert (declared["minimum"], declared["maximum"]) == (1, 2**63 - 1)
    assert too_large.status_code == 422
    assert [error["field"] for error in too_large.json()["errors"]] == ["party"]
    assert _api(world).get("/api/v1/agreements/", {"party": str(2**63 - 1)}).status_code == 200


def test_it_keeps_a_visit_series_within_the_dates_its_answer_declares(world: World) -> None:
    document: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1/")
    schemas = document["components"]["schemas"]
    answer = re.compile(schemas["VisitOut"]["properties"]["due_on"]["pattern"])
    request = re.compile(schemas["VisitScheduleIn"]["properties"]["first_on"]["pattern"])
    last_first = SERIES_START.latest()
    client = _api(world)
    case = _seeded_case(world)

    allowed = client.post(
        f"/api/v1/cases/{case}/visits",
        json.dumps({"first_on": last_first.isoformat(), "every_days": 365, "count": MAX_VISITS}),
        content_type="application/json",
    )
    beyond = client.post(
        f"/api/v1/cases/{case}/visits",
        json.dumps({"first_on": (last_first + timedelta(days=1)).isoformat()}),
        content_type="application/json",
    )

    assert (MAX_VISITS - 1) * 365 <= SERIES_SPAN_DAYS
    assert request.match(last_first.isoformat())
    assert not request.match((last_first + timedelta(days=1)).isoformat())
    assert allowed.status_code == 201, allowed.json()
    assert all(answer.match(visit["due_on"]) for visit in allowed.json())
    assert max(visit["due_on"] for visit in allowed.json()) <= EVENT_DATE.latest().isoformat()
    assert beyond.status_code == 422
    assert [error["field"] for error in beyond.json()["errors"]] == ["first_on"]
