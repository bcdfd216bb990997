"""Cryptographic long-term keys (CLKs): keyed Bloom-filter encodings of a person (Schnell,
Bachteler and Reiher 2011), as ``clkhash`` makes them, for the check between nodes.

Each feature is cut into tokens (the bigrams of each name word; a birth-year band; the
citizenships); each token sets ``k`` bits of a 1024-bit filter chosen by double hashing with
two HMAC keys derived from the pair's shared secret: ``g_i(t) = (h1(t) + i * h2(t)) mod m``,
``h1 = HMAC-SHA256(key1, t)``, ``h2 = HMAC-SHA1(key2, t)`` (clkhash's ``doubleHash``). Two
encodings are compared by their Dice coefficient. Without the key nobody can tell which tokens
set which bits; the key is shared per pair of nodes (docs/matching-linkage.md, "Keys").

``clkhash`` itself pins ``cryptography<41`` and ``mypy_extensions<0.5``, which this project's
dependencies exclude, so the same standard encoding is written here on ``bitarray``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bitarray import bitarray

BITS = 1024
# Bits per token of each feature (clkhash's "num_bits" per field), chosen so that a name
# born years apart, or another person of the same year and citizenship, falls below THRESHOLD.
K_NAME = 15
K_YEAR = 50
K_CITIZENSHIP = 30
# The Dice coefficient at or above which two encodings are taken for the same person.
THRESHOLD = 0.8


@dataclass(frozen=True)
class PersonFeatures:
    """What is encoded of a person: never sent or stored as such."""

    name_tokens: Sequence[str]  # normalised words (``names.normalised_name_tokens``)
    birth_year: int | None
    citizenships: Sequence[str]  # ISO codes


def derive_keys(secret: bytes) -> tuple[bytes, bytes]:
    """Two independent HMAC keys from the pair's secret (HKDF-like, with SHA-256)."""
    first = hmac.new(secret, b"opentrm-clk-v1 key 1", hashlib.sha256).digest()
    second = hmac.new(secret, b"opentrm-clk-v1 key 2", hashlib.sha256).digest()
    return first, second


def bigrams(word: str) -> list[str]:
    """The bigrams of a word padded with a space at both ends (clkhash's default)."""
    padded = f" {word} "
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def year_band_tokens(year: int | None) -> list[str]:
    """The birth-year band: the year and both neighbours, so that years one apart share two
    tokens of three, two apart one, and three apart none (an estimated age is often off by
    one)."""
    if year is None:
        return []
    return [f"y{y}" for y in (year - 1, year, year + 1)]


def _set_bits(bits: bitarray, tokens: Iterable[str], k: int, keys: tuple[bytes, bytes]) -> None:
    for token in tokens:
        data = token.encode("utf-8")
        h1 = int.from_bytes(hmac.new(keys[0], data, hashlib.sha256).digest(), "big")
        h2 = int.from_bytes(hmac.new(keys[1], data, hashlib.sha1).digest(), "big")
        for i in range(k):
            bits[(h1 + i * h2) % BITS] = 1


def encode(person: PersonFeatures, secret: bytes) -> bitarray:
    """The person's CLK under ``secret``."""
    keys = derive_keys(secret)
    bits = bitarray(BITS)
    bits.setall(0)
    # Each feature is tagged, so a name bigram and a citizenship code never share tokens.
    names = [f"n:{gram}" for word in person.name_tokens for gram in bigrams(word)]
    _set_bits(bits, names, K_NAME, keys)
    _set_bits(bits, [f"b:{t}" for t in year_band_tokens(person.birth_year)], K_YEAR, keys)
    _set_bits(bits, [f"c:{code.upper()}" for code in person.citizenships], K_CITIZENSHIP, keys)
    return bits


def dice(first: bitarray, second: bitarray) -> float:
    """The Dice coefficient of two encodings: 2|A & B| / (|A| + |B|)."""
    total = first.count() + second.count()
    return 0.0 if total == 0 else 2 * (first & second).count() / total


def to_text(bits: bitarray) -> str:
    """Base64 of the filter's bytes, as a package carries it."""
    return base64.b64encode(bits.tobytes()).decode("ascii")


def from_text(text: str) -> bitarray:
    """The filter from ``to_text``; ValueError unless it is exactly ``BITS`` bits."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) * 8 != BITS:
        raise ValueError("wrong length")
    bits = bitarray()
    bits.frombytes(raw)
    return bits


def key_id(secret: bytes) -> str:
    """A short public name of a secret (both nodes compare it before comparing encodings)."""
    return hashlib.sha256(b"opentrm-clk-v1 key id" + secret).hexdigest()[:16]
