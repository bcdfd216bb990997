"""The API answers only what its OpenAPI document declares (issue 9, found by tests/fuzz)."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.config.api import api


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
