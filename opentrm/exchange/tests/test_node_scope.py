"""A node serving several countries: the node's exchange belongs to the node's own country."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from conftest import World
from opentrm.accounts.policy import Action
from opentrm.accounts.roles import Role
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer, PeerStatus


@pytest.fixture
def dead_letter(world: World) -> OutboxMessage:
    peer = Peer.objects.create(
        node_id="scope-peer",
        country_code="MD",
        name="Scope peer node",
        base_url="https://peer.example.test",
        public_jwks={"keys": []},
        fingerprint="AAAA / BBBB",
        status=PeerStatus.ACTIVE,
    )
    return OutboxMessage.objects.create(
        peer=peer, type="ping", body={}, status=OutboxStatus.DEAD, attempts=1, last_error="x"
    )


def _admin(world: World, org: str) -> Client:
    client = Client()
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR, org=org))
    return client


@override_settings(OPENTRM_NODE_COUNTRY="AL")
def test_it_lets_only_the_nodes_country_retry_its_dead_letters(
    world: World, dead_letter: OutboxMessage
) -> None:
    url = reverse("exchange_dashboard:dead_letter_retry", args=[dead_letter.message_id])
    assert _admin(world, "b").post(url).status_code == 403  # the Romanian administrator
    assert _admin(world, "b").get(reverse("exchange:peer_list")).status_code == 403
    api = reverse("api-1:exchange_dead_letter_retry", args=[dead_letter.message_id])
    assert _admin(world, "b").post(api, content_type="application/json").status_code == 403
    dead_letter.refresh_from_db()
    assert dead_letter.status == OutboxStatus.DEAD
    assert _admin(world, "a").post(url).status_code == 302  # the node's own (Albanian) one
    dead_letter.refresh_from_db()
    assert dead_letter.status != OutboxStatus.DEAD


def test_it_lets_every_administrator_manage_the_exchange_without_a_node_country(
    world: World,
) -> None:
    assert world.actor(Role.SYSTEM_ADMINISTRATOR, org="b").may(Action.EXCHANGE_MANAGE)
    with override_settings(OPENTRM_NODE_COUNTRY="RO"):
        assert world.actor(Role.SYSTEM_ADMINISTRATOR, org="b").may(Action.EXCHANGE_MANAGE)
        assert not world.actor(Role.SYSTEM_ADMINISTRATOR).may(Action.EXCHANGE_MANAGE)
        # the other administrator's powers (members of her own organisation) stay
        assert world.actor(Role.SYSTEM_ADMINISTRATOR).may(Action.MEMBERS_MANAGE)
