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
from importlib import resources
from typing import Any

from django.conf import settings
from joserfc import jwe, jws
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import ECKey, KeySet, OKPKey
from joserfc.jws import JWSRegistry
from jsonschema import Draft202012Validator

from opentrm.core.input import json_too_deep
from opentrm.exchange import clock, keys
from opentrm.exchange.keys import CONTENT_ENC, KEY_WRAP_ALG, SIGNING_ALG
from opentrm.exchange.models import KeyUse, MessageType, NodeKey, Peer, PeerStatus

PROTOCOL_VERSION = 1
PACKAGE_TYP = "opentrm-package+jws"
RECEIPT_TYP = "opentrm-receipt+jws"
RECEIPT_STATUSES = ("stored", "duplicate")
SIGNING_ALGS = ("ES256", "EdDSA")

STATUS_OF_CODE: dict[str, int] = {
    "too_large": 413,
    "malformed": 400,
    "unknown_key": 401,
    "unknown_sender": 401,
    "sender_suspended": 403,
    "bad_signature": 401,
    "decrypt_failed": 400,
    "wrong_audience": 400,
    "expired": 400,
    "replayed": 409,
    "schema_invalid": 422,
}


class PackageRejected(Exception):  # noqa: N818 - the name the protocol code uses
    """A package (or receipt) refused with one of the protocol's codes. ``message`` is plain
    English for the other node's administrator and never holds package content. ``peer`` and
    ``message_id`` are set when known, for the audit trail."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int | None = None,
        *,
        peer: Peer | None = None,
        message_id: uuid.UUID | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else STATUS_OF_CODE.get(code, 400)
        self.peer = peer
        self.message_id = message_id


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


# --- schemas ----------------------------------------------------------------------------------


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema of the protocol (``package`` or a message type), from
    opentrm/exchange/schemas/ (the files published in docs/exchange/)."""
    text = (
        resources.files("opentrm.exchange")
        .joinpath("schemas", f"{name}-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


@cache
def _fast_validator(name: str) -> Any:
    """The same schema compiled by ``jsonschema_rs`` when it is installed (dozens of times
    faster on a directory snapshot's packages); None otherwise. Only its yes/no is used: a
    package it finds invalid is checked again by ``jsonschema`` for the paths and rules."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the pure-Python validator alone is enough
        return None
    return jsonschema_rs.Draft202012Validator(schema(name), validate_formats=False)


def schema_errors(name: str, instance: Any) -> list[str]:
    """Where ``instance`` breaks the schema: JSON paths and the rule broken, never values."""
    fast = _fast_validator(name)
    try:
        if fast is not None and fast.is_valid(instance):
            return []
    except (ValueError, OverflowError):  # a value it cannot represent: the full check decides
        pass
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.validator} {_rule(e.validator_value)}" for e in errors[:5]]


def _rule(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, str | int | bool) or value is None else ""
    return text[:60]


# --- canonical form and digest ----------------------------------------------------------------


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(
    *, message_id: uuid.UUID, sender: str, receiver: str, type: str, body: dict[str, Any]
) -> str:
    """SHA-256 of the canonical payload without ``iat``: a package re-sealed for a retry (new
    ``iat``, same message) has the same digest, so the receiver answers "duplicate"."""
    payload = {
        "v": PROTOCOL_VERSION,
        "jti": str(message_id),
        "iss": sender,
        "aud": receiver,
        "type": type,
        "body": body,
    }
    return hashlib.sha256(canonical(payload)).hexdigest()


# --- sealing ------------------------------------------------------------------------------------


def _own_signing_key() -> tuple[str, ECKey]:
    try:
        key = keys.active_key(KeyUse.SIGNING)
    except keys.NodeNotInitialised as error:
        raise ExchangeNotReady(str(error)) from error
    return key.kid, keys.private_key(key.kid)


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
) -> str:
    """The package for ``peer``: signed with this node's active signing key, encrypted to the
    peer's current encryption key (the first of its JWKS). Raises ``PackageRejected``
    (schema_invalid) when ``body`` breaks its type's schema, ``ExchangeNotReady`` without keys.
    ``validate=False`` skips the schema check for a body checked already (the outbox checks
    every body when it is queued)."""
    now = now or clock.now()
    if type not in MessageType.values:
        raise PackageRejected("schema_invalid", f"Unknown message type {type!r}.")
    problems = schema_errors(type, body) if validate else []
    if problems:
        raise PackageRejected("schema_invalid", "; ".join(problems), message_id=message_id)
    encryption_jwk = _first_key_of_use(peer.public_jwks, KeyUse.ENCRYPTION)
    if encryption_jwk is None:
        raise ExchangeNotReady("The peer published no encryption key.")
    kid, signing_key = _own_signing_key()
    payload = {
        "v": PROTOCOL_VERSION,
        "jti": str(message_id),
        "iss": node_id(),
        "aud": peer.node_id,
        "iat": int(now.timestamp()),
        "type": type,
        "body": body,
    }
    return seal_payload(
        payload, signing_kid=kid, signing_key=signing_key, encryption_jwk=encryption_jwk
    )


# --- opening ------------------------------------------------------------------------------------


def _json(data: bytes, what: str, **known: Any) -> Any:
    """Parse JSON from a package, its nesting checked first (``MAX_JSON_DEPTH``): a deeply
    nested text costs the parser time and stack, and nobody has proven who sent it yet."""
    if json_too_deep(data):
        raise PackageRejected("malformed", f"{what} is nested too deeply.", **known)
    try:
        return json.loads(data)
    except (ValueError, UnicodeError, RecursionError):
        raise PackageRejected("malformed", f"{what} is not JSON.", **known) from None


def _b64_json(segment: str) -> dict[str, Any]:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        raise PackageRejected("malformed", "A header is not base64url-encoded JSON.") from None
    value = _json(decoded, "A header")
    if not isinstance(value, dict):
        raise PackageRejected("malformed", "A header is not a JSON object.")
    return value


STRING_HEADERS = ("alg", "enc", "kid", "typ", "cty", "zip", "apu", "apv", "iv", "tag")
JOSE_ERRORS = (
    JoseError,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
)


def _check_header(header: dict[str, Any], **known: Any) -> None:
    """Refuse a header whose registered fields have the wrong JSON type, or that asks for
    critical extensions (the protocol defines none), before a JOSE library reads it."""
    if "crit" in header:
        raise PackageRejected("malformed", "Critical header extensions are not supported.", **known)
    for name in STRING_HEADERS:
        if name in header and not isinstance(header[name], str):
            raise PackageRejected("malformed", f"The header field {name} is not a string.", **known)
    if "epk" in header and not isinstance(header["epk"], dict):
        raise PackageRejected("malformed", "The header field epk is not an object.", **known)


def _our_decryption_key(kid: Any, now: datetime) -> ECKey:
    if not isinstance(kid, str):
        raise PackageRejected("decrypt_failed", "The package names no encryption key.")
    row = keys.published(now).filter(kid=kid, use=KeyUse.ENCRYPTION).first()
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
    except BadSignatureError:
        raise PackageRejected(
            "bad_signature", "The signature does not verify.", peer=peer, message_id=message_id
        ) from None
    except JOSE_ERRORS:
        raise PackageRejected(
            "bad_signature", "The signature does not verify.", peer=peer, message_id=message_id
        ) from None
    return verified.payload


def _decrypt(token: bytes | str, now: datetime) -> bytes:
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
    private = _our_decryption_key(header.get("kid"), now)
    try:
        decrypted = jwe.decrypt_compact(text, private, registry=_jwe_registry())
    except JOSE_ERRORS:  # a JOSE library's complaint about hostile input, whatever its class
        raise PackageRejected("decrypt_failed", "The package could not be decrypted.") from None
    return decrypted.plaintext or b""


def _unverified(inner: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of the inner JWS before its signature is checked: only to learn who
    claims to have sent it (whose key verifies it)."""
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
    return inner_header, unverified


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


def open_package(token: bytes | str, *, now: datetime | None = None) -> Opened:
    """Decrypt, verify and check a package. Raises ``PackageRejected``; replay and size are
    the inbox's to decide."""
    now = now or clock.now()
    inner = _decrypt(token, now)
    inner_header, unverified = _unverified(inner)
    claimed_id = _uuid(unverified.get("jti"))
    peer = _sender(unverified.get("iss"), claimed_id)
    payload_bytes = _verify(inner, peer=peer, use_header=inner_header, message_id=claimed_id)
    payload = _json(payload_bytes, "The signed content", peer=peer, message_id=claimed_id)
    problems = schema_errors("package", payload)
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
        ),
        signed=inner.decode("ascii", "replace"),
    )


# --- receipts -------------------------------------------------------------------------------


def sign_receipt(
    *, peer: Peer, message_id: uuid.UUID, status: str, now: datetime | None = None
) -> str:
    """This node's signed receipt for a package ``peer`` sent: status "stored" or "duplicate"."""
    if status not in RECEIPT_STATUSES:
        raise ValueError(f"Unknown receipt status {status!r}.")
    now = now or clock.now()
    kid, key = _own_signing_key()
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
