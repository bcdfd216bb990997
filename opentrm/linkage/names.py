"""The normalised form of a name that the privacy-preserving check encodes (docs/matching.md).

This is a deliberately small normaliser so that this app stands on its own; the lead will
switch :func:`normalised_name_tokens` to ``opentrm.matching``'s normaliser after the merge, so
that the candidate search and the check between nodes agree on one normal form. Both nodes of a
check must use the same normaliser (and the same key), or their encodings do not meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import cyrtranslit

# Letters that Unicode decomposition does not fold to ASCII.
_FOLD = str.maketrans(
    {
        "đ": "dj",
        "ð": "d",
        "ħ": "h",
        "\u0131": "i",
        "ł": "l",
        "ø": "o",
        "œ": "oe",
        "æ": "ae",
        "ß": "ss",
        "þ": "th",
    }
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_GREEK = re.compile(r"[\u0370-\u03ff]")
_WORD = re.compile(r"[a-z]+")
# cyrtranslit's language codes for the languages a name may be entered in.
_TRANSLIT = {"sr": "sr", "mk": "mk", "bg": "bg", "ru": "ru", "uk": "ua", "be": "by", "el": "el"}


def _transliterate(text: str, language: str) -> str:
    if _CYRILLIC.search(text):
        return str(cyrtranslit.to_latin(text, _TRANSLIT.get(language, "sr")))
    if _GREEK.search(text):
        return str(cyrtranslit.to_latin(text, "el"))
    return text


def normalised_name_tokens(names: Iterable[str], *, language: str = "") -> list[str]:
    """The words of ``names`` in one Latin form, sorted and without repeats.

    Cyrillic is transliterated with the national table of ``language`` (Serbian when none is
    given: Ђ -> Đ, then Đ -> dj), Greek with the Greek table; diacritics are dropped (NFKD),
    the few letters that do not decompose are spelled out (đ -> dj, ł -> l, ß -> ss), and
    everything is lower case. Sorting makes swapped given and family names agree.
    """
    words: set[str] = set()
    for name in names:
        latin = _transliterate(name, language.lower()[:2])
        folded = unicodedata.normalize("NFKD", latin.lower().translate(_FOLD))
        ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch))
        words.update(_WORD.findall(ascii_only.translate(_FOLD)))
    return sorted(words)
