"""The column layout of the CTDC global dataset, and one case turned into one such record.

The Counter-Trafficking Data Collaborative (CTDC, IOM) publishes its global victim dataset one
row per registered victim, with these columns (codebook: "Global Synthetic Dataset",
https://www.ctdatacollaborative.org/dataset/global-synthetic-data-and-resources/resource/codebook;
see docs/research-datasets.md). Every value is a string: ``""`` where the case does not record
it (the CTDC synthetic dataset leaves unknown values empty), ``"1"``/``"0"`` for the flags.

Nothing here touches the database: ``ctdc_record`` takes the few plain facts of a case that the
export reads (``CaseFacts``), so the rules are tested without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

DATASOURCE = "Case Management"

MEANS_OF_CONTROL = (
    "DebtBondage",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "Threats",
    "PsychologicalAbuse",
    "PhysicalAbuse",
    "SexualAbuse",
    "FalsePromises",
    "PsychoactiveSubstances",
    "RestrictsMovement",
    "RestrictsMedicalCare",
    "ExcessiveWorkingHours",
    "UsesChildren",
    "ThreatOfLawEnforcement",
    "WithholdsNecessities",
    "WithholdsDocuments",
    "Other",
    "NotSpecified",
)
LABOUR_TYPES = (
    "Agriculture",
    "Aquafarming",
    "Begging",
    "Construction",
    "DomesticWork",
    "Hospitality",
    "IllicitActivities",
    "Manufacturing",
    "MiningOrDrilling",
    "Peddling",
    "Transportation",
    "Other",
    "NotSpecified",
)
SEX_TYPES = ("Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices")
RECRUITER_RELATIONS = ("IntimatePartner", "Friend", "Family", "Other", "Unknown")

EXPLOIT_FLAGS = (
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "isSexAndLabour",
    "isForcedMarriage",
    "isForcedMilitary",
    "isOrganRemoval",
)

_REGISTRATION = (
    "yearOfRegistration",
    "Datasource",
    "gender",
    "ageBroad",
    "majorityStatus",
    "majorityStatusAtExploit",
)

COLUMNS: tuple[str, ...] = (
    *_REGISTRATION,
    "majorityEntry",
    "citizenship",
    *(f"meansOfControl{name}" for name in MEANS_OF_CONTROL),
    "meansOfControlConcatenated",
    *EXPLOIT_FLAGS,
    "typeOfExploitConcatenated",
    *(f"typeOfLabour{name}" for name in LABOUR_TYPES),
    "typeOfLabourConcatenated",
    *(f"typeOfSex{name}" for name in SEX_TYPES),
    "typeOfSexConcatenated",
    "isAbduction",
    "RecruiterRelationship",
    "CountryOfExploitation",
    *(f"recruiterRelation{name}" for name in RECRUITER_RELATIONS),
)

# The columns OpenTRM fills; every other column of the layout stays empty, because a case here
# does not record it (means of control, recruiter, abduction, sub-types of sexual exploitation).
FILLED: tuple[str, ...] = (
    *_REGISTRATION,
    "citizenship",
    *EXPLOIT_FLAGS,
    "typeOfExploitConcatenated",
    "typeOfLabourBegging",
    "typeOfLabourConcatenated",
    "CountryOfExploitation",
)

# What someone who knows a person could know about them: the quasi-identifiers of the
# k-anonymous export. Every filled column but the constant data source: the flags and
# concatenations are functions of typeOfExploitConcatenated and the majority statuses nearly so
# of the age, and leaving any of them out would let it split an equivalence class again.
QUASI_IDENTIFIERS: tuple[str, ...] = tuple(c for c in FILLED if c != "Datasource")

# CTDC's age bands (ageBroad), youngest first: (label, lowest age, highest age).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0--8", 0, 8),
    ("9--17", 9, 17),
    ("18--20", 18, 20),
    ("21--23", 21, 23),
    ("24--26", 24, 26),
    ("27--29", 27, 29),
    ("30--38", 30, 38),
    ("39--47", 39, 47),
    ("48+", 48, 200),
)

_BAND_LOW = {label: low for label, low, _high in AGE_BANDS}

GENDERS = {"female": "Female", "male": "Male"}  # "other" and "unknown" are left empty

# HTCDS 2.0 type of exploitation (cases.ExploitationType values) -> CTDC's main types.
_LABOUR = {"ForcedLabour", "ChildLabour", "Servitude", "ForcedBegging"}
_OTHER = {"ForcedAdoption", "Surrogacy", "Other"}


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return ""


def majority(age: int) -> str:
    return "Minor" if age < 18 else "Adult"


def band_majority(band: str) -> str:
    """``Minor`` or ``Adult`` for a CTDC age band (the bands split at 18); "" for another."""
    low = _BAND_LOW.get(band)
    return "" if low is None else majority(low)


@dataclass(frozen=True)
class CaseFacts:
    """What the export reads of one case (no name, no number, no date finer than a year)."""

    opened_on: date
    sex: str = "unknown"
    date_of_birth: date | None = None
    age_band: str = "unknown"  # cases.AgeBand: the estimate when the birth date is unknown
    exploitation_began_on: date | None = None
    citizenships: Sequence[str] = ()
    exploitation_countries: Sequence[str] = ()
    exploitation_types: Iterable[str] = ()


MAIN_TYPES = (
    "Forced labour",
    "Sexual exploitation",
    "Forced marriage",
    "Forced military",
    "Organ removal",
    "Other",
)


def main_types(types: set[str]) -> list[str]:
    """HTCDS 2.0 types of one case -> CTDC's main types, in CTDC's order."""
    present = {
        "Forced labour": bool(types & _LABOUR),
        "Sexual exploitation": "SexualExploitation" in types,
        "Forced marriage": "ForcedMarriage" in types,
        "Forced military": "ForcedMilitaryByNonStateActors" in types,
        "Organ removal": "OrganRemoval" in types,
        "Other": bool(types & _OTHER),
    }
    return [name for name in MAIN_TYPES if present[name]]


def exploit_columns(concatenated: str) -> dict[str, str]:
    """The flags and ``typeOfExploitConcatenated`` from the main types joined by ";" (empty:
    not recorded, every flag empty)."""
    names = set(filter(None, concatenated.split(";")))
    if not names:
        return dict.fromkeys((*EXPLOIT_FLAGS, "typeOfExploitConcatenated"), "")
    flags = {
        "isForcedLabour": "Forced labour" in names,
        "isSexualExploit": "Sexual exploitation" in names,
        "isOtherExploit": "Other" in names,
        "isSexAndLabour": {"Forced labour", "Sexual exploitation"} <= names,
        "isForcedMarriage": "Forced marriage" in names,
        "isForcedMilitary": "Forced military" in names,
        "isOrganRemoval": "Organ removal" in names,
    }
    values = {name: "1" if present else "0" for name, present in flags.items()}
    values["typeOfExploitConcatenated"] = ";".join(n for n in MAIN_TYPES if n in names)
    return values


class Reduced(NamedTuple):
    """What of a case's facts decides its CTDC row (dates reduced to a year and an age band);
    many cases share one, so a reader of a million cases works a row out once per ``Reduced``."""

    year: int
    sex: str
    band: str  # CTDC age band on the day the case was opened; "" when the birth date is unknown
    minor_at_exploit: bool | None
    age_band: str  # the estimate (cases.AgeBand), used only when ``band`` is ""
    citizenship: str
    exploitation_country: str
    types: frozenset[str]


def reduce(facts: CaseFacts) -> Reduced:
    return reduce_parts(
        facts.opened_on,
        facts.sex,
        facts.date_of_birth,
        facts.age_band,
        facts.exploitation_began_on,
        facts.citizenships,
        facts.exploitation_countries,
        facts.exploitation_types,
    )


def reduce_parts(
    opened: date,
    sex: str,
    born: date | None,
    band: str,
    began: date | None,
    citizenships: Iterable[str],
    countries: Iterable[str],
    types: Iterable[str],
) -> Reduced:
    """``reduce`` without building a ``CaseFacts`` (the reader of a million cases calls it)."""
    ctdc_band, minor = "", None
    if born is not None and born <= opened:
        ctdc_band = age_band(age_on(born, opened))
        if began is not None and began >= born:
            minor = age_on(born, began) < 18
    return Reduced(
        opened.year,
        sex,
        ctdc_band,
        minor,
        "" if ctdc_band else band,
        # One country each, as in CTDC: the first in alphabetical order of the ISO code.
        min(citizenships, default="").upper(),
        min(countries, default="").upper(),
        frozenset(types),
    )


def ctdc_row(facts: Reduced) -> dict[str, str]:
    """One case as one CTDC row: year only, CTDC age bands, country codes, no identifier."""
    row = dict.fromkeys(COLUMNS, "")
    row["yearOfRegistration"] = str(facts.year)
    row["Datasource"] = DATASOURCE
    row["gender"] = GENDERS.get(facts.sex, "")
    if facts.band:
        row["ageBroad"] = facts.band
        row["majorityStatus"] = band_majority(facts.band)
        if facts.minor_at_exploit is not None:
            row["majorityStatusAtExploit"] = "Minor" if facts.minor_at_exploit else "Adult"
    elif facts.age_band in ("under_18", "over_18"):
        row["majorityStatus"] = "Minor" if facts.age_band == "under_18" else "Adult"
    row["citizenship"] = facts.citizenship
    row["CountryOfExploitation"] = facts.exploitation_country
    types = facts.types
    row.update(exploit_columns(";".join(main_types(set(types)))))
    if "ForcedBegging" in types:
        row["typeOfLabourBegging"] = "1"
        row["typeOfLabourConcatenated"] = "Begging"
    elif types & _LABOUR:
        row["typeOfLabourBegging"] = "0"
    return row


def ctdc_record(facts: CaseFacts) -> dict[str, str]:
    return ctdc_row(reduce(facts))


def qi_key(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[c] for c in QUASI_IDENTIFIERS)
