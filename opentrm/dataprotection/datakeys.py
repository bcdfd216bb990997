"""Envelope encryption of files at rest (issue 17 §4): each file has its own random data key
(DEK); the DEK is stored beside the content, wrapped (AES-256-GCM) by a key-encryption key
(KEK) kept in a key ring file outside the database and outside MEDIA_ROOT
(``OPENTRM_DATA_KEYS_FILE``, default ``OPENTRM_KEY_DIR/data-keys.json``, 0600).

Rotating the KEK (``opentrm rotate_data_keys``) rewraps every DEK under a new KEK and rewrites
only the files' headers' wrapped keys; the content stays sealed under its DEK. A stolen disk
image or database dump without the key ring reveals no document.

    file   = FILE_MAGIC (16) | len(kid) (1) | kid | wrap nonce (12) | wrapped DEK (48)
             | the content, sealed with the DEK (sealing.py, CONTENT_MAGIC)
"""

import base64
import io
import json
import os
import secrets
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from opentrm.dataprotection.sealing import KEY_BYTES, SealedReader, SealedWriter, SealError

FILE_MAGIC = b"OPENTRM-FILE\x00\x00\x00\x01"
CONTENT_MAGIC = b"OPENTRM-DATA\x00\x00\x00\x01"
_NONCE = 12
_WRAPPED = KEY_BYTES + 16


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


def _read_ring(path: Path) -> KeyRing:
    document = json.loads(path.read_text(encoding="utf-8"))
    return KeyRing(
        active=str(document["active"]),
        keys={
            kid: base64.urlsafe_b64decode(value.encode()) for kid, value in document["keys"].items()
        },
    )


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


# --- files ------------------------------------------------------------------------------------


def _wrap(ring: KeyRing, kid: str, dek: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    wrapped = AESGCM(ring.kek(kid)).encrypt(nonce, dek, b"opentrm-dek:" + kid.encode())
    encoded_kid = kid.encode("ascii")
    return FILE_MAGIC + struct.pack("B", len(encoded_kid)) + encoded_kid + nonce + wrapped


def is_sealed(data: bytes) -> bool:
    return data.startswith(FILE_MAGIC)


def _header(data: bytes) -> tuple[str, bytes, bytes, int]:
    """(kid, nonce, wrapped DEK, offset of the content)."""
    if not is_sealed(data) or len(data) < len(FILE_MAGIC) + 1:
        raise SealError("not an encrypted file")
    at = len(FILE_MAGIC)
    length = data[at]
    at += 1
    kid = data[at : at + length].decode("ascii")
    at += length
    nonce, wrapped = data[at : at + _NONCE], data[at + _NONCE : at + _NONCE + _WRAPPED]
    return kid, nonce, wrapped, at + _NONCE + _WRAPPED


def _unwrap(ring: KeyRing, data: bytes) -> tuple[bytes, int, str]:
    kid, nonce, wrapped, offset = _header(data)
    try:
        dek = AESGCM(ring.kek(kid)).decrypt(nonce, wrapped, b"opentrm-dek:" + kid.encode())
    except InvalidTag as bad:
        raise SealError("the file's data key does not open: damaged or altered") from bad
    return dek, offset, kid


def seal(plain: bytes, ring: KeyRing | None = None) -> bytes:
    ring = ring or load_ring()
    dek = secrets.token_bytes(KEY_BYTES)
    out = io.BytesIO()
    out.write(_wrap(ring, ring.active, dek))
    writer = SealedWriter(out, dek, magic=CONTENT_MAGIC)
    writer.write(plain)
    writer.close()
    return out.getvalue()


def unseal(data: bytes, ring: KeyRing | None = None) -> bytes:
    """The content of a stored file; a file stored before encryption is returned as it is."""
    if not is_sealed(data):
        return data
    ring = ring or load_ring(create=False)
    dek, offset, _kid = _unwrap(ring, data)
    return SealedReader(io.BytesIO(data[offset:]), dek, magic=CONTENT_MAGIC).read()


def rewrap(data: bytes, ring: KeyRing) -> bytes | None:
    """The file with its DEK wrapped by the active KEK (a plaintext file: sealed); None if it
    is so already."""
    if not is_sealed(data):
        return seal(data, ring)
    dek, offset, kid = _unwrap(ring, data)
    if kid == ring.active:
        return None
    return _wrap(ring, ring.active, dek) + data[offset:]


def key_in_use(data: bytes) -> str | None:
    return _header(data)[0] if is_sealed(data) else None
