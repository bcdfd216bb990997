"""Directory federation through the exchange: this node publishes its country's shareable
entries to each active peer (a snapshot, then the changes), and applies a peer's ``directory``
packages as read-only copies of that peer's country only."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.directory import services
from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility
from opentrm.exchange.models import InboxMessage, OutboxMessage, Peer, PeerStatus
from opentrm.exchange.services import directory_sync
from opentrm.exchange.services.directory_sync import publish_due, receive_directory
from opentrm.exchange.tests.nodes import FOREIGN_ID, ForeignNode, OwnNode, foreign, node

__all__ = ["foreign", "node"]


def _directory_packages() -> list[dict[str, Any]]:
    return [m.body for m in OutboxMessage.objects.filter(type="directory").order_by("id")]


def test_an_active_peer_gets_a_snapshot_then_the_changes(
    world: World, node: OwnNode, foreign: ForeignNode
) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    point = services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictional Albanian Focal Point",
        type=OrganisationType.NATIONAL_COORDINATION,
    )
    services.responsibility_add(
        actor=editor,
        country=world.country_a,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=point,
    )

    assert publish_due() == 1
    (snapshot,) = _directory_packages()
    assert snapshot["mode"] == "snapshot"
    assert snapshot["country"] == "AL"
    ids = {record["id"] for record in snapshot["organisations"]}
    assert str(point.uuid) in ids
    assert set(snapshot["present"]) == ids
    # the organisations of the other country held here (world's agency B in RO) never travel
    assert str(world.agency_b.uuid) not in ids
    assert publish_due() == 0  # nothing changed since

    services.organisation_update(
        actor=editor, organisation=point, expected_version=point.version, city="Fictiva"
    )
    quiet = services.organisation_create(
        actor=editor, country=world.country_a, name="Fictional quiet office", type="other"
    )
    services.organisation_update(
        actor=editor, organisation=quiet, expected_version=quiet.version, share_abroad=False
    )
    assert publish_due() == 1
    changes = _directory_packages()[-1]
    assert changes["mode"] == "changes"
    assert [r["city"] for r in changes["organisations"]] == ["Fictiva"]
    assert changes["removed"] == [str(quiet.uuid)]
    published = AuditEvent.objects.filter(event_type="DIRECTORY_PUBLISHED").order_by("sequence")
    assert [e.detail["mode"] for e in published] == ["snapshot", "changes"]


def test_a_directory_larger_than_one_package_arrives_in_parts_the_last_listing_all(
    world: World, node: OwnNode, foreign: ForeignNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The peer replaces its copy only once every part is there: the last part says which
    entries are present, so an entry missing from it is removed (the first parts do not)."""
    monkeypatch.setattr(directory_sync, "PART_SIZE", 1)
    editor = world.actor(Role.DIRECTORY_EDITOR)
    for name in ("Fictional Focal Point", "Fictional Labour Inspectorate"):
        services.organisation_create(
            actor=editor,
            country=world.country_a,
            name=name,
            type=OrganisationType.NATIONAL_COORDINATION,
        )
    queued = publish_due()  # one package per organisation shared
    parts = _directory_packages()
    assert queued == len(parts) >= 2
    assert [(p["mode"], p["part"], p["parts"]) for p in parts] == [
        ("snapshot", number, len(parts)) for number in range(1, len(parts) + 1)
    ]
    assert all(len(p["organisations"]) == 1 and "present" not in p for p in parts[:-1])
    assert parts[-1]["present"] == [p["organisations"][0]["id"] for p in parts]


def test_a_pending_peer_gets_nothing(world: World, node: OwnNode) -> None:
    ForeignNode(node_id="opentrm-md", country="MD").register(status=PeerStatus.PENDING)
    assert publish_due() == 0
    assert _directory_packages() == []


def _directory_body(country: str = "RO") -> dict[str, Any]:
    contact = str(uuid.uuid4())
    return {
        "mode": "snapshot",
        "country": country,
        "as_of": timezone.now().isoformat(),
        "part": 1,
        "parts": 1,
        "organisations": [
            {
                "id": str(uuid.uuid4()),
                "name": "Fictional Romanian Focal Point",
                "type": "national_coordination",
                "contacts": [
                    {
                        "id": contact,
                        "position": "Referral desk",
                        "channels": [{"kind": "email", "value": "nfp@example.ro"}],
                    }
                ],
                "functions": [{"function": "national_focal_point", "contact": contact}],
            }
        ],
        "removed": [],
        "present": [],
    }


def _post(token: str) -> Any:
    return Client().post(
        reverse("exchange:inbox"), data=token.encode(), content_type="application/jose"
    )


def test_a_peers_directory_package_becomes_its_read_only_copy(
    node: OwnNode,
    foreign: ForeignNode,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    body = _directory_body()
    body["present"] = [body["organisations"][0]["id"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(foreign.seal(foreign.payload(type="directory", body=body)))

    assert response.status_code == 200
    focal = Responsibility.objects.get(country__code="RO", function=Function.NATIONAL_FOCAL_POINT)
    assert focal.organisation.origin_node == FOREIGN_ID
    assert focal.contact_point is not None
    assert focal.contact_point.channels.get().value == "nfp@example.ro"
    message = InboxMessage.objects.get(type="directory")
    assert message.processed_at is not None
    processed = AuditEvent.objects.get(event_type="EXCHANGE_PROCESSED")
    assert processed.detail["outcome"] == "applied"
    assert processed.detail["created"] == 1


def test_a_peer_publishing_another_countrys_directory_is_refused(
    node: OwnNode,
    foreign: ForeignNode,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    second = ForeignNode(node_id="opentrm-al-2", country="AL")  # a peer of this node's country
    second.register()
    with django_capture_on_commit_callbacks(execute=True):
        # RO's node publishing a third country; a node publishing this node's own country
        _post(foreign.seal(foreign.payload(type="directory", body=_directory_body("MD"))))
        _post(second.seal(second.payload(type="directory", body=_directory_body("AL"))))

    assert not Organisation.objects.exclude(origin_node="").exists()
    outcomes = AuditEvent.objects.filter(event_type="EXCHANGE_PROCESSED")
    assert sorted(e.detail["error"] for e in outcomes) == ["own_country", "wrong_country"]
    assert set(InboxMessage.objects.values_list("signed", flat=True)) == {""}


def test_a_package_with_an_unreadable_date_is_refused_once(node: OwnNode) -> None:
    peer = Peer.objects.create(
        node_id="opentrm-ro-b",
        country_code="RO",
        name="Fictional node B",
        base_url="https://ro.example.test",
        fingerprint="AAAA / BBBB",
        status=PeerStatus.ACTIVE,
    )
    body = _directory_body()
    body["as_of"] = "not a date"
    message = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=peer,
        type="directory",
        body=body,
        signed="signed-token",
        issued_at=timezone.now(),
    )
    receive_directory(message)
    receive_directory(message)  # processed already: nothing happens a second time

    assert not Organisation.objects.exclude(origin_node="").exists()
    (processed,) = AuditEvent.objects.filter(event_type="EXCHANGE_PROCESSED")
    assert (processed.detail["outcome"], processed.detail["error"]) == ("refused", "schema_invalid")
    message.refresh_from_db()
    assert message.processed_at is not None
    assert (message.signed, message.body) == ("", {})
