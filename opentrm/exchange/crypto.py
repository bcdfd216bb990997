"""Sealing and opening packages, and signed receipts (docs/exchange.md, "Protocol").

A package is a JWS compact (ES256, signed by the sender's signing key) over the JSON payload
``{"v", "jti", "iss", "aud", "iat", "type", "body"}``, nested in a JWE compact
(ECDH-ES+A256KW, A256GCM) encrypted to the receiver's encryption key. ``open_package`` undoes
both and checks everything but replay and size, which the inbox decides; each failure raises
``PackageRejected`` with the protocol's error code.
"""

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.conf import settings
from joserfc import jwe, jws
from joserfc.jwe import JWERegistry
from joserfc.jwk import ECKey, KeySet, OKPKey
from joserfc.jws import JWSRegistry

from opentrm.exchange import clock, keys
from opentrm.exchange.keys import CONTENT_ENC, KEY_WRAP_ALG, SIGNING_ALG
from opentrm.exchange.models import KeyUse, MessageType, NodeKey, Peer, PeerStatus
from opentrm.exchange.package_schemas import schema as schema  # re-exported
from opentrm.exchange.package_schemas import schema_errors as schema_errors
from opentrm.exchange.refusals import JOSE_ERRORS, _b64_json, _check_header, _json
from opentrm.exchange.refusals import STATUS_OF_CODE as STATUS_OF_CODE
from opentrm.exchange.refusals import PackageRejected as PackageRejected

PROTOCOL_VERSION = 1
PACKAGE_TYP = "opentrm-package+jws"
RECEIPT_TYP = "opentrm-receipt+jws"
RECEIPT_STATUSES = ("stored", "duplicate")
SIGNING_ALGS = ("ES256", "EdDSA")


class ExchangeNotReady(Exception):  # noqa: N818
    """This node has no keys, or the peer published no key for the needed use."""


@dataclass(frozen=True)
class Opened:
    peer: Peer
    message_id: uuid.UUID
    type: str
    body: dict[str, Any]
    issued_at: datetime
    digest: str
    signed: str = ""  # the sender's JWS compact, kept to re-check its signature later
    sequence: int | None = None
    previous_id: uuid.UUID | None = None


# --- identity and published keys ------------------------------------------------------------


def node_id() -> str:
    return str(settings.OPENTRM_NODE_ID)


def public_jwks(now: datetime | None = None) -> dict[str, Any]:
    """This node's public keys not yet retired, the active ones first."""
    return {"keys": [keys.public_jwk(key) for key in keys.published(now)]}


def node_document() -> dict[str, Any]:
    """The document served at /.well-known/opentrm-node.json."""
    return {
        "node_id": node_id(),
        "country": settings.OPENTRM_NODE_COUNTRY,
        "base_url": settings.OPENTRM_BASE_URL,
        "keys": public_jwks(),
        "protocol": PROTOCOL_VERSION,
    }


def jwks_fingerprint(jwks: dict[str, Any]) -> str:
    """The fingerprint of a JWKS (``keys.human_fingerprint`` of its first signing and first
    encryption key; "" when either is missing)."""
    kids = []
    for use in (KeyUse.SIGNING, KeyUse.ENCRYPTION):
        jwk = _first_key_of_use(jwks, use)
        if jwk is None:
            return ""
        kids.append(str(jwk["kid"]))
    return keys.human_fingerprint(*kids)


def fingerprint() -> str:
    """This node's fingerprint, to read out to a peer's administrator."""
    sig = keys.active_key(KeyUse.SIGNING)
    enc = keys.active_key(KeyUse.ENCRYPTION)
    return keys.human_fingerprint(sig.kid, enc.kid)


def _first_key_of_use(jwks: dict[str, Any], use: str) -> dict[str, Any] | None:
    for jwk in jwks.get("keys") or []:
        if isinstance(jwk, dict) and jwk.get("use") == use:
            return jwk
    return None


def _peer_key(peer: Peer, kid: str, use: str) -> ECKey | OKPKey | None:
    for jwk in peer.public_jwks.get("keys") or []:
        if isinstance(jwk, dict) and jwk.get("kid") == kid and jwk.get("use") == use:
            return _import_public(jwk)
    return None


@cache
def _import_public_cached(text: str) -> ECKey | OKPKey:
    key = KeySet.import_key_set({"keys": [json.loads(text)]}).keys[0]
    assert isinstance(key, ECKey | OKPKey)
    return key


def _import_public(jwk: dict[str, Any]) -> ECKey | OKPKey:
    return _import_public_cached(json.dumps(jwk, sort_keys=True))


# --- registries: the algorithms of the protocol, sizes up to the inbox's limit ---------------


def _jws_registry() -> JWSRegistry:
    registry = JWSRegistry(algorithms=list(SIGNING_ALGS))
    registry.max_payload_length = settings.OPENTRM_EXCHANGE_MAX_BYTES
    return registry


def _jwe_registry() -> JWERegistry:
    registry = JWERegistry(algorithms=[KEY_WRAP_ALG, CONTENT_ENC])
    registry.max_ciphertext_length = settings.OPENTRM_EXCHANGE_MAX_BYTES
    return registry


# --- canonical form and digest ----------------------------------------------------------------


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(
    *,
    message_id: uuid.UUID,
    sender: str,
    receiver: str,
    type: str,
    body: dict[str, Any],
    order: dict[str, Any] | None = None,
) -> str:
    """SHA-256 of the canonical payload without ``iat``: a package re-sealed for a retry (new
    ``iat``, same message) has the same digest, so the receiver answers "duplicate".
    ``order``: the package's ``seq`` and ``prev`` claims, when it has them."""
    payload = {
        "v": PROTOCOL_VERSION,
        "jti": str(message_id),
        "iss": sender,
        "aud": receiver,
        "type": type,
        "body": body,
        **(order or {}),
    }
    return hashlib.sha256(canonical(payload)).hexdigest()


# --- sealing ------------------------------------------------------------------------------------


def _own_signing_key(
    peer: Peer | None = None, *, announcing: bool = False, own: list[NodeKey] | None = None
) -> tuple[str, ECKey]:
    try:
        if peer is None:
            key = keys.active_key(KeyUse.SIGNING)
        else:
            key = keys.signing_key_for(peer, announcing=announcing, own=own)
    except keys.NodeNotInitialised as error:
        raise ExchangeNotReady(str(error)) from error
    return key.kid, keys.private_key(key.kid)


def signing_key(peer: Peer, type: str) -> tuple[str, ECKey]:
    """(kid, private key) this node signs a package of ``type`` to ``peer`` with."""
    return _own_signing_key(peer, announcing=type == MessageType.KEY_ANNOUNCEMENT)


def seal_payload(
    payload: dict[str, Any],
    *,
    signing_kid: str,
    signing_key: ECKey | OKPKey,
    encryption_jwk: dict[str, Any],
) -> str:
    """Sign ``payload`` and encrypt it to ``encryption_jwk``. Also used by tests to build
    packages of other (fictional) nodes."""
    alg = "EdDSA" if isinstance(signing_key, OKPKey) else SIGNING_ALG
    signed = jws.serialize_compact(
        {"alg": alg, "kid": signing_kid, "typ": PACKAGE_TYP},
        canonical(payload),
        signing_key,
        registry=_jws_registry(),
    )
    return jwe.encrypt_compact(
        {"alg": KEY_WRAP_ALG, "enc": CONTENT_ENC, "kid": encryption_jwk["kid"], "cty": PACKAGE_TYP},
        signed,
        _import_public(encryption_jwk),
        registry=_jwe_registry(),
    )


def seal(
    *,
    peer: Peer,
    message_id: uuid.UUID,
    type: str,
    body: dict[str, Any],
    now: datetime | None = None,
    validate: bool = True,
    order: dict[str, Any] | None = None,
    signing: tuple[str, ECKey] | None = None,
) -> str:
    """The package for ``peer``: signed with this node's signing key the peer holds
    (``keys.signing_key_for``), encrypted to the peer's current encryption key (the first of its
    JWKS); ``order`` adds the ``seq`` and ``prev`` claims (docs/exchange.md, "Order").
    Raises ``PackageRejected`` (schema_invalid) when ``body`` breaks its type's schema,
    ``ExchangeNotReady`` without keys.
    ``validate=False`` skips the schema check for a body checked already (the outbox checks
    every body when it is queued); ``signing``: the ``signing_key(peer, type)`` of a pass."""
    now = now or clock.now()
    if type not in MessageType.values:
        raise PackageRejected("schema_invalid", f"Unknown message type {type!r}.")
    problems = schema_errors(type, body) if validate else []
    if problems:
        raise PackageRejected("schema_invalid", "; ".join(problems), message_id=message_id)
    encryption_jwk = _first_key_of_use(peer.public_jwks, KeyUse.ENCRYPTION)
    if encryption_jwk is None:
        raise ExchangeNotReady("The peer published no encryption key.")
    kid, private = signing or signing_key(peer, type)
    payload = {
        "v": PROTOCOL_VERSION,
        "jti": str(message_id),
        "iss": node_id(),
        "aud": peer.node_id,
        "iat": int(now.timestamp()),
        "type": type,
        "body": body,
        **(order or {}),
    }
    return seal_payload(
        payload, signing_kid=kid, signing_key=private, encryption_jwk=encryption_jwk
    )


# --- opening ------------------------------------------------------------------------------------


def _our_decryption_key(kid: Any, now: datetime, own: list[NodeKey] | None) -> ECKey:
    if not isinstance(kid, str):
        raise PackageRejected("decrypt_failed", "The package names no encryption key.")
    if own is None:
        row = keys.published(now).filter(kid=kid, use=KeyUse.ENCRYPTION).first()
    else:
        row = next((r for r in own if r.kid == kid and r.use == KeyUse.ENCRYPTION), None)
    if row is None:
        raise PackageRejected(
            "decrypt_failed", "The package is not encrypted to a current key of this node."
        )
    try:
        return keys.private_key(row.kid)
    except FileNotFoundError:
        raise PackageRejected(
            "decrypt_failed", "The package is not encrypted to a current key of this node."
        ) from None


def _sender(iss: Any, message_id: uuid.UUID | None) -> Peer:
    if not isinstance(iss, str) or not iss:
        raise PackageRejected("malformed", "The package names no sender.", message_id=message_id)
    peer = Peer.objects.filter(node_id=iss).first()
    if peer is None or peer.status == PeerStatus.PENDING:
        raise PackageRejected(
            "unknown_sender",
            "The sender is not a confirmed peer of this node.",
            peer=peer,
            message_id=message_id,
        )
    if peer.status == PeerStatus.SUSPENDED:
        raise PackageRejected(
            "sender_suspended",
            "The sender is suspended on this node.",
            peer=peer,
            message_id=message_id,
        )
    return peer


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _verify(
    token: bytes, *, peer: Peer, use_header: dict[str, Any], message_id: uuid.UUID | None
) -> bytes:
    """Verify the JWS ``token`` with the peer's key named in its header; the payload."""
    kid = use_header.get("kid")
    _check_header(use_header, peer=peer, message_id=message_id)
    if use_header.get("alg") not in SIGNING_ALGS:
        raise PackageRejected(
            "malformed", "Unsupported signature algorithm.", peer=peer, message_id=message_id
        )
    refusal = keys.peer_key_refusal(peer, kid, clock.now()) if isinstance(kid, str) else ""
    if refusal:
        raise PackageRejected(
            refusal,
            "The signing key was revoked or retired by the sender.",
            peer=peer,
            message_id=message_id,
        )
    key = _peer_key(peer, kid, KeyUse.SIGNING) if isinstance(kid, str) else None
    if key is None:
        raise PackageRejected(
            "unknown_key",
            "The signing key is not one the sender published to this node.",
            peer=peer,
            message_id=message_id,
        )
    try:
        verified = jws.deserialize_compact(token, key, registry=_jws_registry())
    except JOSE_ERRORS:  # a bad signature (BadSignatureError) or hostile input
        raise PackageRejected(
            "bad_signature", "The signature does not verify.", peer=peer, message_id=message_id
        ) from None
    return verified.payload


def _decrypt(token: bytes | str, now: datetime, own: list[NodeKey] | None = None) -> bytes:
    """The outer layer: a JWE compact of our algorithms, decrypted with one of our keys."""
    raw = token.encode("ascii", "replace") if isinstance(token, str) else token
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise PackageRejected("malformed", "The package is not a JWE compact token.") from None
    parts = text.split(".")
    if len(parts) != 5:
        raise PackageRejected("malformed", "The package is not a JWE compact token.")
    header = _b64_json(parts[0])
    _check_header(header)
    if header.get("alg") != KEY_WRAP_ALG or header.get("enc") != CONTENT_ENC:
        raise PackageRejected("malformed", "Unsupported encryption algorithms.")
    private = _our_decryption_key(header.get("kid"), now, own)
    try:
        decrypted = jwe.decrypt_compact(text, private, registry=_jwe_registry())
    except JOSE_ERRORS:  # a JOSE library's complaint about hostile input, whatever its class
        raise PackageRejected("decrypt_failed", "The package could not be decrypted.") from None
    return decrypted.plaintext or b""


def _unverified(inner: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """(header, claims, the claims' bytes) of the inner JWS before its signature is checked:
    only to learn who claims to have sent it (whose key verifies it)."""
    inner_parts = inner.split(b".")
    if len(inner_parts) != 3:
        raise PackageRejected("malformed", "The content is not a JWS compact token.")
    try:
        inner_header = _b64_json(inner_parts[0].decode("ascii"))
        unverified_bytes = base64.urlsafe_b64decode(
            inner_parts[1] + b"=" * (-len(inner_parts[1]) % 4)
        )
    except (ValueError, UnicodeError, binascii.Error):
        raise PackageRejected("malformed", "The signed content is not JSON.") from None
    unverified = _json(unverified_bytes, "The signed content")
    if inner_header.get("typ") != PACKAGE_TYP or not isinstance(unverified, dict):
        raise PackageRejected("malformed", "The signed content is not an OpenTRM package.")
    return inner_header, unverified, unverified_bytes


def _issued_at(
    payload: dict[str, Any], now: datetime, peer: Peer, message_id: uuid.UUID
) -> datetime:
    """The package's ``iat``, neither too old nor too far in the future."""
    try:
        issued_at = datetime.fromtimestamp(payload["iat"], tz=UTC)
    except (OverflowError, ValueError, OSError):  # e.g. 1e20: beyond any calendar
        raise PackageRejected(
            "expired",
            "The package's time (iat) is not a plausible moment.",
            peer=peer,
            message_id=message_id,
        ) from None
    age = (now - issued_at).total_seconds()
    if age > settings.OPENTRM_EXCHANGE_MAX_AGE_SECONDS:
        raise PackageRejected(
            "expired", "The package is too old.", peer=peer, message_id=message_id
        )
    if -age > settings.OPENTRM_EXCHANGE_CLOCK_SKEW_SECONDS:
        raise PackageRejected(
            "expired",
            "The package is dated in the future beyond the allowed clock difference.",
            peer=peer,
            message_id=message_id,
        )
    return issued_at


def open_package(
    token: bytes | str, *, now: datetime | None = None, own: list[NodeKey] | None = None
) -> Opened:
    """Decrypt, verify and check a package. Raises ``PackageRejected``; replay and size are
    the inbox's to decide. ``own``: this node's ``keys.published(now)``, when the caller read
    them already (else they are read here)."""
    now = now or clock.now()
    inner = _decrypt(token, now, own)
    inner_header, unverified, unverified_bytes = _unverified(inner)
    claimed_id = _uuid(unverified.get("jti"))
    peer = _sender(unverified.get("iss"), claimed_id)
    payload_bytes = _verify(inner, peer=peer, use_header=inner_header, message_id=claimed_id)
    # The signature covers exactly the bytes read above: parsed once (20 KB and more), unless
    # the verifier's payload differs in any byte (then it alone is read).
    payload = (
        unverified
        if payload_bytes == unverified_bytes
        else _json(payload_bytes, "The signed content", peer=peer, message_id=claimed_id)
    )
    # The envelope's schema asks of the body only that it is an object: checked without it
    # (the body's own schema, checked next, reads all of it).
    body_free = {**payload, "body": {}} if isinstance(payload.get("body"), dict) else payload
    problems = schema_errors("package", body_free)
    if problems:
        raise PackageRejected(
            "schema_invalid", "; ".join(problems), peer=peer, message_id=claimed_id
        )
    message_id = uuid.UUID(payload["jti"])
    if payload["aud"] != node_id():
        raise PackageRejected(
            "wrong_audience",
            "The package is addressed to another node.",
            peer=peer,
            message_id=message_id,
        )
    issued_at = _issued_at(payload, now, peer, message_id)
    body_problems = schema_errors(payload["type"], payload["body"])
    if body_problems:
        raise PackageRejected(
            "schema_invalid", "; ".join(body_problems), peer=peer, message_id=message_id
        )
    order = {name: payload[name] for name in ("seq", "prev") if name in payload}
    return Opened(
        peer=peer,
        message_id=message_id,
        type=payload["type"],
        body=payload["body"],
        issued_at=issued_at,
        digest=digest(
            message_id=message_id,
            sender=payload["iss"],
            receiver=payload["aud"],
            type=payload["type"],
            body=payload["body"],
            order=order,
        ),
        signed=inner.decode("ascii", "replace"),
        sequence=order.get("seq"),
        previous_id=uuid.UUID(order["prev"]) if "prev" in order else None,
    )


# --- receipts -------------------------------------------------------------------------------


def sign_receipt(
    *,
    peer: Peer,
    message_id: uuid.UUID,
    status: str,
    now: datetime | None = None,
    own: list[NodeKey] | None = None,
) -> str:
    """This node's signed receipt for a package ``peer`` sent: status "stored" or "duplicate".
    ``own``: as for :func:`open_package`."""
    if status not in RECEIPT_STATUSES:
        raise ValueError(f"Unknown receipt status {status!r}.")
    now = now or clock.now()
    kid, key = _own_signing_key(peer, own=own)
    claims = {
        "jti": str(message_id),
        "iss": node_id(),
        "aud": peer.node_id,
        "received_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "status": status,
    }
    return jws.serialize_compact(
        {"alg": SIGNING_ALG, "kid": kid, "typ": RECEIPT_TYP},
        canonical(claims),
        key,
        registry=_jws_registry(),
    )


def verify_receipt(*, peer: Peer, token: str, message_id: uuid.UUID) -> dict[str, Any]:
    """The claims of ``peer``'s receipt for ``message_id``; ``PackageRejected`` if the receipt
    is not signed by the peer, not for this node, or not for this message."""
    text = token.strip() if isinstance(token, str) else ""
    parts = text.split(".")
    if len(parts) != 3:
        raise PackageRejected("malformed", "The receipt is not a JWS compact token.", peer=peer)
    header = _b64_json(parts[0])
    if header.get("typ") != RECEIPT_TYP:
        raise PackageRejected("malformed", "The answer is not an OpenTRM receipt.", peer=peer)
    payload = _verify(text.encode("ascii"), peer=peer, use_header=header, message_id=message_id)
    try:
        claims = json.loads(payload)
    except ValueError:
        raise PackageRejected("malformed", "The receipt is not JSON.", peer=peer) from None
    if not isinstance(claims, dict):
        raise PackageRejected("malformed", "The receipt is not a JSON object.", peer=peer)
    if claims.get("iss") != peer.node_id or claims.get("aud") != node_id():
        raise PackageRejected(
            "wrong_audience", "The receipt is not from the peer to this node.", peer=peer
        )
    if claims.get("jti") != str(message_id):
        raise PackageRejected(
            "malformed", "The receipt is for another message.", peer=peer, message_id=message_id
        )
    if claims.get("status") not in RECEIPT_STATUSES:
        raise PackageRejected("malformed", "The receipt has an unknown status.", peer=peer)
    return claims


def own_keys() -> list[NodeKey]:
    """This node's published keys (for pages and commands)."""
    return list(keys.published())
