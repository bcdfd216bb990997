"""Comparing two persons: blocking keys, a score and the reasons for it (no database here).

The score is a sum of evidence weights in the manner of Fellegi and Sunter: agreement on a
field adds, disagreement subtracts, a field missing on either side counts nothing. Weights and
the threshold are in docs/matching.md with the figures that chose them (bench/matching/).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import combinations
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.fuzz import token_set_ratio

from opentrm.matching.normalise import (
    fold,
    formal,
    language_of_countries,
    normalise_name,
    phonetic,
    skeleton,
)

THRESHOLD = 8.0  # a candidate at or above it is shown as a possible match
STRONG = 13.0  # "very likely the same person": e.g. two names and the date of birth agree
MAX_NAME_WORDS = 5
MAX_CANDIDATES = 60  # the persons sharing the most blocking keys with a query are scored
NAME_CAP = 10.0  # a third agreeing word adds little: compound names are common
YEAR_TOLERANCE = 2  # an estimated age: born within this many years of the estimate

_DOCUMENT = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True)
class PersonData:
    """What is known of a person to look for; any field may be missing."""

    names: tuple[str, ...] = ()
    sex: str = ""
    date_of_birth: date | None = None
    birth_year: int | None = None  # only the year is known
    estimated_age: int | None = None  # on ``age_on`` (today when not given)
    age_on: date | None = None
    citizenships: tuple[str, ...] = ()
    place_of_birth: str = ""
    documents: tuple[str, ...] = ()
    address: str = ""
    language: str = ""  # the Cyrillic language of the names when known (sr, mk, bg, ru, uk)


@dataclass(frozen=True)
class Prepared:
    """A person in normalised form: what the index stores and the scorer compares."""

    readings: tuple[tuple[str, ...], ...]  # per name and reading: its folded words
    entered: tuple[str, ...]  # the name each reading came from (for the explanation)
    sex: str
    dob: str  # ISO date or ""
    year_low: int | None
    year_high: int | None
    citizenships: frozenset[str]
    place: str
    documents: frozenset[str]
    address: str

    def to_json(self) -> dict[str, Any]:
        return {
            "r": [list(words) for words in self.readings],
            "e": list(self.entered),
            "s": self.sex,
            "d": self.dob,
            "y": [self.year_low, self.year_high],
            "c": sorted(self.citizenships),
            "p": self.place,
            "o": sorted(self.documents),
            "a": self.address,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Prepared":
        return cls(
            readings=tuple(tuple(words) for words in data["r"]),
            entered=tuple(data["e"]),
            sex=data["s"],
            dob=data["d"],
            year_low=data["y"][0],
            year_high=data["y"][1],
            citizenships=frozenset(data["c"]),
            place=data["p"],
            documents=frozenset(data["o"]),
            address=data["a"],
        )


def document_key(number: str) -> str:
    return _DOCUMENT.sub("", number.upper())


def _years(data: PersonData) -> tuple[int | None, int | None]:
    if data.date_of_birth is not None:
        return data.date_of_birth.year, data.date_of_birth.year
    if data.birth_year is not None:
        return data.birth_year, data.birth_year
    if data.estimated_age is not None:
        on = data.age_on or datetime.now(UTC).date()
        year = on.year - data.estimated_age
        return year - 1 - YEAR_TOLERANCE, year + YEAR_TOLERANCE
    return None, None


def prepare(data: PersonData) -> Prepared:
    language = data.language or language_of_countries(data.citizenships)
    readings: list[tuple[str, ...]] = []
    entered: list[str] = []
    for value in data.names:
        for folded in normalise_name(value, language=language).folded:
            words = tuple(folded.split()[:MAX_NAME_WORDS])
            if words and words not in readings:
                readings.append(words)
                entered.append(value)
    low, high = _years(data)
    sex = data.sex if data.sex in ("female", "male") else ""
    return Prepared(
        readings=tuple(readings),
        entered=tuple(entered),
        sex=sex,
        dob=data.date_of_birth.isoformat() if data.date_of_birth else "",
        year_low=low,
        year_high=high,
        citizenships=frozenset(code.upper() for code in data.citizenships if code),
        place=fold(data.place_of_birth),
        documents=frozenset(k for k in (document_key(n) for n in data.documents) if len(k) >= 4),
        address=fold(data.address),
    )


# --- blocking ----------------------------------------------------------------------------------


def _swapped(dob: str) -> str:
    year, month, day = dob.split("-")
    return f"{year}-{day}-{month}" if int(day) <= 12 and day != month else ""


def blocking_keys(person: Prepared) -> set[str]:
    """The keys under which the index files a person; two persons are compared only when they
    share one. Each key is narrow enough that a block stays small in a register of millions."""
    keys: set[str] = set()
    years: set[int] = set()
    if person.year_low is not None and person.year_high is not None:
        years = set(range(person.year_low, person.year_high + 1))
    for words in person.readings:
        codes = sorted({phonetic(formal(w)) for w in words})
        for a, b in combinations(codes, 2):
            keys.add(f"nn:{a}:{b}")
        bands = {year // 5 for year in years}
        for code in codes:
            if len(years) <= 1:  # an estimated age would multiply the keys, a pair is enough
                keys.update(f"ny:{code}:{year}" for year in years)
            keys.update(f"n5:{code}:{band}" for band in bands)  # one name right, five years
        if len(codes) == 1 and not years:
            keys.add(f"n:{codes[0]}")
    if person.dob:
        keys.add(f"b:{person.dob}")
        swapped = _swapped(person.dob)
        if swapped:
            keys.add(f"b:{swapped}")
    keys.update(f"d:{number}" for number in person.documents)
    return keys


# --- scoring -----------------------------------------------------------------------------------


class Verdict(StrEnum):
    AGREE = "agree"
    SIMILAR = "similar"
    DISAGREE = "disagree"


@dataclass(frozen=True)
class Evidence:
    """One field compared: its verdict, weight and what the explanation needs to say it."""

    field: str  # name, birth, sex, document, citizenship, place, address
    verdict: Verdict
    weight: float
    detail: str = ""  # a code: exact, swapped_day_month, year, estimate, typo, order, nickname …
    query: str = ""  # the names compared (shown only to who may see the candidate)
    candidate: str = ""


@dataclass
class Comparison:
    score: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, evidence: Evidence) -> None:
        self.evidence.append(evidence)
        self.score += evidence.weight


@lru_cache(maxsize=262144)
def _word_similarity(a: str, b: str) -> tuple[float, str]:
    if a == b:
        return 1.0, "exact"
    if skeleton(a) == skeleton(b):
        return 0.99, "spelling"
    if formal(a) == formal(b) or skeleton(formal(a)) == skeleton(formal(b)):
        return 0.95, "nickname"
    jw = float(JaroWinkler.normalized_similarity(skeleton(a), skeleton(b)))
    if phonetic(a) == phonetic(b):
        return max(jw, 0.9), "sound"
    if len(a) == len(b) and Levenshtein.distance(a, b) == 1:
        return max(jw, 0.9), "typo"
    return jw, "typo"


def _name_match(q: Sequence[str], c: Sequence[str]) -> tuple[float, str, int]:
    """The weight of two readings' agreement, a detail code, and words left over."""
    short, long_ = (q, c) if len(q) <= len(c) else (c, q)
    pairs = sorted(
        (
            (*_word_similarity(word, other), i, j)
            for i, word in enumerate(short)
            for j, other in enumerate(long_)
        ),
        reverse=True,
    )
    best: dict[int, tuple[float, str, int]] = {}
    used: set[int] = set()
    for similarity, detail, i, j in pairs:  # the best pairs first, each word once
        if i not in best and j not in used:
            best[i] = (similarity, detail, j)
            used.add(j)
    weight = 0.0
    details: list[str] = []
    positions: list[int] = []
    for i in range(len(short)):
        similarity, detail, j = best[i]
        positions.append(j)
        if similarity >= 0.95:
            weight += 4.5
        elif similarity >= 0.88:
            weight += 2.5
            detail = detail if detail != "exact" else "typo"
        elif similarity >= 0.8:
            weight += 0.5
        else:
            weight -= 3.0
            detail = "different"
        details.append(detail)
    if len(short) == 1:
        weight -= 1.5  # one word is weak evidence
    weight = min(weight, NAME_CAP)
    detail = next(
        (d for d in ("different", "typo", "sound", "nickname", "spelling") if d in details), "exact"
    )
    if positions != sorted(positions) and detail != "different":
        detail = f"{detail}+order"
    return weight, detail, len(long_) - len(short)


def _compare_names(q: Prepared, c: Prepared, result: Comparison) -> None:
    if not q.readings or not c.readings:
        return
    best: tuple[float, str, int, int, int] | None = None
    for i, qr in enumerate(q.readings):
        for j, cr in enumerate(c.readings):
            weight, detail, extra = _name_match(qr, cr)
            if best is None or weight > best[0]:
                best = (weight, detail, extra, i, j)
    assert best is not None
    weight, detail, extra, i, j = best
    if extra:
        detail = f"{detail}+extra"
    verdict = Verdict.AGREE if weight >= 8 else Verdict.SIMILAR if weight > 0 else Verdict.DISAGREE
    result.add(Evidence("name", verdict, weight, detail, q.entered[i], c.entered[j]))


def _date_parts(iso: str) -> tuple[int, int, int]:
    year, month, day = iso.split("-")
    return int(year), int(month), int(day)


def _compare_birth(q: Prepared, c: Prepared, result: Comparison) -> None:
    if q.dob and c.dob:
        if q.dob == c.dob:
            result.add(Evidence("birth", Verdict.AGREE, 5.0, "exact", q.dob, c.dob))
            return
        if _swapped(q.dob) == c.dob:
            result.add(Evidence("birth", Verdict.SIMILAR, 3.5, "swapped", q.dob, c.dob))
            return
        qd, cd = q.dob.replace("-", ""), c.dob.replace("-", "")
        if Levenshtein.distance(qd, cd) == 1 or sorted(qd) == sorted(cd):
            result.add(Evidence("birth", Verdict.SIMILAR, 2.0, "typo", q.dob, c.dob))
            return
        qy, cy = _date_parts(q.dob)[0], _date_parts(c.dob)[0]
        if qy == cy:
            result.add(Evidence("birth", Verdict.DISAGREE, -2.0, "year", q.dob, c.dob))
            return
        result.add(Evidence("birth", Verdict.DISAGREE, -5.0, "different", q.dob, c.dob))
        return
    if None in (q.year_low, q.year_high, c.year_low, c.year_high):
        return
    assert q.year_low is not None
    assert q.year_high is not None
    assert c.year_low is not None
    assert c.year_high is not None
    shown = q.dob or str(q.year_low) if q.year_low == q.year_high else f"{q.year_low}-{q.year_high}"
    other = c.dob or str(c.year_low) if c.year_low == c.year_high else f"{c.year_low}-{c.year_high}"
    if q.year_low <= c.year_high and c.year_low <= q.year_high:
        exact_years = q.year_low == q.year_high and c.year_low == c.year_high
        weight, detail = (2.5, "year") if exact_years else (1.0, "estimate")
        result.add(Evidence("birth", Verdict.SIMILAR, weight, detail, shown, other))
    else:
        result.add(Evidence("birth", Verdict.DISAGREE, -3.0, "different", shown, other))


def _compare_rest(q: Prepared, c: Prepared, result: Comparison) -> None:
    if q.sex and c.sex:
        if q.sex == c.sex:
            result.add(Evidence("sex", Verdict.AGREE, 0.5))
        else:
            result.add(Evidence("sex", Verdict.DISAGREE, -3.0))
    if q.documents and c.documents:
        if q.documents & c.documents:
            result.add(Evidence("document", Verdict.AGREE, 8.0))
        else:
            result.add(Evidence("document", Verdict.DISAGREE, -1.0))
    if q.citizenships and c.citizenships:
        shared = q.citizenships & c.citizenships
        if shared:
            result.add(Evidence("citizenship", Verdict.AGREE, 1.0, ",".join(sorted(shared))))
        else:
            result.add(Evidence("citizenship", Verdict.DISAGREE, -1.0))


def _compare_places(q: Prepared, c: Prepared, result: Comparison) -> None:
    if q.place and c.place:
        similarity = JaroWinkler.normalized_similarity(q.place, c.place)
        if similarity >= 0.9:
            result.add(Evidence("place", Verdict.AGREE, 2.0, "", q.place, c.place))
        else:
            result.add(Evidence("place", Verdict.DISAGREE, -1.0, "", q.place, c.place))
    if q.address and c.address:
        ratio = token_set_ratio(q.address, c.address)
        if ratio >= 90:
            result.add(Evidence("address", Verdict.AGREE, 3.0))
        elif ratio >= 70:
            result.add(Evidence("address", Verdict.SIMILAR, 1.0))
        else:
            result.add(Evidence("address", Verdict.DISAGREE, -1.5))


def compare(q: Prepared, c: Prepared) -> Comparison:
    result = Comparison()
    _compare_names(q, c, result)
    _compare_birth(q, c, result)
    _compare_rest(q, c, result)
    _compare_places(q, c, result)
    return result


def rank(
    query: Prepared, candidates: Iterable[tuple[Any, Prepared]], *, threshold: float = THRESHOLD
) -> list[tuple[Any, Comparison]]:
    """The candidates at or above ``threshold``, best first."""
    scored = [(key, compare(query, person)) for key, person in candidates]
    kept = [(key, comparison) for key, comparison in scored if comparison.score >= threshold]
    kept.sort(key=lambda item: -item[1].score)
    return kept
