"""A peer's node document, checked by the peers service: each flaw refused on its field."""

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.exchange.models import Peer
from opentrm.exchange.services import peers
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, node

__all__ = ["node"]


def _refused_on(field: str, document: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        peers.parse_document(document)
    assert field in refused.value.message_dict


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda d: d.update(node_id="Not An Id!"), id="node id"),
        pytest.param(lambda d: d.pop("base_url"), id="no address"),
        pytest.param(lambda d: d.update(keys=[]), id="keys not an object"),
        pytest.param(lambda d: d["keys"]["keys"].append("a key"), id="key not an object"),
        pytest.param(lambda d: d["keys"]["keys"][0].update(use="wrap"), id="unknown key use"),
        pytest.param(lambda d: d["keys"]["keys"][0].update(x="not base64 at all"), id="broken key"),
    ],
)
def test_it_refuses_a_flawed_node_document(spoil: Any) -> None:
    document = ForeignNode().document()
    spoil(document)

    _refused_on("document", document)


@pytest.mark.parametrize(
    ("pasted", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "not a JSON object")],
)
def test_it_refuses_a_pasted_document_that_is_not_a_json_object(
    node: OwnNode, world: World, pasted: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        peers.register_peer(
            actor=world.actor(Role.SYSTEM_ADMINISTRATOR), name="X", document_json=pasted
        )
    assert message in refused.value.message_dict["document"][0]
    assert not Peer.objects.exists()


def test_it_asks_for_a_name_and_for_an_address_or_a_document(node: OwnNode, world: World) -> None:
    actor = world.actor(Role.SYSTEM_ADMINISTRATOR)
    document = json.dumps(ForeignNode().document())

    with pytest.raises(ValidationError) as no_name:
        peers.register_peer(actor=actor, name="  ", document_json=document)
    with pytest.raises(ValidationError) as nothing:
        peers.register_peer(actor=actor, name="Romania")

    assert "name" in no_name.value.message_dict
    assert "base_url" in nothing.value.message_dict


def test_it_refuses_to_resume_a_peer_that_is_not_suspended(node: OwnNode, world: World) -> None:
    pending = ForeignNode().register(status="pending")

    with pytest.raises(ValidationError):
        peers.resume_peer(
            actor=world.actor(Role.SYSTEM_ADMINISTRATOR),
            peer=pending,
            expected_version=pending.version,
        )
    pending.refresh_from_db()
    assert pending.status == "pending"
