"""Key continuity: this node announces a rotation or a revocation to its peers, signed with the
key each holds; a peer's announcement replaces its keys with no new confirmation; retired keys
expire and revoked keys are refused at once."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from joserfc import jwe
from joserfc.jwk import ECKey

from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.exchange import continuity, crypto, keys, refusals
from opentrm.exchange.models import (
    KeyUse,
    MessageType,
    OutboxMessage,
    Peer,
    PeerStatus,
)
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node, public

__all__ = ["foreign", "node"]

Capture = Callable[..., Any]


def post(token: str) -> Any:
    return Client().post(reverse("exchange:inbox"), data=token, content_type="application/jose")


def signer_of(token: str, receiver: ForeignNode) -> str:
    """The kid that signed a package this node sealed for ``receiver``."""
    inner = jwe.decrypt_compact(token, receiver.enc).plaintext or b""
    segment = inner.split(b".")[0].decode()
    return str(refusals._b64_json(segment)["kid"])


def active_signing() -> str:
    return keys.active_key(KeyUse.SIGNING).kid


def test_a_rotation_is_announced_to_every_peer_signed_with_the_key_they_hold(
    node: OwnNode, foreign: ForeignNode
) -> None:
    pending = ForeignNode(node_id="opentrm-md", country="MD", base_url="https://md.example")
    pending.register(status=PeerStatus.PENDING)
    old = active_signing()
    continuity.rotate()
    new = active_signing()
    assert new != old
    peer = Peer.objects.get(node_id=foreign.node_id)
    announcement = OutboxMessage.objects.get(type=MessageType.KEY_ANNOUNCEMENT, peer=peer)
    # The pending peer is told too: the announcement waits until it is confirmed.
    waiting = OutboxMessage.objects.get(
        type=MessageType.KEY_ANNOUNCEMENT, peer__node_id=pending.node_id
    )
    assert waiting.body == announcement.body
    kids = [jwk["kid"] for jwk in announcement.body["keys"]["keys"]]
    assert new in kids
    assert old in kids
    assert old in {item["kid"] for item in announcement.body["retired"]}
    # Until the peer receipted the announcement, packages and receipts for it use the old key.
    sealed = crypto.seal(
        peer=peer,
        message_id=announcement.message_id,
        type="key_announcement",
        body=announcement.body,
    )
    assert signer_of(sealed, foreign) == old
    receipt = crypto.sign_receipt(peer=peer, message_id=uuid.uuid4(), status="stored")
    assert refusals._b64_json(receipt.split(".")[0])["kid"] == old
    continuity.announcement_delivered(announcement)
    peer.refresh_from_db()
    ping = crypto.seal(peer=peer, message_id=uuid.uuid4(), type="ping", body={"nonce": "n"})
    assert signer_of(ping, foreign) == new
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_KEY_ANNOUNCED, detail__signed_with=old
    ).exists()


def _announce(
    foreign: ForeignNode,
    *,
    signed_by: ECKey,
    keys_: list[dict[str, Any]],
    retired: list[dict[str, str]] | None = None,
    revoked: list[str] | None = None,
    capture: Capture,
) -> Any:
    body = {"keys": {"keys": keys_}, "retired": retired or [], "revoked": revoked or []}
    payload = foreign.payload(type="key_announcement", body=body)
    with capture(execute=True):
        return post(foreign.seal(payload, signing_key=signed_by))


def _ping(foreign: ForeignNode, key: ECKey, capture: Capture) -> Any:
    with capture(execute=True):
        return post(foreign.seal(foreign.payload(), signing_key=key))


def test_a_peers_announcement_replaces_its_keys_with_no_new_confirmation(
    node: OwnNode, foreign: ForeignNode, django_capture_on_commit_callbacks: Capture
) -> None:
    capture = django_capture_on_commit_callbacks
    old_sig = foreign.sig
    new_sig = ECKey.generate_key("P-256", private=True)
    new_enc = ECKey.generate_key("P-256", private=True)
    until = (timezone.now() + timedelta(days=30)).isoformat()
    response = _announce(
        foreign,
        signed_by=old_sig,
        keys_=[
            public(new_sig, KeyUse.SIGNING),
            public(new_enc, KeyUse.ENCRYPTION),
            public(old_sig, KeyUse.SIGNING),
            public(foreign.enc, KeyUse.ENCRYPTION),
        ],
        retired=[{"kid": old_sig.thumbprint(), "until": until}],
        capture=capture,
    )
    assert response.status_code == 200
    peer = Peer.objects.get(node_id=foreign.node_id)
    assert peer.status == PeerStatus.ACTIVE
    assert peer.fingerprint == keys.human_fingerprint(new_sig.thumbprint(), new_enc.thumbprint())
    assert peer.key_expiry == {old_sig.thumbprint(): until}
    # Both keys are accepted during the overlap; this node encrypts to the new one.
    assert _ping(foreign, new_sig, capture).status_code == 200
    assert _ping(foreign, old_sig, capture).status_code == 200
    current = crypto._first_key_of_use(peer.public_jwks, KeyUse.ENCRYPTION)
    assert current is not None
    assert current["kid"] == new_enc.thumbprint()
    # After its expiry the retired key is refused.
    peer.key_expiry = {old_sig.thumbprint(): (timezone.now() - timedelta(seconds=1)).isoformat()}
    peer.save(update_fields=["key_expiry"])
    refused = _ping(foreign, old_sig, capture)
    assert (refused.status_code, refused.json()["code"]) == (401, "expired_key")
    assert AuditEvent.objects.filter(event_type=EventType.EXCHANGE_PEER_KEYS_UPDATED).exists()

    # A revocation signed with a key still trusted (the new one): refused at once.
    foreign.sig = new_sig
    response = _announce(
        foreign,
        signed_by=new_sig,
        keys_=[public(new_sig, KeyUse.SIGNING), public(new_enc, KeyUse.ENCRYPTION)],
        revoked=[old_sig.thumbprint()],
        capture=capture,
    )
    assert response.status_code == 200
    peer.refresh_from_db()
    assert peer.status == PeerStatus.ACTIVE
    assert peer.revoked_kids == [old_sig.thumbprint()]
    peer.key_expiry = {}
    peer.save(update_fields=["key_expiry"])
    refused = _ping(foreign, old_sig, capture)
    assert (refused.status_code, refused.json()["code"]) == (401, "revoked_key")


def test_a_revocation_signed_by_the_revoked_key_needs_a_new_confirmation(
    node: OwnNode, foreign: ForeignNode, django_capture_on_commit_callbacks: Capture
) -> None:
    """The peer's only key was stolen: whoever holds it could also announce keys, so the new
    ones are kept but not trusted until compared out of band; the stolen one is refused."""
    capture = django_capture_on_commit_callbacks
    stolen = foreign.sig
    new_sig = ECKey.generate_key("P-256", private=True)
    response = _announce(
        foreign,
        signed_by=stolen,
        keys_=[public(new_sig, KeyUse.SIGNING), public(foreign.enc, KeyUse.ENCRYPTION)],
        revoked=[stolen.thumbprint()],
        capture=capture,
    )
    assert response.status_code == 200
    peer = Peer.objects.get(node_id=foreign.node_id)
    assert peer.status == PeerStatus.PENDING
    assert peer.confirmed_at is None
    assert stolen.thumbprint() in peer.revoked_kids
    assert _ping(foreign, stolen, capture).status_code == 401
    event = AuditEvent.objects.get(event_type=EventType.EXCHANGE_PEER_KEYS_UPDATED)
    assert event.detail["needs_confirmation"] is True


def test_revoking_the_active_key_rotates_and_never_publishes_it_again(
    node: OwnNode, foreign: ForeignNode
) -> None:
    compromised = active_signing()
    result = continuity.revoke(kids=[compromised])
    assert result.rotated
    assert result.announcements == 1
    published = [jwk["kid"] for jwk in crypto.public_jwks()["keys"]]
    assert compromised not in published
    assert active_signing() != compromised
    (announcement,) = OutboxMessage.objects.filter(type=MessageType.KEY_ANNOUNCEMENT)
    assert announcement.body["revoked"] == [compromised]
    # The peer knows no other key of this node: the revocation is signed by the revoked key
    # (a self-revocation); everything else is signed with the new key.
    peer = Peer.objects.get(node_id=foreign.node_id)
    sealed = crypto.seal(
        peer=peer,
        message_id=announcement.message_id,
        type="key_announcement",
        body=announcement.body,
    )
    assert signer_of(sealed, foreign) == compromised
    ping = crypto.seal(peer=peer, message_id=uuid.uuid4(), type="ping", body={"nonce": "n"})
    assert signer_of(ping, foreign) == active_signing()
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_KEY_REVOKED, target_id=compromised
    ).exists()


def test_the_keys_command_lists_announces_and_revokes(node: OwnNode, foreign: ForeignNode) -> None:
    from io import StringIO

    import pytest
    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("exchange_keys", "announce", stdout=out)
    assert "queued for 1 peer" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("exchange_keys", "revoke", "no-such-kid", stdout=StringIO())
    compromised = active_signing()
    out = StringIO()
    call_command("exchange_keys", "revoke", compromised, stdout=out)
    assert "new keys were made first" in out.getvalue()
    out = StringIO()
    call_command("exchange_keys", "list", stdout=out)
    listed = out.getvalue()
    assert f"sig  {compromised}  revoked" in listed
    assert f"sig  {active_signing()}  active" in listed
    assert OutboxMessage.objects.filter(type=MessageType.KEY_ANNOUNCEMENT).count() == 2
