"""The linkage decisions and the question to another node as JSON (issue 16 §4-§6): the pages'
rules through the same access functions and services, with 409 for a stale version."""

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import World, make_member
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register
from opentrm.exchange.models import OutboxMessage, Peer, PeerStatus
from opentrm.linkage.models import LinkStatus, PersonLink

OUTSIDER_NAME = "Zorica Fiktivna"


def _register(world: World, name: str) -> Case:
    return case_register(
        actor=world.actor(Role.CASEWORKER),
        names=[NameData(name)],
        sex="female",
        date_of_birth=date(1998, 3, 4),
        citizenships=["RS"],
    )


def _send(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _decide(client: Client, case: Case, other: Case, decision: str, version: int) -> Any:
    return _send(
        client,
        f"/api/v1/linkage/cases/{case.public_id}/decisions",
        {"other_case_id": str(other.public_id), "decision": decision, "version": version},
    )


def _undo(client: Client, case: Case, link_id: str, version: int) -> Any:
    return _send(
        client, f"/api/v1/linkage/cases/{case.public_id}/links/{link_id}/undo", {"version": version}
    )


def test_a_case_manager_links_undoes_and_a_stale_version_is_refused(world: World) -> None:
    first = _register(world, "Marija Petrović")
    second = _register(world, "Марија Петровић")
    client = api(world, Role.CASE_MANAGER)

    linked = _decide(client, first, second, "linked", 0)
    assert linked.status_code == 200, linked.content
    body = linked.json()
    assert body["status"] == "linked"
    assert body["version"] == 1
    assert body["decided_for"] == world.agency_a.name
    assert PersonLink.objects.get().status == LinkStatus.LINKED

    again = _decide(client, first, second, "not_same", 0)  # a page read before the link
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert PersonLink.objects.get().status == LinkStatus.LINKED

    undone = _undo(client, second, body["id"], 1)
    assert undone.status_code == 200, undone.content
    assert undone.json()["status"] == "undone"
    stale = _undo(client, second, body["id"], 1)
    assert stale.status_code == 409
    assert PersonLink.objects.get().version == 2
    events = AuditEvent.objects.filter(
        event_type__in=[EventType.PERSON_LINKED, EventType.PERSON_LINK_UNDONE]
    )
    assert events.count() == 2
    assert "Petrov" not in json.dumps([e.detail for e in events])


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.POLICE_INVESTIGATOR, Role.PROSECUTOR, Role.INTERPRETER]
)
def test_other_roles_may_not_decide_undo_or_ask(world: World, role: Role) -> None:
    first = _register(world, "Marija Petrović")
    second = _register(world, "Марија Петровић")
    link = _decide(api(world, Role.CASE_MANAGER), first, second, "linked", 0).json()
    client = api(world, role)
    assert _decide(client, first, second, "not_same", 1).status_code == 403
    assert _undo(client, first, link["id"], 1).status_code == 403
    asked = _send(client, f"/api/v1/linkage/cases/{first.public_id}/holder-queries", {"peer_id": 1})
    assert asked.status_code == 403
    assert PersonLink.objects.get().status == LinkStatus.LINKED


def test_a_reviewer_who_cannot_open_the_other_record_learns_only_its_holder(
    world: World,
) -> None:
    mine = _register(world, "Marija Petrović")
    member = make_member(world.agency_c, Role.CASE_MANAGER, "c_case_manager")
    theirs = case_register(
        actor=Actor(user=member.user, membership=member),
        names=[NameData(OUTSIDER_NAME)],
        date_of_birth=date(1987, 11, 23),
    )
    response = _decide(api(world, Role.CASE_MANAGER), mine, theirs, "linked", 0)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "held_elsewhere"
    assert world.agency_c.name in body["message"]
    text = response.content.decode()
    assert OUTSIDER_NAME not in text
    assert theirs.number not in text
    assert "1987" not in text
    assert not PersonLink.objects.exists()
    assert AuditEvent.objects.filter(
        event_type=EventType.ACCESS_DENIED, target_id=str(theirs.pk)
    ).exists()


def test_a_partner_organisation_is_told_the_case_does_not_exist(world: World) -> None:
    first = _register(world, "Marija Petrović")
    second = _register(world, "Марија Петровић")
    response = _decide(api(world, Role.CASE_MANAGER, org="b"), first, second, "linked", 0)
    assert response.status_code == 404
    assert not PersonLink.objects.exists()


def test_asking_a_node_without_a_key_is_refused_and_nothing_is_sent(world: World) -> None:
    case = _register(world, "Marija Petrović")
    peer = Peer.objects.create(
        node_id="api-peer",
        country_code="RO",
        name="Fictional peer node",
        base_url="https://peer.example.test",
        public_jwks={"keys": []},
        fingerprint="AAAA / BBBB",
        status=PeerStatus.ACTIVE,
    )
    client = api(world, Role.CASE_MANAGER)
    url = f"/api/v1/linkage/cases/{case.public_id}/holder-queries"
    response = _send(client, url, {"peer_id": peer.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "peer_id"
    assert _send(client, url, {"peer_id": peer.pk + 1000}).status_code == 404
    assert not OutboxMessage.objects.exists()
    listed = client.get(url)
    assert listed.status_code == 200
    assert listed.json() == []
