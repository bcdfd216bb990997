"""The normalised form of a name that the privacy-preserving check encodes (docs/matching.md).

The words come from the candidate search's normaliser (``opentrm.matching.normalise``), so the
search on this node and the check between nodes agree on one normal form: Cyrillic and Greek
in the national transliteration of the name's language, Latin diacritics folded. Both nodes of a
check must use the same normaliser (and the same key), or their encodings do not meet.
"""

from __future__ import annotations

from collections.abc import Iterable

from opentrm.matching.normalise import normalise_name


def normalised_name_tokens(names: Iterable[str], *, language: str = "") -> list[str]:
    """The words of ``names`` in one plain Latin form, sorted and without repeats.

    Cyrillic is read in ``language`` when it is given (Bulgarian Щ -> sht, Ukrainian Г -> h),
    else in the likeliest language of its letters (Serbian for Ђ: đ -> dj); the first reading
    counts, since the encoding has room for one. Sorting makes swapped given and family names
    agree.
    """
    words: set[str] = set()
    for name in names:
        readings = normalise_name(name, language=language.lower()[:2]).folded
        if readings:
            words.update(readings[0].split())
    return sorted(words)
