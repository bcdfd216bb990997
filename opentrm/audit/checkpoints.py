"""Signed checkpoints of the audit chain head, kept outside the database (docs/audit.md).

A checkpoint is a JWS compact over ``{"v", "node", "sequence", "hash", "count", "created_at"}``:
the newest event's sequence number and hash, the number of events, and when it was taken. It
is one file per checkpoint in ``OPENTRM_AUDIT_CHECKPOINT_DIR``, outside the database, so
someone who rewrites the audit table (and its head row) cannot rewrite the anchor as well.

It is signed with the node's signing key (ES256), which lives in the exchange app. The audit app
imports no domain app (ADR 0002), so the exchange app registers a :class:`NodeSigningKeys`
provider at start-up (``register_node_keys``). A node that has no keys yet signs with an HMAC
key of its own (HS256, ``audit-checkpoint-hmac.jwk.json`` in ``OPENTRM_KEY_DIR``); ADR 0004.
"""

import base64
import binascii
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, OKPKey
from joserfc.jws import JWSRegistry

from opentrm.audit.chain import GENESIS_HASH
from opentrm.audit.models import AuditChainHead, AuditEvent

FORMAT_VERSION = 1
CHECKPOINT_TYP = "opentrm-audit-checkpoint+jws"
SUFFIX = ".jws"
HMAC_KEY_FILE = "audit-checkpoint-hmac.jwk.json"
HMAC_ALG = "HS256"
_ALG_OF_KEY: dict[type, str] = {ECKey: "ES256", OKPKey: "EdDSA", OctKey: HMAC_ALG}
MAX_FILE_BYTES = 8192  # a checkpoint is about 500 bytes; anything larger is not one of ours

SigningKey = ECKey | OKPKey | OctKey


class NodeSigningKeys(Protocol):
    """The node's signing keys, as the exchange app provides them (``opentrm init_node``)."""

    def current(self) -> tuple[str, ECKey | OKPKey] | None:
        """The active signing key's id and private key; None while the node has no keys."""

    def verification_key(self, kid: str) -> ECKey | OKPKey | None:
        """The node's signing key ``kid`` (active or rotated) to verify with; None if unknown."""


_node_keys: NodeSigningKeys | None = None


def register_node_keys(provider: NodeSigningKeys | None) -> None:
    """Called from the exchange app's ``ready()``; None unregisters (tests)."""
    global _node_keys
    _node_keys = provider


def node_keys() -> NodeSigningKeys | None:
    return _node_keys


class CheckpointRefused(Exception):  # noqa: N818
    """The chain head does not match the table: anchoring it would sign a broken chain."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str
    count: int
    created_at: datetime
    node: str
    kid: str
    alg: str
    path: Path

    @property
    def label(self) -> str:
        return (
            f"{self.path.name} ({self.created_at.isoformat(timespec='seconds')}, #{self.sequence})"
        )


@dataclass(frozen=True)
class BadCheckpoint:
    """A checkpoint file that cannot be trusted: ``reason`` says why."""

    path: Path
    reason: str


def checkpoint_dir() -> Path:
    return Path(settings.OPENTRM_AUDIT_CHECKPOINT_DIR)


# --- keys -------------------------------------------------------------------------------------


def _hmac_key_path() -> Path:
    return Path(settings.OPENTRM_KEY_DIR) / HMAC_KEY_FILE


def _load_hmac_key() -> OctKey | None:
    path = _hmac_key_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return OctKey.import_key(document)


def _hmac_key(*, create: bool) -> OctKey | None:
    """The node's checkpoint HMAC key (256 bits, a JWK file 0600 in a 0700 directory)."""
    key = _load_hmac_key()
    if key is not None or not create:
        return key
    path = _hmac_key_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = OctKey.generate_key(256)
    document = key.as_dict(private=True, kid=key.thumbprint(), alg=HMAC_ALG)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # written by a concurrent run: use that one
        return _load_hmac_key()
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    return key


def _signing_key() -> tuple[str, SigningKey]:
    provider = _node_keys
    current = provider.current() if provider is not None else None
    if current is not None:
        return current
    key = _hmac_key(create=True)
    assert key is not None
    return key.thumbprint(), key


def _verification_key(alg: str, kid: str) -> SigningKey | None:
    if alg == HMAC_ALG:
        key = _hmac_key(create=False)
        return key if key is not None and key.thumbprint() == kid else None
    provider = _node_keys
    return provider.verification_key(kid) if provider is not None else None


def _registry(alg: str) -> JWSRegistry:
    registry = JWSRegistry(algorithms=[alg])
    registry.max_payload_length = MAX_FILE_BYTES
    return registry


# --- writing ----------------------------------------------------------------------------------


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")


def checkpoint_write(
    *, directory: Path | None = None, force: bool = False, now: datetime | None = None
) -> Checkpoint:
    """Sign the chain head as it is now and write it to a new file in ``directory``.

    Refuses (``CheckpointRefused``) when the head row, the newest event and the number of
    events disagree, unless ``force``: a checkpoint must not vouch for a chain already cut.
    """
    directory = directory or checkpoint_dir()
    now = now or timezone.now()
    with transaction.atomic():
        # Locking the head row holds back appends, so sequence, hash and count belong together.
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        newest = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        count = AuditEvent.objects.count()
    sequence, hash_ = newest if newest is not None else (0, GENESIS_HASH)
    if not force:
        if head is None and count:
            raise CheckpointRefused("The chain head row is missing.")
        if head is not None and (head.last_sequence, head.last_hash) != (sequence, hash_):
            raise CheckpointRefused(
                f"The chain head (#{head.last_sequence}) does not match the newest event "
                f"(#{sequence})."
            )
        if count != sequence:
            raise CheckpointRefused(f"{sequence - count} events are missing from the chain.")
    kid, key = _signing_key()
    alg = _ALG_OF_KEY[type(key)]
    created_at = now.astimezone(UTC)
    node = str(settings.OPENTRM_NODE_ID)
    claims = {
        "v": FORMAT_VERSION,
        "node": node,
        "sequence": sequence,
        "hash": hash_,
        "count": count,
        "created_at": created_at.isoformat(timespec="microseconds"),
    }
    token = jws.serialize_compact(
        {"alg": alg, "kid": kid, "typ": CHECKPOINT_TYP},
        _canonical(claims),
        key,
        registry=_registry(alg),
    )
    path = _write_file(directory, f"{created_at:%Y%m%dT%H%M%S%fZ}-{sequence:012d}{SUFFIX}", token)
    return Checkpoint(
        sequence=sequence,
        hash=hash_,
        count=count,
        created_at=created_at,
        node=node,
        kid=kid,
        alg=alg,
        path=path,
    )


def _write_file(directory: Path, name: str, token: str) -> Path:
    """Write atomically (a temporary file renamed into place), never over an existing file."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.link(temporary, path)  # fails if ``path`` exists, unlike a rename
    finally:
        os.unlink(temporary)
    return path


# --- reading ----------------------------------------------------------------------------------


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


class _RefusedError(Exception):
    """A checkpoint file found faulty, with what is wrong with it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_checkpoint(path: Path) -> Checkpoint | BadCheckpoint:
    """Verify one checkpoint file: its signature, then the shape of what it says."""
    try:
        return _verified(path)
    except _RefusedError as refused:
        return BadCheckpoint(path, refused.reason)


def _verified(path: Path) -> Checkpoint:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        token = raw.decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise _RefusedError("cannot be read") from None
    parts = token.split(".")
    if len(raw) > MAX_FILE_BYTES or len(parts) != 3:
        raise _RefusedError("is not a signed checkpoint")
    try:
        header = _b64_json(parts[0])
    except (ValueError, binascii.Error):
        raise _RefusedError("is not a signed checkpoint") from None
    if not isinstance(header, dict) or header.get("typ") != CHECKPOINT_TYP:
        raise _RefusedError("is not a signed checkpoint")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str) or alg not in _ALG_OF_KEY.values() or not isinstance(kid, str):
        raise _RefusedError("is signed with an algorithm checkpoints do not use")
    key = _verification_key(alg, kid)
    if key is None:
        raise _RefusedError(f"is signed with a key this node does not hold ({kid})")
    try:
        payload = jws.deserialize_compact(token, key, registry=_registry(alg)).payload
        claims = json.loads(payload)
        checkpoint = Checkpoint(
            sequence=_int(claims["sequence"]),
            hash=_str(claims["hash"]),
            count=_int(claims["count"]),
            created_at=datetime.fromisoformat(_str(claims["created_at"])),
            node=_str(claims["node"]),
            kid=kid,
            alg=alg,
            path=path,
        )
    except JoseError:
        raise _RefusedError("has a signature that does not verify (altered or forged)") from None
    except (ValueError, KeyError, TypeError):
        raise _RefusedError("is signed but does not say what a checkpoint says") from None
    if claims.get("v") != FORMAT_VERSION or checkpoint.created_at.tzinfo is None:
        raise _RefusedError("is signed but does not say what a checkpoint says")
    return checkpoint


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError("not a non-negative integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def read_checkpoints(directory: Path | None = None) -> tuple[list[Checkpoint], list[BadCheckpoint]]:
    """Every checkpoint in ``directory``, oldest first, and the files that failed."""
    directory = directory or checkpoint_dir()
    if not directory.is_dir():
        return [], []
    good: list[Checkpoint] = []
    bad: list[BadCheckpoint] = []
    for path in sorted(directory.glob(f"*{SUFFIX}")):
        result = read_checkpoint(path)
        if isinstance(result, Checkpoint):
            good.append(result)
        else:
            bad.append(result)
    good.sort(key=lambda checkpoint: (checkpoint.created_at, checkpoint.sequence))
    return good, bad
