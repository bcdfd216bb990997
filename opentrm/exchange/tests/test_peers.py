"""Peers: register (by address or pasted document), compare the fingerprint, confirm, suspend."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.exchange import crypto
from opentrm.exchange.models import Peer, PeerStatus
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node

__all__ = ["foreign", "node"]


def admin(world: World) -> Client:
    client = Client()
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    return client


@pytest.fixture
def served() -> Iterator[tuple[str, ForeignNode]]:
    """A fictional node publishing its document on a loopback port."""
    other = ForeignNode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/.well-known/opentrm-node.json":
                self.send_error(404)
                return
            body = json.dumps(other.document()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", other
    finally:
        server.shutdown()
        server.server_close()


def test_register_by_address_fetches_the_document(
    node: OwnNode, world: World, served: tuple[str, ForeignNode]
) -> None:
    url, other = served
    response = admin(world).post(
        reverse("exchange:peer_register"), {"name": "Romania", "base_url": url}
    )
    peer = Peer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:peer_detail", args=[peer.pk])
    assert (peer.node_id, peer.country_code, peer.status) == ("opentrm-ro", "RO", "pending")
    assert peer.public_jwks == other.jwks()
    page = admin(world).get(response["Location"]).content.decode()
    assert peer.fingerprint == crypto.jwks_fingerprint(other.jwks())
    # Pending: the fingerprint is typed from what the other administrator reads out, not shown.
    assert peer.fingerprint not in page
    assert 'name="fingerprint"' in page
    assert 'type="checkbox"' not in page
    event = AuditEvent.objects.get(event_type="EXCHANGE_PEER_REGISTERED")
    assert event.detail == {"peer_id": peer.pk, "node_id": "opentrm-ro", "country": "RO"}


def test_register_by_pasted_document_for_a_closed_network(node: OwnNode, world: World) -> None:
    other = ForeignNode()
    response = admin(world).post(
        reverse("exchange:peer_register"),
        {"name": "Romania", "document": json.dumps(other.document())},
    )
    assert response.status_code == 302
    assert Peer.objects.get().base_url == "https://trm.example.ro"


def test_an_unreachable_address_is_refused_on_the_field(node: OwnNode, world: World) -> None:
    response = admin(world).post(
        reverse("exchange:peer_register"), {"name": "X", "base_url": "http://127.0.0.1:9"}
    )
    assert response.status_code == 422
    assert "could not be fetched" in response.content.decode()
    assert not Peer.objects.exists()


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda d: d["keys"]["keys"][0].update(d="secret"), id="private key"),
        pytest.param(lambda d: d["keys"]["keys"][0].update(kid="other"), id="kid not thumbprint"),
        pytest.param(lambda d: d["keys"]["keys"].pop(1), id="no encryption key"),
        pytest.param(lambda d: d.update(protocol=2), id="other protocol"),
        pytest.param(lambda d: d.update(node_id="opentrm-al"), id="own node"),
        pytest.param(lambda d: d.update(country="Romania"), id="country"),
        pytest.param(lambda d: d.update(base_url="ftp://x"), id="address"),
    ],
)
def test_a_bad_document_is_refused(node: OwnNode, world: World, spoil: Any) -> None:
    document = ForeignNode().document()
    spoil(document)
    response = admin(world).post(
        reverse("exchange:peer_register"), {"name": "X", "document": json.dumps(document)}
    )
    assert response.status_code == 422
    assert not Peer.objects.exists()


def test_a_node_is_registered_once(node: OwnNode, world: World, foreign: ForeignNode) -> None:
    response = admin(world).post(
        reverse("exchange:peer_register"),
        {"name": "Again", "document": json.dumps(foreign.document())},
    )
    assert response.status_code == 422
    assert Peer.objects.count() == 1


def _pending(world: World) -> Peer:
    admin(world).post(
        reverse("exchange:peer_register"),
        {"name": "Romania", "document": json.dumps(ForeignNode().document())},
    )
    return Peer.objects.get()


def test_confirming_needs_the_fingerprint_typed_and_a_mismatch_does_not_reveal_it(
    node: OwnNode, world: World
) -> None:
    peer = _pending(world)
    url = reverse("exchange:peer_confirm", args=[peer.pk])
    expected = crypto.jwks_fingerprint(peer.public_jwks)
    refused = admin(world).post(url, {"version": peer.version})
    assert refused.status_code == 422
    wrong = "AAAA " + expected[5:] if not expected.startswith("AAAA") else "BBBB " + expected[5:]
    refused = admin(world).post(url, {"version": peer.version, "fingerprint": wrong})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "NOT confirmed" in page
    assert expected not in page
    assert expected.replace(" ", "") not in page
    assert "fingerprint_compared" not in page
    peer.refresh_from_db()
    assert peer.status == PeerStatus.PENDING
    # As heard: lower case, no spaces, a zero for an O or a one for an I.
    typed = expected.replace(" ", "").lower().replace("o", "0").replace("i", "1")
    done = admin(world).post(url, {"version": peer.version, "fingerprint": typed})
    assert done.status_code == 302
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    assert peer.confirmed_by == world.user(Role.SYSTEM_ADMINISTRATOR)
    assert AuditEvent.objects.filter(event_type="EXCHANGE_PEER_CONFIRMED").count() == 1
    assert (
        expected
        in admin(world).get(reverse("exchange:peer_detail", args=[peer.pk])).content.decode()
    )


def test_suspend_and_resume(node: OwnNode, world: World, foreign: ForeignNode) -> None:
    peer = Peer.objects.get()
    admin(world).post(reverse("exchange:peer_suspend", args=[peer.pk]), {"version": 1})
    peer.refresh_from_db()
    assert peer.status == PeerStatus.SUSPENDED
    stale = admin(world).post(reverse("exchange:peer_resume", args=[peer.pk]), {"version": 1})
    assert stale.status_code == 422  # changed since: reload
    admin(world).post(reverse("exchange:peer_resume", args=[peer.pk]), {"version": peer.version})
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    kinds = AuditEvent.objects.values_list("event_type", flat=True)
    assert {"EXCHANGE_PEER_SUSPENDED", "EXCHANGE_PEER_RESUMED"} <= set(kinds)


def test_new_keys_of_a_peer_need_a_new_confirmation(
    node: OwnNode, world: World, foreign: ForeignNode
) -> None:
    peer = Peer.objects.get()
    url = reverse("exchange:peer_refresh", args=[peer.pk])
    same = admin(world).post(
        url, {"version": peer.version, "document": json.dumps(foreign.document())}
    )
    assert same.status_code == 302
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    rotated = ForeignNode()
    admin(world).post(url, {"version": peer.version, "document": json.dumps(rotated.document())})
    peer.refresh_from_db()
    assert peer.status == PeerStatus.PENDING
    assert peer.public_jwks == rotated.jwks()
    impostor = ForeignNode(node_id="opentrm-xx")
    refused = admin(world).post(
        url, {"version": peer.version, "document": json.dumps(impostor.document())}
    )
    assert refused.status_code == 422


def test_the_pages_are_for_administrators(node: OwnNode, world: World) -> None:
    caseworker = Client()
    caseworker.force_login(world.user(Role.CASEWORKER))
    assert caseworker.get(reverse("exchange:peer_list")).status_code == 403
    anonymous = Client().get(reverse("exchange:peer_list"))
    assert anonymous.status_code == 302
    page = admin(world).get(reverse("exchange:peer_list"))
    assert page.status_code == 200
    assert reverse("exchange:peer_list") in page.content.decode()  # the nav link
    assert reverse("exchange:peer_list") not in caseworker.get("/").content.decode()
