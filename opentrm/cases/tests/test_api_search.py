"""The case search of the API (POST /api/v1/cases/search): the case list's search, posted."""

import json
from typing import Any

from django.test import Client

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases import services
from opentrm.cases.models import Case, NameKind
from opentrm.cases.services import NameData

URL = "/api/v1/cases/search"


def _case(world: World, *names: str, org: str = "a") -> Case:
    return services.case_register(
        actor=world.actor(Role.CASE_MANAGER, org=org),
        names=[NameData(value=names[0])]
        + [NameData(value=alias, kind=NameKind.ALIAS) for alias in names[1:]],
    )


def _search(client: Client, **body: object) -> tuple[int, Any]:
    response = client.post(URL, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def _found(body: Any) -> set[str]:
    return {item["public_id"] for item in body["items"]}


def test_it_finds_a_name_in_latin_or_cyrillic_and_audits_without_the_name(world: World) -> None:
    wanted = _case(world, "Ana Jovanović", "Maca")
    other = _case(world, "Mira Petrović")
    elsewhere = _case(world, "Ana Jovanović", org="b")
    client = api(world, Role.CASEWORKER)
    for typed in ("jovanovic", "Јовановић", "ana jovan", "МАЦА"):
        status, body = _search(client, name=typed)
        assert status == 200, body
        assert _found(body) == {str(wanted.public_id)}, typed
        assert body["count"] == 1
    assert str(other.public_id) not in _found(_search(client, name="ana")[1])
    assert str(elsewhere.public_id) not in _found(_search(client, name="ana")[1])
    event = AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).latest("sequence")
    assert event.detail["search"] == {"name": True}
    assert event.detail["case_ids"] == [wanted.pk]
    assert "jovan" not in json.dumps(event.detail).lower()
    assert event.detail["via"] == "api"


def test_it_filters_by_number_and_sorts(world: World) -> None:
    first, second, third = (_case(world, name) for name in ("Ana A", "Ana B", "Ana C"))
    client = api(world, Role.CASEWORKER)
    status, body = _search(client, number=second.number)
    assert status == 200, body
    assert _found(body) == {str(second.public_id)}
    _status, body = _search(client, sort="-number")
    numbers = [item["number"] for item in body["items"]]
    assert numbers == sorted((first.number, second.number, third.number), reverse=True)
    event = AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).latest("sequence")
    assert event.detail["search"] == {"sort": "-number"}


def test_it_names_the_field_of_a_bad_filter(world: World) -> None:
    _case(world, "Ana A")
    client = api(world, Role.CASEWORKER)
    status, body = _search(client, status="no-such-status")
    assert status == 422
    assert "status" in json.dumps(body)
    assert not AuditEvent.objects.filter(event_type=EventType.CASE_LISTED).exists()


def test_past_the_count_cap_the_count_says_it_is_a_lower_bound(
    world: World, monkeypatch: Any
) -> None:
    from opentrm.core import pagination

    for index in range(3):
        _case(world, f"Ana Jovanović {index}")
    client = api(world, Role.CASEWORKER)
    status, body = _search(client, name="jovanovic")
    assert status == 200, body
    assert (body["count"], body["count_capped"]) == (3, False)
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    status, body = _search(client, name="jovanovic")
    assert (body["count"], body["count_capped"], len(body["items"])) == (2, True, 3)
    listing = client.get("/api/v1/cases/").json()  # the list is not counted past its page
    assert (listing["count"], listing["count_capped"]) == (3, False)
