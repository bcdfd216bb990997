"""Issue 9, "Input" and "Headers": one rule for every string, number, date and body, through
every door (HTML forms and the API alike), and no caching of anything personal.

The NUL tests matter most on PostgreSQL, which cannot store the character (500 before);
SQLite stored it silently. Run them on both.
"""

import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, MeasureSetting, PersonName, Proceeding
from opentrm.cases.services import NameData, case_register
from opentrm.core.input import MAX_JSON_DEPTH, json_too_deep
from opentrm.directory.models import Function, Responsibility
from opentrm.directory.services import responsibility_add

BIG = 2**63


def _token_client(world: World, role: Role = Role.CASEWORKER, org: str = "a") -> Client:
    _token, secret = api_token_create(actor=world.actor(role, org=org), name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _page_client(world: World, role: Role = Role.CASEWORKER) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def _post_json(client: Client, url: str, body: Any, method: str = "post") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json")


def _fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


@pytest.fixture
def case(world: World) -> Case:
    return case_register(actor=world.actor(Role.CASEWORKER), names=[NameData(value="Dora")])


# --- text: NUL and unpaired surrogates, everywhere ------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        '{"names": [{"value": "Do\\u0000ra"}]}',
        '{"names": [{"value": "Do\\ud800ra"}]}',
    ],
    ids=["nul", "unpaired-surrogate"],
)
def test_it_refuses_nul_and_unpaired_surrogates_in_api_text_naming_the_field(
    world: World, raw: str
) -> None:
    response = _post_json(_token_client(world), "/api/v1/cases/", raw)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert _fields(response) == ["names.0.value"]
    assert not Case.objects.exists()


def test_it_refuses_nul_in_any_api_string_even_in_free_json(world: World, case: Case) -> None:
    response = _post_json(
        _token_client(world, Role.PROSECUTOR),
        f"/api/v1/cases/{case.public_id}/proceedings",
        {"country_code": "AL", "kind": "criminal", "comments": "a\x00b"},
    )
    assert response.status_code == 422
    assert _fields(response) == ["comments"]
    assert not Proceeding.objects.exists()


def test_it_refuses_nul_in_an_api_query_parameter(world: World) -> None:
    response = _token_client(world).get("/api/v1/directory/organisations", {"q": "x\x00y"})
    assert response.status_code == 422
    assert _fields(response) == ["q"]


def test_it_refuses_nul_in_a_page_query_parameter(world: World) -> None:
    response = _page_client(world).get(reverse("directory:search"), {"q": "x\x00y"})
    assert response.status_code == 400


def test_it_refuses_nul_in_an_html_form_with_a_message(world: World) -> None:
    response = _page_client(world).post(
        reverse("cases:case_register"),
        {"public_id": str(uuid.uuid4()), "sex": "female", "age_band": "over_18", "name": "D\x00K"},
    )
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not Case.objects.exists()


# --- person names: no bidi controls, no zero-width characters --------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u200d", "\u2060", "\ufeff"])
def test_it_refuses_bidi_and_zero_width_characters_in_a_person_name_over_the_api(
    world: World, char: str
) -> None:
    response = _post_json(
        _token_client(world), "/api/v1/cases/", {"names": [{"value": f"Do{char}ra"}]}
    )
    assert response.status_code == 422
    assert _fields(response) == ["names.0.value"]
    assert "zero-width" in response.json()["errors"][0]["message"]


def test_it_refuses_bidi_characters_in_a_person_name_on_the_page(world: World) -> None:
    response = _page_client(world).post(
        reverse("cases:case_register"),
        {
            "public_id": str(uuid.uuid4()),
            "sex": "female",
            "age_band": "over_18",
            "name": "Ann\u202eA",
        },
    )
    assert response.status_code == 200
    assert 'id="id_name_error"' in response.content.decode()
    assert not PersonName.objects.exists()


def test_it_refuses_a_zero_width_character_in_a_no_contact_name(world: World, case: Case) -> None:
    response = _post_json(
        _token_client(world, Role.POLICE_INVESTIGATOR),
        f"/api/v1/cases/{case.public_id}/no-contact",
        {"name": "Vik\u200btor"},
    )
    assert response.status_code == 422
    assert _fields(response) == ["name"]


def test_it_keeps_accepting_names_in_any_script(world: World) -> None:
    response = _post_json(
        _token_client(world),
        "/api/v1/cases/",
        {"names": [{"value": "Željko Лазаревић محمد"}]},
    )
    assert response.status_code == 201


# --- integers within the database's range -------------------------------------------------------


def test_it_answers_a_page_beyond_any_offset_with_422_not_500(world: World) -> None:
    response = _token_client(world).get("/api/v1/cases/", {"page": str(2**62)})
    assert response.status_code == 422
    assert _fields(response) == ["page"]


def test_it_answers_an_organisation_page_beyond_any_offset_with_422(world: World) -> None:
    response = _token_client(world).get("/api/v1/directory/organisations", {"page": str(2**62)})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/directory/organisations/{BIG}",
        f"/api/v1/agreements/{BIG}",
        f"/api/v1/directory/organisations/{10**30}",
    ],
)
def test_it_answers_an_id_beyond_64_bits_in_the_path_with_404(world: World, url: str) -> None:
    response = _token_client(world).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/cases/%C2%B9/no-contact", 422),  # "¹": a digit to str.isdigit, not to int()
        ("/api/v1/directory/countries/A%00L/contact-list", 404),
    ],
)
def test_it_answers_a_path_value_no_object_can_have_with_an_error_not_500(
    world: World, url: str, status: int
) -> None:
    response = _token_client(world).get(url)
    assert response.status_code == status
    assert response.json()["code"] in {"not_found", "invalid"}


def test_it_answers_an_id_beyond_64_bits_in_a_page_address_with_404(world: World) -> None:
    url = reverse("directory:organisation_detail", args=[BIG])
    assert _page_client(world).get(url).status_code == 404


def test_it_refuses_an_id_beyond_64_bits_in_a_query_with_422(world: World) -> None:
    response = _token_client(world).get("/api/v1/agreements/", {"party": str(BIG)})
    assert response.status_code == 422
    assert _fields(response) == ["party"]


def test_it_refuses_an_id_beyond_64_bits_in_a_body_naming_the_field(
    world: World, case: Case
) -> None:
    response = _post_json(
        _token_client(world, Role.CASE_MANAGER),
        f"/api/v1/cases/{case.public_id}/participants",
        {"organisation_id": BIG},
    )
    assert response.status_code == 422
    assert _fields(response) == ["organisation_id"]


def test_it_refuses_ids_beyond_64_bits_in_a_list_of_ids(world: World) -> None:
    response = _post_json(
        _token_client(world, Role.CASE_MANAGER),
        "/api/v1/agreements/",
        {"title": "M", "type": "mou", "scope": "national", "designated_officer_ids": [BIG]},
    )
    assert response.status_code == 422
    assert "designated_officer_ids.0" in _fields(response)


def test_it_refuses_a_number_beyond_its_32_bit_column(world: World, case: Case) -> None:
    response = _post_json(
        _token_client(world, Role.PROSECUTOR),
        f"/api/v1/cases/{case.public_id}/proceedings",
        {"country_code": "AL", "kind": "criminal"},
    )
    proceeding_id = response.json()["id"]
    response = _post_json(
        _token_client(world, Role.PROSECUTOR),
        f"/api/v1/cases/{case.public_id}/proceedings/{proceeding_id}",
        {"version": 2**40, "testified": True},
        method="patch",
    )
    assert response.status_code == 422
    assert _fields(response) == ["version"]


# --- null in a PATCH ----------------------------------------------------------------------------


def test_it_reads_null_for_a_text_as_empty_and_refuses_it_for_a_flag(
    world: World, case: Case
) -> None:
    client = _token_client(world, Role.PROSECUTOR)
    base = f"/api/v1/cases/{case.public_id}/proceedings"
    proceeding_id = _post_json(
        client, base, {"country_code": "AL", "kind": "criminal", "comments": "kept"}
    ).json()["id"]

    response = _post_json(
        client, f"{base}/{proceeding_id}", {"version": 1, "comments": None}, method="patch"
    )
    assert response.status_code == 200
    assert Proceeding.objects.get().comments == ""

    response = _post_json(
        client,
        f"{base}/{proceeding_id}",
        {"version": 2, "support_during_trial": None},
        method="patch",
    )
    assert response.status_code == 422
    assert _fields(response) == ["support_during_trial"]

    # "not known" is a value the flags of the proceedings take
    response = _post_json(
        client, f"{base}/{proceeding_id}", {"version": 2, "testified": None}, method="patch"
    )
    assert response.status_code == 200


# --- dates within plausible bounds --------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_it_refuses_an_implausible_date_of_birth_over_the_api(world: World, day: str) -> None:
    response = _post_json(_token_client(world), "/api/v1/cases/", {"date_of_birth": day})
    assert response.status_code == 422
    assert _fields(response) == ["date_of_birth"]
    assert "1900-01-01" in response.json()["errors"][0]["message"]


def test_it_refuses_an_implausible_event_date_over_the_api(world: World, case: Case) -> None:
    response = _post_json(
        _token_client(world, Role.CASE_MANAGER),
        f"/api/v1/cases/{case.public_id}/consents",
        {
            "purpose": "assistance_plan",
            "decision": "given",
            "explained_in": "sq",
            "information_given": "The plan and who sees it.",
            "decided_on": timezone.localdate().isoformat(),
            "expires_on": "9999-12-31",
        },
    )
    assert response.status_code == 422
    assert _fields(response) == ["expires_on"]


def test_it_refuses_an_implausible_date_of_birth_on_the_page(world: World) -> None:
    response = _page_client(world).post(
        reverse("cases:case_register"),
        {
            "public_id": str(uuid.uuid4()),
            "sex": "female",
            "age_band": "over_18",
            "date_of_birth": "1850-05-05",
        },
    )
    assert response.status_code == 200
    assert 'id="id_date_of_birth_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_it_accepts_plausible_dates(world: World) -> None:
    born = date(1950, 1, 1).isoformat()
    response = _post_json(_token_client(world), "/api/v1/cases/", {"date_of_birth": born})
    assert response.status_code == 201


# --- bodies: size and nesting -------------------------------------------------------------------


def test_it_answers_a_json_body_over_the_limit_with_413(world: World) -> None:
    body = json.dumps({"names": [{"value": "x" * 100}] * 110_000})  # about 11 MiB
    response = _post_json(_token_client(world), "/api/v1/cases/", body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_it_answers_a_form_over_the_limit_with_a_413_page(
    world: World, settings: SettingsWrapper
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _page_client(world).post(
        reverse("cases:case_register"),
        {"public_id": str(uuid.uuid4()), "name": "x" * 2000},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 3000])
def test_it_refuses_json_nested_too_deeply_before_parsing(world: World, depth: int) -> None:
    body = '{"names": ' + "[" * depth + "]" * depth + "}"
    response = _post_json(_token_client(world), "/api/v1/cases/", body)
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


def test_it_measures_depth_outside_strings_only() -> None:
    assert not json_too_deep(b'{"a": "' + b"[" * 100 + b'"}')
    assert not json_too_deep(b'{"a": "\\"' + b"[" * 100 + b'"}')
    assert json_too_deep(b"[" * 33)
    assert not json_too_deep(b"[" * 32 + b"]" * 32)


# --- request id: ours, never the client's -------------------------------------------------------


def test_it_never_puts_a_client_request_id_in_the_audit_trail(world: World) -> None:
    planted = "planted-request-id-1234"
    client = _token_client(world)
    response = client.post(
        "/api/v1/cases/",
        json.dumps({"names": [{"value": "Dora"}]}),
        content_type="application/json",
        HTTP_X_REQUEST_ID=planted,
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] != planted
    assert not AuditEvent.objects.filter(request_id=planted).exists()
    assert AuditEvent.objects.filter(request_id=response["X-Request-ID"]).exists()


# --- an empty POST changes nothing --------------------------------------------------------------


def test_an_empty_post_does_not_switch_a_measure_off(world: World) -> None:
    client = _page_client(world, Role.NATIONAL_COORDINATOR)
    url = reverse("cases:measure_setting_edit", args=["sop1.initial_referral"])
    response = client.post(url, {"label": ""})
    assert response.status_code == 200
    assert 'id="id_is_enabled_error"' in response.content.decode()
    assert not MeasureSetting.objects.filter(is_enabled=False).exists()
    response = client.post(url, {"is_enabled": "off"})
    assert response.status_code == 302
    assert MeasureSetting.objects.get(code="sop1.initial_referral").is_enabled is False


def test_an_empty_post_does_not_remove_a_responsibility(world: World) -> None:
    responsibility = responsibility_add(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        country=world.country_a,
        function=Function.IDENTIFICATION,
        organisation=world.agency_a,
    )
    client = _page_client(world, Role.DIRECTORY_EDITOR)
    url = reverse("directory:responsibility_remove", args=[responsibility.pk])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"csrfmiddlewaretoken": "x"}).status_code == 400
    assert Responsibility.objects.filter(pk=responsibility.pk).exists()
    assert client.post(url, {"confirm": "remove"}).status_code == 302
    assert not Responsibility.objects.filter(pk=responsibility.pk).exists()


# --- no caching of personal data ----------------------------------------------------------------


def test_it_forbids_caching_of_case_pages_and_case_json(world: World, case: Case) -> None:
    page = _page_client(world).get(reverse("cases:case_detail", args=[case.public_id]))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]
    api = _token_client(world).get(f"/api/v1/cases/{case.public_id}")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]
    listing = _token_client(world).get("/api/v1/cases/")
    assert "no-store" in listing["Cache-Control"]


def test_it_keeps_the_caching_of_the_public_node_document(world: World) -> None:
    response = Client().get("/.well-known/opentrm-node.json")
    assert "no-store" not in response.get("Cache-Control", "")


# --- the OpenAPI document declares the limits ---------------------------------------------------


def test_the_openapi_document_declares_the_limits(world: World) -> None:
    document = _token_client(world).get("/api/v1/openapi.json").json()
    name = document["components"]["schemas"]["NameIn"]["properties"]["value"]
    assert name["maxLength"] == 200
    parameters = document["paths"]["/api/v1/cases/"]["get"]["parameters"]
    page = next(p for p in parameters if p["name"] == "page")
    assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 1_000_000)
    schemas = document["components"]["schemas"]
    recipient = schemas["ConsentIn"]["properties"]["recipient_organisation_id"]["anyOf"][0]
    assert (recipient["minimum"], recipient["maximum"]) == (-(2**63), 2**63 - 1)
    days = schemas["RiskPlanIn"]["properties"]["review_every_days"]
    assert (days["minimum"], days["maximum"]) == (-(2**31), 2**31 - 1)
    assert schemas["CaseIn"]["properties"]["date_of_birth"]["anyOf"][0]["format"] == "date"
    # The server folds a language code's case: both cases are listed.
    languages = schemas["CaseIn"]["properties"]["languages"]["items"]["enum"]
    assert {"sq", "SQ", "rom", "ROM"} <= set(languages)
    # A date-time is bounded by its date as well (the fuzzing sent hearings in year 1).
    scheduled = schemas["HearingIn"]["properties"]["scheduled_at"]
    assert scheduled["format"] == "date-time"
    assert re.match(scheduled["pattern"], f"{timezone.localdate().isoformat()}T10:00:00Z")
    assert not re.match(scheduled["pattern"], "0001-01-01T10:00:00Z")


def test_the_openapi_document_bounds_integers_in_unnamed_properties_at_any_depth(
    world: World,
) -> None:
    """The middleware refuses an integer beyond 64 bits anywhere in a body; a bound nested a
    few levels deep let the fuzzing send one deeper (issue 9, fuzzing in CI). A schema's own
    object is closed (no key it does not declare); a free-form object field is bounded."""
    document = _token_client(world).get("/api/v1/openapi.json").json()
    ref = {"$ref": "#/components/schemas/BoundedJson"}
    schemas = document["components"]["schemas"]
    assert schemas["CaseIn"]["additionalProperties"] is False
    assert schemas["TemplateIn"]["properties"]["values"]["additionalProperties"] == ref
    bounded = schemas["BoundedJson"]
    assert (bounded["minimum"], bounded["maximum"]) == (-(2**63), 2**63 - 1)
    assert bounded["items"] == bounded["additionalProperties"] == ref
    assert "x-opentrm-bounded-json" not in json.dumps(document)


def test_the_openapi_document_declares_what_the_input_layer_answers_before_authentication(
    world: World,
) -> None:
    """400 / 413 / 422 come from the input middleware, before the token is read: to anonymous
    callers too, so every operation declares them (422 for a query, all three for a body)."""
    document = _token_client(world).get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = method in {"post", "put", "patch", "delete"}
            expected = {"400", "413", "422"} if body else {"422"}
            assert expected <= set(operation["responses"]), (method, path)
    anonymous = _post_json(Client(), "/api/v1/cases/", '{"names": ' + "[" * 3000 + "]" * 3000 + "}")
    assert anonymous.status_code == 400


def test_no_two_api_schemas_of_different_shapes_share_a_name() -> None:
    """The document names a component by its class name: two ``ReasonIn`` (referral decline,
    request decline) made one of them documented with the other's rules (the fuzzing found a
    declared-valid empty reason refused)."""
    from pydantic import BaseModel

    from opentrm.config.api import api

    api.get_openapi_schema(path_prefix="/api/v1/")  # every API schema is imported by now
    shapes: dict[str, dict[str, str]] = {}

    def walk(cls: type[BaseModel]) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("opentrm.") and sub.__name__.endswith(("In", "Out")):
                shape = json.dumps(sub.model_json_schema(), sort_keys=True)
                shapes.setdefault(sub.__name__, {})[shape] = sub.__module__
            walk(sub)

    walk(BaseModel)
    clashes = {name: sorted(found.values()) for name, found in shapes.items() if len(found) > 1}
    assert clashes == {}


@pytest.mark.parametrize("name", ["q", "city"])
def test_it_refuses_a_search_longer_than_declared_with_422_not_500(world: World, name: str) -> None:
    response = _token_client(world).get("/api/v1/directory/organisations", {name: "A" * 2**20})
    assert response.status_code == 422
