"""Sealed streams: AES-256-GCM in 1 MiB chunks, with a key kept in a file outside the database.

The layout follows the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), as age
and Tink's streaming AEAD do: each chunk has its own nonce made of a random per-stream prefix,
the chunk's counter and a flag for the last chunk. Every chunk is authenticated together with
the stream's header, so a chunk that is changed, dropped, repeated, reordered or moved from
another stream fails, and so does a stream cut off before its last chunk.

    header  = MAGIC (16 bytes) | key id (8) | nonce prefix (7)
    chunk   = length of the ciphertext (4, big-endian) | ciphertext with its 16-byte tag
    nonce   = nonce prefix (7) | counter (4, big-endian) | 1 for the last chunk, else 0 (1)
"""

import base64
import hashlib
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from opentrm.core.keyring import KEY_BYTES, SealError

__all__ = ["KEY_BYTES", "SealError", "SealedReader", "SealedWriter"]

CHUNK_BYTES = 1024 * 1024
_PREFIX_BYTES = 7
_KEY_ID_BYTES = 8
_TAG_BYTES = 16
_LENGTH = struct.Struct(">I")


# --- key files --------------------------------------------------------------------------------


def key_id(key: bytes) -> bytes:
    """A short, public fingerprint of a key, so the wrong key is named rather than guessed at."""
    return hashlib.sha256(b"opentrm-key-id\x00" + key).digest()[:_KEY_ID_BYTES]


def write_key_file(path: Path) -> bytes:
    """Create a new random key in ``path`` (mode 0600, directory 0700); never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    encoded = base64.urlsafe_b64encode(key).decode("ascii") + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(encoded)
    return key


def read_key_file(path: Path) -> bytes:
    """The key in ``path``; a clear error for a missing, unreadable or malformed file."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as missing:
        raise SealError(f"the key file {path} does not exist") from missing
    except (OSError, UnicodeDecodeError) as unreadable:
        raise SealError(f"the key file {path} cannot be read") from unreadable
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as malformed:
        raise SealError(f"the key file {path} does not hold a key") from malformed
    if len(key) != KEY_BYTES:
        raise SealError(f"the key file {path} does not hold a 256-bit key")
    return key


# --- streams ----------------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int, *, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only file object that seals what is written to ``target``; ``close()`` ends it."""

    def __init__(self, target: BinaryIO, key: bytes, *, magic: bytes) -> None:
        if len(magic) != 16:
            raise ValueError("magic must be 16 bytes")
        self._target = target
        self._aead = AESGCM(key)
        self._prefix = secrets.token_bytes(_PREFIX_BYTES)
        self._header = magic + key_id(key) + self._prefix
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False
        target.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed sealed stream")
        self._buffer.extend(data)
        # Keep at least one byte back: the last chunk is sealed as last on close().
        while len(self._buffer) > CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        if self.closed:
            return
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self.closed = True
        self._target.flush()

    def _emit(self, plain: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise ValueError("sealed stream too long")
        sealed = self._aead.encrypt(
            _nonce(self._prefix, self._counter, last=last), plain, self._header
        )
        self._target.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1


class SealedReader:
    """A read-only file object over a sealed stream; raises SealError on any fault."""

    def __init__(self, source: BinaryIO, key: bytes, *, magic: bytes) -> None:
        header = source.read(len(magic) + _KEY_ID_BYTES + _PREFIX_BYTES)
        if len(header) < len(magic) + _KEY_ID_BYTES + _PREFIX_BYTES or not header.startswith(magic):
            raise SealError("this is not an OpenTRM archive of this kind")
        if header[len(magic) : len(magic) + _KEY_ID_BYTES] != key_id(key):
            raise SealError("the archive was sealed with another key")
        self._source = source
        self._aead = AESGCM(key)
        self._header = header
        self._prefix = header[-_PREFIX_BYTES:]
        self._counter = 0
        self._plain = bytearray()
        self._ended = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._ended and (size < 0 or len(self._plain) < size):
            self._open_next_chunk()
        if size < 0:
            size = len(self._plain)
        data = bytes(self._plain[:size])
        del self._plain[:size]
        return data

    def close(self) -> None:
        self._plain.clear()

    def _open_next_chunk(self) -> None:
        length_bytes = self._source.read(_LENGTH.size)
        if len(length_bytes) < _LENGTH.size:
            raise SealError("the archive is cut off (its last part is missing)")
        (length,) = _LENGTH.unpack(length_bytes)
        if length < _TAG_BYTES or length > CHUNK_BYTES + _TAG_BYTES:
            raise SealError("the archive is damaged")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise SealError("the archive is cut off (its last part is missing)")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, last=last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._plain.extend(plain)
            self._counter += 1
            if last:
                if self._source.read(1):
                    raise SealError("the archive has data after its end")
                self._ended = True
            return
        raise SealError("the archive is damaged or was altered")
