"""The directory API (/api/v1/directory/): reads for members, writes for the country's editors."""

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    ContactPoint,
    Function,
    Language,
    Organisation,
    OrganisationType,
    Responsibility,
)

API = "/api/v1/directory"


def bearer(world: World, role: Role, *, org: str = "a") -> dict[str, str]:
    _token, secret = api_token_create(actor=world.actor(role, org=org), name="test")
    return {"Authorization": f"Bearer {secret}"}


def send(
    client: Client, method: str, url: str, body: dict[str, Any], *, headers: dict[str, str]
) -> Any:
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", headers=headers
    )


def error_fields(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def add_contact_point(organisation: Organisation, position: str, **values: Any) -> ContactPoint:
    contact_point = ContactPoint.objects.create(
        organisation=organisation, position=position, **values
    )
    ContactChannel.objects.create(
        contact_point=contact_point, kind=ChannelKind.PHONE, value="+355 4 000 0001"
    )
    ContactChannel.objects.create(
        contact_point=contact_point, kind=ChannelKind.EMAIL, value="desk@example.test"
    )
    language, _created = Language.objects.get_or_create(code="sq")
    contact_point.languages.add(language)
    return contact_point


# --- reading -----------------------------------------------------------------------------------


def _add_contact_point(client: Client, world: World, body: dict[str, Any]) -> Any:
    """Agency A's new contact point, sent by the directory editor."""
    return send(
        client,
        "post",
        f"{API}/organisations/{world.agency_a.pk}/contact-points",
        body,
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )


def test_it_lists_countries_with_their_organisation_counts(world: World, client: Client) -> None:
    response = client.get(f"{API}/countries", headers=bearer(world, Role.CASEWORKER))

    assert response.status_code == 200
    counts = {row["code"]: row["organisation_count"] for row in response.json()}
    assert counts == {"AL": 2, "RO": 1}
    assert response.json()[0]["name"] == "Albania"


def test_it_returns_a_country_contact_list_by_function(world: World, client: Client) -> None:
    named = add_contact_point(world.agency_a, "Identification desk")
    add_contact_point(world.agency_c, "NGO helpline")
    Responsibility.objects.create(
        country=world.country_a,
        function=Function.IDENTIFICATION,
        organisation=world.agency_a,
        contact_point=named,
        note="Recovery and reflection",
    )
    Responsibility.objects.create(
        country=world.country_a, function=Function.FIRST_ASSISTANCE, organisation=world.agency_c
    )

    response = client.get(
        f"{API}/countries/al/contact-list", headers=bearer(world, Role.GUARDIAN, org="b")
    )

    assert response.status_code == 200
    rows = {row["function"]: row for row in response.json()}
    # every procedure has a row, so a gap shows; national functions only when someone is listed
    assert list(rows) == ["sop1", "sop2", "sop3", "sop4", "sop5"]
    identification = rows["sop1"]["entries"][0]
    assert identification["organisation"]["name"] == "Agency A Centre for Social Work"
    assert identification["note"] == "Recovery and reflection"
    assert [c["position"] for c in identification["contact_points"]] == ["Identification desk"]
    assert {ch["kind"] for ch in identification["contact_points"][0]["channels"]} == {
        "phone",
        "email",
    }
    # no named contact: the body's active contact points stand in
    assistance = rows["sop2"]["entries"][0]
    assert [c["position"] for c in assistance["contact_points"]] == ["NGO helpline"]
    assert rows["sop3"]["entries"] == []


def test_it_filters_the_contact_list_by_function_and_names_a_bad_one(
    world: World, client: Client
) -> None:
    headers = bearer(world, Role.CASEWORKER)
    Responsibility.objects.create(
        country=world.country_a, function=Function.NATIONAL_FOCAL_POINT, organisation=world.agency_a
    )

    response = client.get(
        f"{API}/countries/AL/contact-list?function=national_focal_point", headers=headers
    )
    assert [row["function"] for row in response.json()] == ["national_focal_point"]

    bad = client.get(f"{API}/countries/AL/contact-list?function=sop9", headers=headers)
    assert bad.status_code == 422
    assert "function" in error_fields(bad)


def test_it_answers_404_for_a_country_not_in_the_directory(world: World, client: Client) -> None:
    response = client.get(
        f"{API}/countries/FR/contact-list", headers=bearer(world, Role.CASEWORKER)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_searches_organisations_by_each_filter(world: World, client: Client) -> None:
    police = Organisation.objects.create(
        country=world.country_a,
        name="Fictiva Border Directorate",
        type=OrganisationType.BORDER_POLICE,
        city="Portovik",
    )
    add_contact_point(police, "Duty officer")  # speaks sq
    Responsibility.objects.create(
        country=world.country_a, function=Function.IDENTIFICATION, organisation=police
    )
    headers = bearer(world, Role.CASEWORKER)

    def names(query: str) -> list[str]:
        response = client.get(f"{API}/organisations?{query}", headers=headers)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["items"]]

    assert names("q=border") == ["Fictiva Border Directorate"]
    assert names("country=ro") == ["Agency B Partner Shelter"]
    assert names("type=ngo") == ["Agency C Outsider NGO"]
    assert names("city=portovik") == ["Fictiva Border Directorate"]
    assert names("language=sq") == ["Fictiva Border Directorate"]
    assert names("function=sop1") == ["Fictiva Border Directorate"]
    assert names("country=AL&city=Fictiva") == [
        "Agency A Centre for Social Work",
        "Agency C Outsider NGO",
    ]


def test_it_pages_the_organisation_list(world: World, client: Client) -> None:
    for number in range(7):
        Organisation.objects.create(
            country=world.country_a, name=f"Paged body {number}", type=OrganisationType.NGO
        )
    headers = bearer(world, Role.CASEWORKER)

    first = client.get(f"{API}/organisations?q=paged&page_size=5", headers=headers).json()
    second = client.get(f"{API}/organisations?q=paged&page_size=5&page=2", headers=headers).json()

    assert first["count"] == 7
    assert len(first["items"]) == 5
    assert [item["name"] for item in second["items"]] == ["Paged body 5", "Paged body 6"]


def test_it_lists_organisations_in_a_fixed_number_of_queries(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(40):
        unit = Organisation.objects.create(
            country=world.country_a,
            name=f"Unit {number:02}",
            type=OrganisationType.POLICE,
            parent=world.agency_a,
        )
        add_contact_point(unit, "Desk")
    headers = bearer(world, Role.CASEWORKER)

    # the wrong-token throttle, token lookup, last-used stamp, count, page
    with django_assert_max_num_queries(5):
        response = client.get(f"{API}/organisations?page_size=100", headers=headers)

    assert response.status_code == 200
    assert len(response.json()["items"]) == 43
    assert response.json()["items"][-1]["parent"]["name"] == "Agency A Centre for Social Work"


def test_it_shows_an_organisation_with_contact_points_and_channels(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(10):
        add_contact_point(world.agency_a, f"Desk {number}", person_name=f"Officer {number}")
    add_contact_point(world.agency_a, "Closed desk", is_active=False)
    Responsibility.objects.create(
        country=world.country_a, function=Function.RETURN, organisation=world.agency_a
    )
    headers = bearer(world, Role.POLICE_INVESTIGATOR, org="b")

    # (the first of them: the wrong-token throttle, accounts/throttle.py)
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/organisations/{world.agency_a.pk}", headers=headers)

    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "AL"
    assert body["type"] == "social_services"
    positions = [c["position"] for c in body["contact_points"]]
    assert "Closed desk" not in positions  # inactive: only the country's editors see it
    assert len(positions) == 10
    first = body["contact_points"][0]
    assert [ch["kind"] for ch in first["channels"]] == ["phone", "email"]
    assert first["languages"] == [{"code": "sq", "name": "Albanian"}]
    assert body["responsibilities"][0]["function"] == "sop4"


def test_it_shows_inactive_contact_points_to_the_countrys_editor(
    world: World, client: Client
) -> None:
    add_contact_point(world.agency_a, "Closed desk", is_active=False)

    response = client.get(
        f"{API}/organisations/{world.agency_a.pk}", headers=bearer(world, Role.DIRECTORY_EDITOR)
    )

    assert [c["position"] for c in response.json()["contact_points"]] == ["Closed desk"]


def test_it_answers_404_alike_for_missing_and_hidden_organisations(
    world: World, client: Client
) -> None:
    hidden = Organisation.objects.create(
        country=world.country_b,
        name="Closed shelter",
        type=OrganisationType.SHELTER,
        is_active=False,
    )
    headers = bearer(world, Role.DIRECTORY_EDITOR)  # an editor, but of country A

    missing = client.get(f"{API}/organisations/999999", headers=headers)
    not_visible = client.get(f"{API}/organisations/{hidden.pk}", headers=headers)

    assert missing.status_code == not_visible.status_code == 404
    assert missing.json() == not_visible.json()
    assert missing.json()["code"] == "not_found"


def test_it_shows_a_contact_point(world: World, client: Client) -> None:
    contact_point = add_contact_point(world.agency_b, "Night desk")

    response = client.get(
        f"{API}/contact-points/{contact_point.pk}", headers=bearer(world, Role.CASEWORKER)
    )

    assert response.status_code == 200
    assert response.json()["position"] == "Night desk"
    assert response.json()["organisation_id"] == world.agency_b.pk


# --- who may call ------------------------------------------------------------------------------


def test_it_answers_401_json_to_anonymous_callers(world: World, client: Client) -> None:
    reads = client.get(f"{API}/organisations")
    writes = send(client, "post", f"{API}/organisations/{world.agency_a.pk}/verify", {}, headers={})

    for response in (reads, writes):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response.json()["message"]


def test_it_serves_a_logged_in_browser_session(world: World, login: Any) -> None:
    client = login(world.user(Role.INTERPRETER))

    response = client.get(f"{API}/countries")

    assert response.status_code == 200


def test_it_refuses_a_user_acting_for_no_organisation(world: World, login: Any) -> None:
    user = world.user(Role.CASEWORKER)
    Membership.objects.create(user=user, organisation=world.agency_b, role=Role.GUARDIAN)
    client = login(user)  # two memberships and none chosen in the session

    response = client.get(f"{API}/countries")

    assert response.status_code == 403
    assert response.json()["code"] == "no_organisation"


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.NATIONAL_COORDINATOR, Role.SYSTEM_ADMINISTRATOR]
)
def test_it_refuses_writes_to_members_who_are_not_editors(
    world: World, client: Client, role: Role
) -> None:
    response = send(
        client,
        "patch",
        f"{API}/organisations/{world.agency_a.pk}",
        {"version": 1, "city": "Elsewhere"},
        headers=bearer(world, role),
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    world.agency_a.refresh_from_db()
    assert world.agency_a.city == "Fictiva"
    assert AuditEvent.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 1


def test_it_refuses_the_role_check_before_reading_the_body(world: World, client: Client) -> None:
    response = client.post(
        f"{API}/organisations",
        "not json",
        content_type="application/json",
        headers=bearer(world, Role.GUARDIAN),
    )

    assert response.status_code == 403


def test_it_refuses_writes_by_an_editor_of_another_country(world: World, client: Client) -> None:
    headers = bearer(world, Role.DIRECTORY_EDITOR, org="b")

    patch = send(
        client,
        "patch",
        f"{API}/organisations/{world.agency_a.pk}",
        {"version": 1, "city": "X"},
        headers=headers,
    )
    create = send(
        client,
        "post",
        f"{API}/organisations",
        {"country": "AL", "name": "Foreign body", "type": "ngo"},
        headers=headers,
    )
    verify = client.post(f"{API}/organisations/{world.agency_a.pk}/verify", headers=headers)

    assert [patch.status_code, create.status_code, verify.status_code] == [403, 403, 403]
    assert not Organisation.objects.filter(name="Foreign body").exists()


def test_it_refuses_a_session_write_without_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user(Role.DIRECTORY_EDITOR))
    url = f"{API}/organisations/{world.agency_a.pk}/verify"

    refused = client.post(url)

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    world.agency_a.refresh_from_db()
    assert world.agency_a.last_verified_at is None

    client.get(reverse("api-1:openapi-view"))  # any page with a form sets the CSRF cookie
    accepted = client.post(url, headers={"X-CSRFToken": client.cookies["csrftoken"].value})

    assert accepted.status_code == 200
    assert accepted.json()["last_verified_at"] == timezone.localdate().isoformat()


def test_it_needs_no_csrf_token_with_an_api_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"{API}/organisations/{world.agency_a.pk}/verify",
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 200


# --- writing -----------------------------------------------------------------------------------


def test_it_lets_an_editor_create_an_organisation(world: World, client: Client) -> None:
    body = {
        "country": "al",
        "name": "Fictiva Labour Inspectorate",
        "type": "labour_inspectorate",
        "parent": world.agency_a.pk,
        "city": "Portovik",
        "website": "https://inspectorate.example.test",
    }

    response = send(
        client, "post", f"{API}/organisations", body, headers=bearer(world, Role.DIRECTORY_EDITOR)
    )

    assert response.status_code == 201, response.content
    created = Organisation.objects.get(pk=response.json()["id"])
    assert (created.country, created.parent, created.type) == (
        world.country_a,
        world.agency_a,
        "labour_inspectorate",
    )
    assert response.json()["version"] == 1
    assert AuditEvent.objects.filter(
        event_type=EventType.ORGANISATION_CREATED, target_id=str(created.pk)
    ).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "ZZ"}, "country"),  # not an ISO 3166 code
        ({"country": "FR"}, "country"),  # a real country, but not in the directory
        ({"type": "spaceship"}, "type"),
        ({"name": ""}, "name"),
        ({"website": "not a web address"}, "website"),
        ({"parent": 999999}, "parent"),
        ({"colour": "blue"}, "colour"),  # unknown fields are refused, not ignored
    ],
)
def test_it_names_the_field_of_an_invalid_organisation(
    world: World, client: Client, change: dict[str, Any], field: str
) -> None:
    body = {
        "country": "AL",
        "name": "Fictiva Inspectorate",
        "type": "labour_inspectorate",
        **change,
    }

    response = send(
        client, "post", f"{API}/organisations", body, headers=bearer(world, Role.DIRECTORY_EDITOR)
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert field in error_fields(response)
    assert error_fields(response)[field]
    assert not Organisation.objects.filter(name="Fictiva Inspectorate").exists()


def test_it_refuses_a_duplicate_organisation_naming_the_field(world: World, client: Client) -> None:
    body = {"country": "AL", "name": "agency a centre for social work", "type": "social_services"}

    response = send(
        client, "post", f"{API}/organisations", body, headers=bearer(world, Role.DIRECTORY_EDITOR)
    )

    assert response.status_code == 422
    assert "name" in error_fields(response)


def test_it_changes_only_the_fields_sent(world: World, client: Client) -> None:
    world.agency_a.acronym = "AACSW"
    world.agency_a.save()
    url = f"{API}/organisations/{world.agency_a.pk}"

    response = send(
        client,
        "patch",
        url,
        {"version": 1, "city": "Portovik"},
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    world.agency_a.refresh_from_db()
    assert (world.agency_a.city, world.agency_a.acronym) == ("Portovik", "AACSW")
    event = AuditEvent.objects.get(event_type=EventType.ORGANISATION_CHANGED)
    assert event.changed_fields == ["city"]


def test_it_refuses_a_stale_version_with_409(world: World, client: Client) -> None:
    headers = bearer(world, Role.DIRECTORY_EDITOR)
    url = f"{API}/organisations/{world.agency_a.pk}"
    send(client, "patch", url, {"version": 1, "city": "First"}, headers=headers)

    response = send(client, "patch", url, {"version": 1, "city": "Second"}, headers=headers)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "changed" in response.json()["message"]
    world.agency_a.refresh_from_db()
    assert world.agency_a.city == "First"


def test_it_requires_the_version_to_change_an_organisation(world: World, client: Client) -> None:
    response = send(
        client,
        "patch",
        f"{API}/organisations/{world.agency_a.pk}",
        {"city": "Nowhere"},
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 422
    assert "version" in error_fields(response)


def test_it_refuses_moving_an_organisation_to_another_country(world: World, client: Client) -> None:
    response = send(
        client,
        "patch",
        f"{API}/organisations/{world.agency_a.pk}",
        {"version": 1, "country": "RO"},
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 422
    assert "country" in error_fields(response)


def test_it_verifies_an_organisation(world: World, client: Client) -> None:
    response = client.post(
        f"{API}/organisations/{world.agency_a.pk}/verify",
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 200
    assert response.json()["needs_review"] is False
    world.agency_a.refresh_from_db()
    assert world.agency_a.last_verified_by == world.user(Role.DIRECTORY_EDITOR)


def test_it_adds_a_contact_point_with_channels_and_languages(world: World, client: Client) -> None:
    body = {
        "position": "Anti-trafficking desk",
        "channels": [
            {"kind": "email", "value": "desk@example.test"},
            {"kind": "hotline", "value": "+355 800 0000", "hours": "24/7", "available_24_7": True},
        ],
        "languages": ["SQ", "en", "rom"],
    }

    response = _add_contact_point(client, world, body)

    assert response.status_code == 201, response.content
    contact_point = ContactPoint.objects.get(pk=response.json()["id"])
    assert [c.kind for c in contact_point.channels.all()] == ["email", "hotline"]
    assert sorted(lang.code for lang in contact_point.languages.all()) == ["en", "rom", "sq"]
    assert response.json()["channels"][1]["available_24_7"] is True


def test_it_names_a_bad_e_mail_channel_and_adds_nothing(world: World, client: Client) -> None:
    body = {
        "position": "Desk",
        "channels": [
            {"kind": "phone", "value": "+355 4 000 0001"},
            {"kind": "email", "value": "desk-at-example"},
        ],
        "languages": ["sq", "xx"],
    }

    response = _add_contact_point(client, world, body)

    assert response.status_code == 422
    fields = error_fields(response)
    assert "desk-at-example" in fields["channels.1.value"]
    assert "languages.1" in fields
    assert "channels.0.value" not in fields
    assert not ContactPoint.objects.exists()


def test_it_names_an_unknown_channel_kind(world: World, client: Client) -> None:
    body = {"position": "Desk", "channels": [{"kind": "pigeon", "value": "loft 3"}]}

    response = _add_contact_point(client, world, body)

    assert response.status_code == 422
    assert "channels.0.kind" in error_fields(response)


def test_it_replaces_channels_only_when_sent(world: World, client: Client) -> None:
    contact_point = add_contact_point(world.agency_a, "Desk")
    headers = bearer(world, Role.DIRECTORY_EDITOR)
    url = f"{API}/contact-points/{contact_point.pk}"

    renamed = send(client, "patch", url, {"version": 1, "unit": "Night shift"}, headers=headers)
    assert renamed.status_code == 200, renamed.content
    assert len(renamed.json()["channels"]) == 2

    replaced = send(
        client,
        "patch",
        url,
        {"version": 2, "channels": [{"kind": "mobile", "value": "+355 69 000 0000"}]},
        headers=headers,
    )
    assert replaced.status_code == 200, replaced.content
    assert [ch["kind"] for ch in replaced.json()["channels"]] == ["mobile"]
    assert replaced.json()["languages"] == [{"code": "sq", "name": "Albanian"}]
    assert replaced.json()["version"] == 3

    stale = send(client, "patch", url, {"version": 2, "languages": []}, headers=headers)
    assert stale.status_code == 409


def test_it_verifies_a_contact_point(world: World, client: Client) -> None:
    contact_point = add_contact_point(world.agency_a, "Desk")

    response = client.post(
        f"{API}/contact-points/{contact_point.pk}/verify",
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 200
    assert response.json()["last_verified_at"] == timezone.localdate().isoformat()


# --- documentation -----------------------------------------------------------------------------


def test_it_publishes_an_openapi_3_document_to_members(world: World, client: Client) -> None:
    anonymous = client.get("/api/v1/openapi.json")
    with_token = client.get("/api/v1/openapi.json", headers=bearer(world, Role.STATISTICIAN))

    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    assert with_token.status_code == 200
    document = with_token.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/directory/organisations/{organisation_id}" in document["paths"]
    assert document["paths"]["/api/v1/directory/organisations"]["post"]["responses"]["409"]


def test_it_sends_anonymous_visitors_of_the_docs_to_the_login_page(
    client: Client, db: None
) -> None:
    response = client.get("/api/v1/docs")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_serves_the_docs_page_from_local_assets_without_inline_script(
    world: World, login: Any
) -> None:
    client = login(world.user(Role.CASEWORKER))

    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    # The only <script> with content is a JSON data block, which the browser does not run.
    inline = re.findall(r"<script\b([^>]*)>(?!\s*</script>)", html)
    assert inline == [' type="application/json" id="swagger-settings"']
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_it_answers_500_as_json_without_details(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentrm.directory import selectors

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("secret detail from the database")

    monkeypatch.setattr(selectors, "country_list", broken)

    response = client.get(f"{API}/countries", headers=bearer(world, Role.CASEWORKER))

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"secret detail" not in response.content


def test_it_counts_an_expired_review_as_needing_review(world: World, client: Client) -> None:
    world.agency_a.last_verified_at = timezone.localdate() - timedelta(days=400)
    world.agency_a.save()

    response = client.get(
        f"{API}/organisations/{world.agency_a.pk}", headers=bearer(world, Role.CASEWORKER)
    )

    assert response.json()["needs_review"] is True


def test_it_refuses_an_organisation_with_every_mistake_at_once(
    world: World, client: Client
) -> None:
    """Issue 12 §5: the same rules as the form, all in one 422."""
    response = send(
        client,
        "post",
        f"{API}/organisations",
        {
            "country": "AL",
            "name": "Agency C Outsider NGO",
            "type": "ngo",
            "parent": world.agency_b.pk,
            "website": "http://",
        },
        headers=bearer(world, Role.DIRECTORY_EDITOR),
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("name", "An organisation with this name already exists in this country."),
        ("parent", "The parent body must be in the same country."),
        ("website", "Enter a valid URL."),
    }
    assert Organisation.objects.filter(country=world.country_a).count() == 2
