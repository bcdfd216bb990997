"""Key continuity (docs/exchange.md, "Keys and rotation"): a rotation or a revocation reaches
the peers as a ``key_announcement`` package, with no new fingerprint comparison.

**Announcing.** ``rotate`` makes new key pairs (``keys.init_node(rotate=True)``) and, in the
same transaction, queues an announcement to every peer (one pending or suspended receives it
when it is active again): this node's published keys (the
new ones first), the retired ones with the moment they stop being accepted, and the revoked
ones. Each announcement is signed with the key that peer is known to hold
(``Peer.our_signing_kid``, ``keys.signing_key_for``); once the peer has receipted it, this node
signs its packages and receipts for that peer with the new key (``announcement_delivered``).

**Receiving.** A peer's announcement arrives signed with a key this node trusts (the inbox
checked that). Its keys replace the peer's, its retired keys get their expiry
(``Peer.key_expiry``, honoured by ``keys.peer_key_refusal``), its revoked keys are refused at
once (``Peer.revoked_kids``). The fingerprint is recomputed; the peer stays active.

**Revocation.** ``revoke`` marks keys of this node revoked (rotating first when an active key is
among them) and announces it. If a peer knows no other key of this node than a revoked one, the
announcement is signed with that revoked key itself: the peer honours the revocation (it only
removes trust) but will not trust the new keys it names, since whoever stole the key could have
sent them; it puts this node back to "pending" until its administrator has compared the new
fingerprint out of band.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from opentrm.audit.events import EventType
from opentrm.audit.services import AuditActor, record_event
from opentrm.exchange import clock, crypto, keys, outbox, outcomes
from opentrm.exchange.models import (
    InboxMessage,
    KeyUse,
    MessageType,
    NodeKey,
    OutboxMessage,
    Peer,
    PeerStatus,
)


def announcement_body(now: datetime | None = None) -> dict[str, Any]:
    """This node's keys as a peer should hold them now."""
    now = now or clock.now()
    published = list(keys.published(now))
    retired = [
        {"kid": key.kid, "until": key.retire_after.isoformat()}
        for key in published
        if not key.active and key.retire_after is not None
    ]
    revoked = NodeKey.objects.filter(revoked_at__isnull=False).order_by("revoked_at", "id")
    return {
        "keys": {"keys": [keys.public_jwk(key) for key in published]},
        "retired": retired,
        "revoked": [key.kid for key in revoked][:20],
        "announced_at": now.isoformat(timespec="seconds"),
    }


def announce(*, actor: AuditActor | None = None, reason: str = "rotation") -> list[OutboxMessage]:
    """Queue a key announcement to every peer (inside the caller's transaction). One pending or
    suspended now gets it when it is active again, first of all its packages (delivery posts
    announcements before the rest), so it never meets a key it was not told about."""
    body = announcement_body()
    queued = []
    for peer in Peer.objects.order_by("pk"):
        message = outbox.enqueue(
            peer=peer, type=MessageType.KEY_ANNOUNCEMENT, body=body, actor=actor
        )
        record_event(
            event_type=EventType.EXCHANGE_KEY_ANNOUNCED,
            actor=actor,
            target=peer,
            detail={
                "peer_id": peer.pk,
                "message_id": str(message.message_id),
                "reason": reason,
                "kids": [jwk["kid"] for jwk in body["keys"]["keys"]],
                "revoked": body["revoked"],
                "signed_with": keys.signing_key_for(peer, announcing=True).kid,
            },
        )
        queued.append(message)
    return queued


def _remember_current_key() -> None:
    """Before a rotation: every peer holds the active signing key (when not known otherwise),
    and keeps receiving packages signed with it until it has receipted the announcement."""
    current = NodeKey.objects.filter(use=KeyUse.SIGNING, active=True).first()
    if current is not None:
        Peer.objects.filter(our_signing_kid="").update(our_signing_kid=current.kid)


@transaction.atomic
def rotate(*, actor: AuditActor | None = None, now: datetime | None = None) -> keys.InitResult:
    """New key pairs, announced to every peer in the same transaction."""
    _remember_current_key()
    result = keys.init_node(rotate=True, now=now)
    announce(actor=actor, reason="rotation")
    return result


@dataclass(frozen=True)
class Revoked:
    kids: list[str]
    rotated: bool
    announcements: int


@transaction.atomic
def revoke(*, kids: list[str], actor: AuditActor | None = None) -> Revoked:
    """Revoke this node's keys ``kids`` (compromised): never used, published or accepted again
    here; announced to the peers at once. An active key among them is rotated first."""
    rows = list(NodeKey.objects.select_for_update().filter(kid__in=kids, revoked_at__isnull=True))
    if {row.kid for row in rows} != set(kids):
        raise ValueError("Unknown or already revoked key id.")
    rotated = any(row.active for row in rows)
    if rotated:
        _remember_current_key()
        keys.init_node(rotate=True)
    now = clock.now()
    NodeKey.objects.filter(pk__in=[row.pk for row in rows]).update(
        revoked_at=now, active=False, retire_after=now, updated_at=timezone.now()
    )
    for row in rows:
        record_event(
            event_type=EventType.EXCHANGE_KEY_REVOKED,
            actor=actor,
            target_type="exchange.nodekey",
            target_id=row.kid,
            detail={"kid": row.kid, "use": row.use, "rotated": rotated},
        )
    queued = announce(actor=actor, reason="revocation")
    return Revoked(kids=list(kids), rotated=rotated, announcements=len(queued))


def announcement_delivered(message: OutboxMessage) -> None:
    """The peer receipted ``message`` (it holds the keys announced): sign for it with the active
    key from now on."""
    jwks = (message.body or {}).get("keys") or {}
    signing = next(
        (jwk for jwk in jwks.get("keys") or [] if jwk.get("use") == KeyUse.SIGNING), None
    )
    if signing is None:
        return
    Peer.objects.filter(pk=message.peer_id).update(
        our_signing_kid=str(signing["kid"]), updated_at=timezone.now()
    )


# --- receiving ----------------------------------------------------------------------------


def _signer_kid(message: InboxMessage) -> str:
    """The key id in the header of the sender's signed package (checked by the inbox)."""
    try:
        segment = message.signed.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        return ""
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else ""


def _processed(message: InboxMessage, outcome: str, **detail: Any) -> None:
    InboxMessage.objects.filter(pk=message.pk).update(
        processed_at=timezone.now(), outcome=outcome, updated_at=timezone.now()
    )
    outcomes.audit_processed(message, outcome, **detail)


def receive_announcement(message: InboxMessage) -> None:
    """The handler of ``key_announcement`` packages (see the module's docstring)."""
    from django.core.exceptions import ValidationError

    from opentrm.exchange.services.peers import check_keys

    with transaction.atomic():
        peer = Peer.objects.select_for_update().get(pk=message.peer_id)
        locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.processed_at is not None:
            return
        body = locked.body
        revoked = sorted({str(kid) for kid in body.get("revoked") or []})
        signer = _signer_kid(locked)
        try:
            jwks = check_keys(body.get("keys"), "keys")
        except ValidationError:
            _processed(locked, "refused", error="bad_keys")
            return
        self_revoked = signer in revoked
        old_fingerprint = peer.fingerprint
        peer.revoked_kids = sorted(set(peer.revoked_kids or []) | set(revoked))
        # A key revoked once is never taken back, whatever a later announcement lists.
        jwks = {"keys": [jwk for jwk in jwks["keys"] if jwk["kid"] not in peer.revoked_kids]}
        expiry = dict(peer.key_expiry or {})
        for item in body.get("retired") or []:
            expiry[str(item["kid"])] = str(item["until"])
        peer.key_expiry = expiry
        fields = ["revoked_kids", "key_expiry", "public_jwks", "fingerprint"]
        new_fingerprint = crypto.jwks_fingerprint(jwks)
        if jwks["keys"] and new_fingerprint:
            peer.public_jwks, peer.fingerprint = jwks, new_fingerprint
        if self_revoked:
            # Signed by the key it revokes: the revocation is honoured, the new keys are not
            # trusted before an administrator compared their fingerprint out of band.
            peer.status, peer.confirmed_at, peer.confirmed_by = PeerStatus.PENDING, None, None
            fields += ["status", "confirmed_at", "confirmed_by"]
        peer.save(update_fields=[*fields, "updated_at"])
        Peer.objects.filter(pk=peer.pk).update(version=F("version") + 1)
        record_event(
            event_type=EventType.EXCHANGE_PEER_KEYS_UPDATED,
            actor=None,
            target=peer,
            detail={
                "peer_id": peer.pk,
                "message_id": str(locked.message_id),
                "signed_with": signer,
                "kids": [jwk["kid"] for jwk in peer.public_jwks.get("keys") or []],
                "retired": sorted(expiry),
                "revoked": revoked,
                "fingerprint_changed": old_fingerprint != peer.fingerprint,
                "needs_confirmation": self_revoked,
            },
        )
        _processed(locked, "applied", needs_confirmation=self_revoked)
