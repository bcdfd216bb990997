"""Peers: other countries' nodes, registered by an administrator (docs/exchange.md, "Joining").

A peer is registered from its node document (fetched from its address, or pasted for a closed
network), stays *pending* until an administrator has compared its fingerprint with the one the
other administrator read out, and can then be suspended and resumed. Only active peers may send
to this node or be sent to.
"""

import http.client
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.changes import save_audited
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange import crypto, keys
from opentrm.exchange.models import KeyUse, Peer, PeerStatus

WELL_KNOWN_PATH = "/.well-known/opentrm-node.json"
FETCH_TIMEOUT_SECONDS = 5
DOCUMENT_MAX_BYTES = 256 * 1024
NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


@dataclass(frozen=True)
class NodeDocument:
    node_id: str
    country: str
    base_url: str
    jwks: dict[str, Any]
    fingerprint: str


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _check_url(url: str, field: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid(field, _("Enter the node's address, starting with https://."))
    return url


def fetch_document(base_url: str) -> dict[str, Any]:
    """The node document published at ``base_url`` (short timeout, size-limited)."""
    url = _check_url(base_url, "base_url") + WELL_KNOWN_PATH
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(DOCUMENT_MAX_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException):
        raise _invalid(
            "base_url",
            _(
                "The node's document could not be fetched from this address. Check the address, "
                "or paste the document."
            ),
        ) from None
    if len(raw) > DOCUMENT_MAX_BYTES:
        raise _invalid("base_url", _("The node's document is too large."))
    return _load_json(raw, "base_url")


def _load_json(raw: bytes | str, field: str) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except ValueError:
        raise _invalid(field, _("The node's document is not valid JSON.")) from None
    if not isinstance(document, dict):
        raise _invalid(field, _("The node's document is not a JSON object."))
    return document


def _check_keys(jwks: Any, field: str) -> dict[str, Any]:
    message = _(
        "The node's document must publish at least one signing and one encryption public key "
        "(EC P-256, or Ed25519 for signing), each with its thumbprint as key id."
    )
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise _invalid(field, message)
    kept = []
    for jwk in jwks["keys"]:
        if not isinstance(jwk, dict) or _PRIVATE_MEMBERS & set(jwk):
            raise _invalid(field, message)
        use = jwk.get("use")
        supported = (jwk.get("kty") == "EC" and jwk.get("crv") == "P-256") or (
            use == KeyUse.SIGNING and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519"
        )
        if use not in (KeyUse.SIGNING, KeyUse.ENCRYPTION) or not supported:
            raise _invalid(field, message)
        try:
            key = KeySet.import_key_set({"keys": [jwk]}).keys[0]
            thumbprint = key.thumbprint()
        except (JoseError, ValueError, TypeError, KeyError):
            raise _invalid(field, message) from None
        if jwk.get("kid") != thumbprint:
            raise _invalid(field, message)
        kept.append(dict(jwk))
    result = {"keys": kept}
    if not crypto.jwks_fingerprint(result):
        raise _invalid(field, message)
    return result


check_keys = _check_keys  # for key announcements (``continuity``)


def parse_document(document: dict[str, Any], *, field: str = "document") -> NodeDocument:
    """Check a node document; ValidationError on ``field`` with what is wrong."""
    if document.get("protocol") != crypto.PROTOCOL_VERSION:
        raise _invalid(field, _("The node speaks another version of the exchange protocol."))
    node_id = document.get("node_id")
    if not isinstance(node_id, str) or not NODE_ID.fullmatch(node_id):
        raise _invalid(field, _("The node's document has no valid node id."))
    country = document.get("country")
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise _invalid(field, _("The node's document has no valid country code."))
    base_url = document.get("base_url")
    if not isinstance(base_url, str):
        raise _invalid(field, _("The node's document has no address."))
    base_url = _check_url(base_url, field)
    jwks = _check_keys(document.get("keys"), field)
    return NodeDocument(
        node_id=node_id,
        country=country,
        base_url=base_url,
        jwks=jwks,
        fingerprint=crypto.jwks_fingerprint(jwks),
    )


def _document_from(*, base_url: str, document_json: str) -> NodeDocument:
    if document_json.strip():
        return parse_document(_load_json(document_json, "document"), field="document")
    if base_url.strip():
        return parse_document(fetch_document(base_url), field="base_url")
    raise _invalid("base_url", _("Enter the node's address, or paste its document."))


@transaction.atomic
def register_peer(*, actor: Actor, name: str, base_url: str = "", document_json: str = "") -> Peer:
    """Register another node from its document; it stays pending until confirmed."""
    require(actor, Action.EXCHANGE_MANAGE)
    name = name.strip()
    if not name:
        raise _invalid("name", _("Enter a name for the peer."))
    document = _document_from(base_url=base_url, document_json=document_json)
    if document.node_id == crypto.node_id():
        raise _invalid("__all__", _("This is this node's own document."))
    if Peer.objects.filter(node_id=document.node_id).exists():
        raise _invalid(
            "__all__",
            _("A peer with this node id is registered already; refresh its keys on its page."),
        )
    peer = Peer.objects.create(
        node_id=document.node_id,
        country_code=document.country,
        name=name[:200],
        base_url=document.base_url,
        public_jwks=document.jwks,
        fingerprint=document.fingerprint,
        status=PeerStatus.PENDING,
        updated_by=actor.user,
    )
    record_event(
        event_type=EventType.EXCHANGE_PEER_REGISTERED,
        actor=actor,
        target=peer,
        detail={"peer_id": peer.pk, "node_id": peer.node_id, "country": peer.country_code},
    )
    return peer


@transaction.atomic
def refresh_keys(
    *, actor: Actor, peer: Peer, expected_version: int, document_json: str = ""
) -> bool:
    """Take the peer's current document (fetched from its address, or pasted), e.g. after it
    rotated its keys. When its fingerprint changed, the peer is pending again until an
    administrator has compared the new one. True when the fingerprint changed."""
    require(actor, Action.EXCHANGE_MANAGE)
    document = _document_from(base_url=peer.base_url, document_json=document_json)
    if document.node_id != peer.node_id:
        raise _invalid("__all__", _("The document is of another node."))
    changed = document.fingerprint != peer.fingerprint
    peer.public_jwks = document.jwks
    peer.base_url = document.base_url
    peer.fingerprint = document.fingerprint
    fields = ["public_jwks", "base_url", "fingerprint"]
    if changed and peer.status == PeerStatus.ACTIVE:
        peer.status = PeerStatus.PENDING
        peer.confirmed_at = None
        peer.confirmed_by = None
        fields += ["status", "confirmed_at", "confirmed_by"]
    save_audited(
        peer,
        actor=actor,
        expected_version=expected_version,
        fields=fields,  # never empty: the event is always recorded
        event_type=EventType.EXCHANGE_PEER_REGISTERED,
        detail={"peer_id": peer.pk, "node_id": peer.node_id, "keys_changed": changed},
    )
    return changed


def _set_status(
    *,
    actor: Actor,
    peer: Peer,
    expected_version: int,
    allowed_from: tuple[str, ...],
    status: str,
    event: EventType,
    message: str,
) -> Peer:
    require(actor, Action.EXCHANGE_MANAGE)
    if peer.status not in allowed_from:
        raise _invalid("__all__", message)
    peer.status = status
    fields = ["status"]
    if status == PeerStatus.ACTIVE and peer.confirmed_at is None:
        peer.confirmed_at = timezone.now()
        peer.confirmed_by = actor.user
        fields += ["confirmed_at", "confirmed_by"]
    return save_audited(
        peer,
        actor=actor,
        expected_version=expected_version,
        fields=fields,  # never empty: the event is always recorded
        event_type=event,
        detail={"peer_id": peer.pk, "node_id": peer.node_id, "status": status},
    )


@transaction.atomic
def confirm_peer(*, actor: Actor, peer: Peer, expected_version: int, fingerprint: str) -> Peer:
    """The administrator typed the fingerprint the other node's administrator read out; when it
    is the one of the peer's keys, the peer becomes active. A mismatch never says what was
    expected (it would invite copying instead of comparing)."""
    require(actor, Action.EXCHANGE_MANAGE)
    if not keys.same_fingerprint(fingerprint, crypto.jwks_fingerprint(peer.public_jwks)):
        raise _invalid(
            "fingerprint",
            _(
                "This is not the fingerprint of the keys this node holds for the peer: NOT "
                "confirmed. Ask the other administrator to read it out again; if it still "
                "differs, do not confirm (the keys may not be theirs)."
            ),
        )
    return _set_status(
        actor=actor,
        peer=peer,
        expected_version=expected_version,
        allowed_from=(PeerStatus.PENDING,),
        status=PeerStatus.ACTIVE,
        event=EventType.EXCHANGE_PEER_CONFIRMED,
        message=_("Only a peer waiting for confirmation can be confirmed."),
    )


@transaction.atomic
def suspend_peer(*, actor: Actor, peer: Peer, expected_version: int) -> Peer:
    """Nothing more is accepted from or sent to the peer until it is resumed."""
    return _set_status(
        actor=actor,
        peer=peer,
        expected_version=expected_version,
        allowed_from=(PeerStatus.ACTIVE, PeerStatus.PENDING),
        status=PeerStatus.SUSPENDED,
        event=EventType.EXCHANGE_PEER_SUSPENDED,
        message=_("The peer is suspended already."),
    )


@transaction.atomic
def resume_peer(*, actor: Actor, peer: Peer, expected_version: int) -> Peer:
    """A suspended peer becomes active again (pending, if it was never confirmed)."""
    require(actor, Action.EXCHANGE_MANAGE)
    target = PeerStatus.ACTIVE if peer.confirmed_at is not None else PeerStatus.PENDING
    return _set_status(
        actor=actor,
        peer=peer,
        expected_version=expected_version,
        allowed_from=(PeerStatus.SUSPENDED,),
        status=target,
        event=EventType.EXCHANGE_PEER_RESUMED,
        message=_("Only a suspended peer can be resumed."),
    )
