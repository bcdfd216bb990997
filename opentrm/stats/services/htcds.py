"""The HTCDS 2.0-named aggregate export (issue 15 §6c): counts of the cases opened in a period
under the standard's field and value names, each field a table through ``protect``.

The picklists are the standard's (``stats/data/htcds_picklists.json``, copied from HTCDS 2.0,
CC BY 4.0). Values OpenTRM does not record in the standard's terms are left out, not guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.stats.disclosure import disclosure_rule
from opentrm.stats.selectors import Filters, table

PICKLISTS = Path(__file__).resolve().parent.parent / "data" / "htcds_picklists.json"

# Our breakdown -> (HTCDS field, our value -> the standard's value name, or None: as it is)
FIELDS: dict[str, tuple[str, dict[str, str] | None]] = {
    "sex": (
        "prs_Gender",
        {"female": "Feminine", "male": "Masculine", "unknown": "NonSpecifiedUnknown"},
    ),
    "identification": (
        "vic_TraffickingStatus",
        {
            "presumed": "PossibleVictimOfTrafficking",
            "identified": "ActualVictimOfTrafficking",
            "not_a_victim": "NotAVictimOfTrafficking",
        },
    ),
    "exploitation_type": ("vic_TypeOfExploitation", None),
    "citizenship": ("prs_Citizenship", None),
}


@cache
def picklists() -> dict[str, Any]:
    fields: dict[str, Any] = json.loads(PICKLISTS.read_text(encoding="utf-8"))["fields"]
    return fields


@dataclass(frozen=True)
class HtcdsRow:
    field: str
    value: str
    count: int | None  # None: suppressed


def htcds_rows(actor: Actor, filters: Filters) -> tuple[list[HtcdsRow], str]:
    """The rows of the export (field, value name, count) and the disclosure rule."""
    rows: list[HtcdsRow] = []
    for dimension, (field, mapping) in FIELDS.items():
        allowed = picklists()[field]["values"]
        shown = table(actor, filters, "new_cases", dimension)
        for row in shown.rows:
            name = row.value if mapping is None else mapping.get(row.value, "")
            if mapping is None and field != "prs_Citizenship" and name not in allowed:
                continue
            if not name or (field == "prs_Citizenship" and len(name) != 2):
                continue
            rows.append(HtcdsRow(field, name, row.current))
    total = table(actor, filters, "new_cases", "total")
    rows.append(HtcdsRow("cas_Count", "", total.total_current))
    # ``disclosure.protect`` ran inside ``table`` for every field; the rule is the same.
    return rows, disclosure_rule()
