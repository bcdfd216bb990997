"""This node's key pairs (docs/exchange.md, "Keys and rotation").

Each node has one active signing key (EC P-256, ES256) and one active encryption key (EC P-256,
ECDH-ES+A256KW). The private halves are JWK files in ``OPENTRM_KEY_DIR`` (directory 0700, files
0600), never in the database; the public halves are ``NodeKey`` rows. A key's id (``kid``) is
its RFC 7638 thumbprint. After a rotation the old keys stay published and accepted until
``retire_after`` (now + ``OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS``), then they vanish from the JWKS.
"""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from joserfc.jwk import ECKey

from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange.models import KeyUse, NodeKey

SIGNING_ALG = "ES256"
KEY_WRAP_ALG = "ECDH-ES+A256KW"
CONTENT_ENC = "A256GCM"
CURVE = "P-256"
_ALG_OF_USE = {KeyUse.SIGNING: SIGNING_ALG, KeyUse.ENCRYPTION: KEY_WRAP_ALG}


class NodeNotInitialised(Exception):  # noqa: N818
    """This node has no active keys yet: run ``opentrm init_node``."""


class NodeAlreadyInitialised(Exception):  # noqa: N818
    """``init_node`` without ``--rotate`` on a node that has keys."""


def blocks(thumbprint: str) -> str:
    """A thumbprint as a human reads it out: blocks of four characters."""
    return " ".join(thumbprint[i : i + 4] for i in range(0, len(thumbprint), 4))


FINGERPRINT_CHARS = 32  # base32 characters: 160 bits of a SHA-256
_LOOK_ALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})  # not in the base32 alphabet


def human_fingerprint(signing_kid: str, encryption_kid: str) -> str:
    """A node's fingerprint to read out and type back: the SHA-256 of its signing and its
    encryption key's thumbprints, the first 160 bits in base32 (A-Z, 2-7), in 8 groups of 4."""
    digest = hashlib.sha256(f"{signing_kid}.{encryption_kid}".encode("ascii")).digest()
    text = base64.b32encode(digest).decode("ascii")[:FINGERPRINT_CHARS]
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalised_fingerprint(value: str) -> str:
    """As typed from what was heard: spaces, dashes, slashes and letter case do not matter, and
    0, 1, 8 are read as O, I, B."""
    return "".join(ch for ch in value.upper() if ch.isascii() and ch.isalnum()).translate(
        _LOOK_ALIKE
    )


def same_fingerprint(typed: str, expected: str) -> bool:
    """Whether ``typed`` is ``expected`` (compared in constant time; never an empty match)."""
    a, b = normalised_fingerprint(typed), normalised_fingerprint(expected)
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def key_dir() -> Path:
    return Path(settings.OPENTRM_KEY_DIR)


def _ensure_key_dir() -> Path:
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    return directory


def _key_file(kid: str) -> Path:
    return key_dir() / f"{kid}.jwk.json"


def _write_private(key: ECKey, *, kid: str, use: str) -> None:
    path = _ensure_key_dir() / f"{kid}.jwk.json"
    document = key.as_dict(private=True, kid=kid, use=use, alg=_ALG_OF_USE[KeyUse(use)])
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    path.chmod(0o600)


@lru_cache(maxsize=32)
def _load_private(path: str, modified: float) -> ECKey:
    with open(path, encoding="utf-8") as handle:
        return ECKey.import_key(json.load(handle))


def private_key(kid: str) -> ECKey:
    """The private key ``kid`` from its file (cached; FileNotFoundError if it is missing)."""
    path = _key_file(kid)
    return _load_private(str(path), path.stat().st_mtime)


def published(now: datetime | None = None) -> QuerySet[NodeKey]:
    """The keys peers may still use: active ones, and rotated ones until ``retire_after``.
    Active keys come first (a peer takes the first key of each use as the current one)."""
    now = now or timezone.now()
    return (
        NodeKey.objects.filter(Q(retire_after__isnull=True) | Q(retire_after__gt=now))
        .filter(revoked_at__isnull=True)
        .order_by("-active", "use", "-created_at", "-id")
    )


def active_key(use: KeyUse) -> NodeKey:
    key = NodeKey.objects.filter(use=use, active=True).order_by("-created_at", "-id").first()
    if key is None:
        raise NodeNotInitialised("This node has no keys yet: run `opentrm init_node`.")
    return key


def signing_key_for(
    peer: Any, *, announcing: bool = False, own: list[NodeKey] | None = None
) -> NodeKey:
    """The signing key to use towards ``peer`` (a package or a receipt): the one it is known to
    hold (``Peer.our_signing_kid``, set when it receipted this node's key announcement), while
    that key is still published; else the active one. A key announcement that revokes the only
    key the peer holds is signed by that key itself (``announcing``): a self-revocation.
    ``own``: this node's ``published()`` keys read earlier in the same request (the inbox reads
    them once for the package and its receipt), so they are not read again."""
    kid = str(getattr(peer, "our_signing_kid", "") or "")
    if own is not None and not announcing:
        held = [row for row in own if row.use == KeyUse.SIGNING and row.kid == kid] if kid else []
        active = [row for row in own if row.use == KeyUse.SIGNING and row.active]
        for mine in held:
            if _key_file(mine.kid).exists():
                return mine
        if active:  # published() lists the active keys first, the newest first
            return active[0]
        return active_key(KeyUse.SIGNING)
    if kid:
        rows = NodeKey.objects if announcing else published()
        row = rows.filter(kid=kid, use=KeyUse.SIGNING).first()
        if row is not None and _key_file(row.kid).exists():
            return row
    return active_key(KeyUse.SIGNING)


def peer_key_refusal(peer: Any, kid: str, now: datetime) -> str:
    """Why ``peer``'s key ``kid`` may not be used any more: "revoked_key", "expired_key", or ""
    when it may (the peer announced it revoked, or retired until a moment now past)."""
    if kid in (peer.revoked_kids or []):
        return "revoked_key"
    until = (peer.key_expiry or {}).get(kid)
    if isinstance(until, str):
        try:
            expiry = datetime.fromisoformat(until)
        except ValueError:
            return "expired_key"
        if expiry <= now:
            return "expired_key"
    return ""


def public_jwk(key: NodeKey) -> dict[str, Any]:
    return dict(key.public_jwk)


@dataclass(frozen=True)
class InitResult:
    created: list[NodeKey]
    retired: list[NodeKey]


def _new_key(use: KeyUse) -> NodeKey:
    key = ECKey.generate_key(CURVE, private=True)
    kid = key.thumbprint()
    _write_private(key, kid=kid, use=use.value)
    public = key.as_dict(private=False, kid=kid, use=use.value, alg=_ALG_OF_USE[use])
    return NodeKey.objects.create(
        kid=kid, use=use.value, public_jwk=public, fingerprint=blocks(kid), active=True
    )


@transaction.atomic
def init_node(*, rotate: bool = False, now: datetime | None = None) -> InitResult:
    """Generate the signing and encryption key pairs. Refuses when keys exist, unless
    ``rotate``: then the new pair becomes active and the old one stays published and accepted
    for ``OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS``."""
    now = now or timezone.now()
    current = list(NodeKey.objects.select_for_update().filter(active=True))
    if current and not rotate:
        raise NodeAlreadyInitialised("This node has keys already; use --rotate to replace them.")
    retire_after = now + timedelta(days=settings.OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS)
    for old in current:
        old.active = False
        old.retire_after = retire_after
        old.save(update_fields=["active", "retire_after", "updated_at"])
    created = [_new_key(KeyUse.SIGNING), _new_key(KeyUse.ENCRYPTION)]
    record_event(
        event_type=EventType.EXCHANGE_KEY_ROTATED,
        actor=None,
        target_type="exchange.nodekey",
        target_id=created[0].kid,
        detail={
            "node_id": settings.OPENTRM_NODE_ID,
            "new_kids": [key.kid for key in created],
            "retired_kids": [key.kid for key in current],
            "retire_after": retire_after.isoformat() if current else None,
        },
    )
    return InitResult(created=created, retired=current)
