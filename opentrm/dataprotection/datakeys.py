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

import io
import secrets
import struct

from opentrm.core.keyring import (
    NONCE_BYTES,
    WRAPPED_BYTES,
    KeyRing,
    add_key,
    key_ring_path,
    load_ring,
    save_ring,
    unwrap_key,
    wrap_key,
)
from opentrm.dataprotection.sealing import KEY_BYTES, SealedReader, SealedWriter, SealError

__all__ = ["KeyRing", "add_key", "key_ring_path", "load_ring", "save_ring"]

FILE_MAGIC = b"OPENTRM-FILE\x00\x00\x00\x01"
CONTENT_MAGIC = b"OPENTRM-DATA\x00\x00\x00\x01"
_LABEL = b"opentrm-dek:"


# --- files ------------------------------------------------------------------------------------


def _wrap(ring: KeyRing, kid: str, dek: bytes) -> bytes:
    wrapped = wrap_key(ring, kid, dek, label=_LABEL)
    encoded_kid = kid.encode("ascii")
    return FILE_MAGIC + struct.pack("B", len(encoded_kid)) + encoded_kid + wrapped


def is_sealed(data: bytes) -> bool:
    return data.startswith(FILE_MAGIC)


def _header(data: bytes) -> tuple[str, bytes, int]:
    """(kid, nonce and wrapped DEK, offset of the content)."""
    if not is_sealed(data) or len(data) < len(FILE_MAGIC) + 1:
        raise SealError("not an encrypted file")
    at = len(FILE_MAGIC)
    length = data[at]
    at += 1
    kid = data[at : at + length].decode("ascii")
    at += length
    end = at + NONCE_BYTES + WRAPPED_BYTES
    return kid, data[at:end], end


def _unwrap(ring: KeyRing, data: bytes) -> tuple[bytes, int, str]:
    kid, wrapped, offset = _header(data)
    return unwrap_key(ring, kid, wrapped, label=_LABEL), offset, kid


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
