"""The data key ring (issue 17 §4): key-encryption keys (KEKs) kept in a file outside the
database and outside MEDIA_ROOT (``OPENTRM_DATA_KEYS_FILE``, default
``OPENTRM_KEY_DIR/data-keys.json``, 0600 in a 0700 directory), one of them active.

Stored files (``dataprotection.datakeys``) and encrypted database fields (``core.encrypted``)
each have their own random data key (DEK), wrapped here with AES-256-GCM by the active KEK; the
KEK's id is stored beside the wrapped DEK. It lives in ``core`` so that the models of every app
can use it (docs/adr/0009-import-layers.md); ``opentrm rotate_data_keys`` adds and retires KEKs.
"""

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

KEY_BYTES = 32
NONCE_BYTES = 12
WRAPPED_BYTES = KEY_BYTES + 16


class SealError(Exception):
    """Sealed data cannot be opened: wrong key, not sealed, damaged or cut off."""


@dataclass
class KeyRing:
    active: str
    keys: dict[str, bytes]

    def kek(self, kid: str) -> bytes:
        try:
            return self.keys[kid]
        except KeyError as missing:
            raise SealError(
                f"data key {kid!r} is not in the key ring {key_ring_path()}: restore the key "
                "ring from its backup"
            ) from missing


def key_ring_path() -> Path:
    configured = getattr(settings, "OPENTRM_DATA_KEYS_FILE", None)
    return Path(configured or Path(settings.OPENTRM_KEY_DIR) / "data-keys.json")


def _write_partial(ring: KeyRing, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {
        "active": ring.active,
        "keys": {kid: base64.urlsafe_b64encode(key).decode() for kid, key in ring.keys.items()},
    }
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    return partial


# The ring as last read, by path and modification time: a page decrypting a hundred fields reads
# the file once; a rotation (a new file renamed into place) is seen at the next call.
_cache: dict[tuple[Path, int, int], KeyRing] = {}
_cache_lock = threading.Lock()


def _read_ring(path: Path) -> KeyRing:
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_ino)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return KeyRing(active=cached.active, keys=dict(cached.keys))
    document = json.loads(path.read_text(encoding="utf-8"))
    ring = KeyRing(
        active=str(document["active"]),
        keys={
            kid: base64.urlsafe_b64decode(value.encode()) for kid, value in document["keys"].items()
        },
    )
    with _cache_lock:
        _cache.clear()
        _cache[key] = KeyRing(active=ring.active, keys=dict(ring.keys))
    return ring


def load_ring(*, create: bool = True) -> KeyRing:
    """The key ring; a first one is made on first use (back it up with the other keys).

    Two processes (or threads) storing their first file at once must not each make a ring: the
    new ring is linked into place only if none is there yet, else the one there is used."""
    path = key_ring_path()
    if path.exists():
        return _read_ring(path)
    if not create:
        raise SealError(f"the data key ring {path} does not exist")
    ring = KeyRing(active="", keys={})
    add_key(ring)
    partial = _write_partial(ring, path)
    try:
        os.link(partial, path)
    except FileExistsError:
        return _read_ring(path)
    finally:
        partial.unlink()
    return ring


def add_key(ring: KeyRing) -> str:
    """A new random KEK, made the active one."""
    kid = f"k{len(ring.keys) + 1}-{secrets.token_hex(4)}"
    ring.keys[kid] = secrets.token_bytes(KEY_BYTES)
    ring.active = kid
    return kid


def save_ring(ring: KeyRing) -> None:
    """Replace the ring (by ``rotate_data_keys``, one operator at a time)."""
    path = key_ring_path()
    _write_partial(ring, path).replace(path)


def wrap_key(ring: KeyRing, kid: str, dek: bytes, *, label: bytes) -> bytes:
    """``nonce | DEK wrapped by the KEK kid``, bound to ``label`` (what it is a key of)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(ring.kek(kid)).encrypt(nonce, dek, label + kid.encode())


def unwrap_key(ring: KeyRing, kid: str, wrapped: bytes, *, label: bytes) -> bytes:
    nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES : NONCE_BYTES + WRAPPED_BYTES]
    try:
        return AESGCM(ring.kek(kid)).decrypt(nonce, sealed, label + kid.encode())
    except InvalidTag as bad:
        raise SealError("the data key does not open: damaged or altered") from bad
