"""The check "is this person already registered?" as JSON: the page's rules, in the API's
shape (issue 16 §1, §5)."""

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import actor_api, api
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import new_case

URL = "/api/v1/matching/check"


def _check(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def _case(world: World) -> Case:
    return new_case(
        world,
        "Марија Стојановић",
        role=Role.CASE_MANAGER,
        interpreter=False,
        date_of_birth=date(1993, 5, 6),
        citizenships=["RS"],
        sex="female",
    )


def test_a_case_manager_finds_the_record_across_scripts_with_the_reasons(world: World) -> None:
    case = _case(world)
    response = _check(
        api(world, Role.CASE_MANAGER),
        {"names": ["Stojanovic Marija"], "birth_year": 1993, "citizenships": ["RS"]},
    )
    assert response.status_code == 200, response.content
    [found] = response.json()
    assert found["case_id"] == str(case.public_id)
    assert found["case_number"] == case.number
    assert found["names"] == ["Марија Стојановић"]
    assert any("1993" in sentence for sentence in found["explanation"])
    assert found["holders"] == []
    event = AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).latest("pk")
    assert event.detail["shown_case_ids"] == [case.pk]
    assert "Stojanovic" not in json.dumps(event.detail)


def test_an_outsider_learns_only_the_holder(world: World) -> None:
    from conftest import make_member

    member = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    case = _case(world)
    response = _check(
        actor_api(Actor(user=member.user, membership=member)),
        {"names": ["Marija Stojanović"], "date_of_birth": "1993-05-06", "sex": "female"},
    )
    assert response.status_code == 200, response.content
    [found] = response.json()
    assert found["case_id"] is None
    assert found["case_number"] is None
    assert found["names"] == []
    assert found["explanation"] == []
    assert found["holders"] == [{"organisation_id": world.agency_a.pk, "name": world.agency_a.name}]
    text = response.content.decode()
    assert "Марија" not in text
    assert case.number not in text
    # the holder's side: the question is in the case's own trail
    assert AuditEvent.objects.filter(
        event_type=EventType.MATCH_REPORTED, target_id=str(case.pk)
    ).exists()


@pytest.mark.parametrize("role", [Role.INTERPRETER, Role.STATISTICIAN])
def test_roles_that_register_no_cases_are_refused(world: World, role: Role) -> None:
    _case(world)
    response = _check(api(world, role), {"names": ["Marija Stojanović"]})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).exists()


def test_bad_input_is_refused_field_by_field_and_nothing_is_searched(world: World) -> None:
    client = api(world, Role.CASE_MANAGER)
    no_names = _check(client, {"names": []})
    assert no_names.status_code == 422
    assert no_names.json()["errors"][0]["field"] == "names"
    future = _check(client, {"names": ["Ana Fiktivna"], "date_of_birth": "2999-01-01"})
    assert future.status_code == 422
    assert [e["field"] for e in future.json()["errors"]] == ["date_of_birth"]
    assert not AuditEvent.objects.filter(event_type=EventType.MATCH_SEARCHED).exists()


def test_the_route_takes_no_name_in_the_url(world: World) -> None:
    response = api(world, Role.CASE_MANAGER).get(URL, {"names": "Marija"})
    assert response.status_code == 405
