"""Field names and picklist values in packages: HTCDS 2.0 where the standard has the concept,
else the template's own code under the ``opentrm_`` prefix (issue 13 §5).

A template field code is ``<section>.<name>`` (``s1_1.sex``, ``s8.return.origin``). In a
package the field sits under its section, named by the Human Trafficking Case Data Standard
(HTCDS 2.0, IOM) when that standard has the concept (``sections["s1_1"]["prs_Gender"]`` with
the value name ``"Feminine"``), otherwise ``opentrm_`` + the rest of its template code
(``sections["s1_1"]["opentrm_place_of_birth"]``). A choice the standard lacks keeps its code
under the same prefix (``"opentrm_delinquency"``). Bodies carry ``"format": 2``; a body without
it is of format 1 (the names before HTCDS 2.0) and is still read, through ``LEGACY_NAMES``.
The table is documented in docs/exchange.md; tests check every HTCDS name and value name against
the standard's field list (tests/data/htcds-2.0/) and every code against the template.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT = 2
PREFIX = "opentrm_"
LANGUAGES_CODE = "s1_1.languages"
# The template's language list travels as the standard's two language fields, and any more.
LANGUAGE_NAMES = ("prs_PrimaryLanguage", "prs_SecondaryLanguage", "opentrm_other_languages")


@dataclass(frozen=True)
class Mapped:
    """A template field the standard has: its HTCDS name and, for choices, the value names
    (template code -> HTCDS value name; a code not listed travels as ``opentrm_<code>``).
    ``received`` reads HTCDS value names the template has no code of (to the nearest code;
    values not listed there are dropped on arrival). ``yes``/``no``: a yes/no field the
    standard holds as a picklist."""

    name: str
    values: Mapping[str, str] = field(default_factory=dict)
    received: Mapping[str, str] = field(default_factory=dict)
    yes: str = ""
    no: str = ""


HTCDS: dict[str, Mapped] = {
    "s1_1.sex": Mapped(
        "prs_Gender",
        {"female": "Feminine", "male": "Masculine", "other": "NonConforming"},
        received={"TransgenderFeminine": "other", "TransgenderMasculine": "other"},
    ),
    "s1_1.date_of_birth": Mapped("prs_Birthdate"),
    "s1_1.citizenship": Mapped("prs_Citizenship"),
    "s1_1.residence_country": Mapped("prs_MailingCountry"),
    "s1_1.marital_status": Mapped(
        "prs_MaritalStatus",
        {
            "single": "Single",
            "married": "Married",
            "divorced": "Divorced",
            "widowed": "Widowed",
            "partnership": "RegisteredPartnership",
        },
    ),
    "s1_2.exploitation_type": Mapped(
        "vic_TypeOfExploitation",
        {
            "sexual": "SexualExploitation",
            "labour": "ForcedLabour",
            "begging": "ForcedBegging",
            "organ_removal": "OrganRemoval",
            "adoption": "ForcedAdoption",
            "other": "Other",
        },
        received={
            "ChildLabour": "labour",
            "ForcedMarriage": "other",
            "Servitude": "other",
            "ForcedMilitaryByNonStateActors": "other",
            "Surrogacy": "other",
        },
    ),
    "s1_2.recruitment_means": Mapped(
        "vic_MethodOfRecruitment",
        {"family_member": "ThroughFamilyOrFamilyEvents", "other": "Other"},
        received={
            "AtAPlaceOfBusiness": "other",
            "AtAnEducationalInstitution": "other",
            "AtWork": "other",
            "ThroughOnlineSocialNetworks": "other",
            "ThroughAnOnlineAdvertisement": "advertisement",
            "ThroughATelevisionAdvert": "advertisement",
            "ThroughANewspaperAdvert": "advertisement",
            "ThroughFriendsOrSocialEvents": "personal_contact",
        },
    ),
    "s1_2.formal_identification": Mapped(
        "vic_TraffickingStatus", yes="ActualVictimOfTrafficking", no="PossibleVictimOfTrafficking"
    ),
    LANGUAGES_CODE: Mapped("prs_PrimaryLanguage"),
}

# Format 1 (before HTCDS 2.0): template code -> the name it travelled under; values as codes.
LEGACY_NAMES: dict[str, str] = {
    "s1_1.sex": "gender",
    "s1_1.date_of_birth": "dateOfBirth",
    "s1_1.age": "ageBroad",
    "s1_1.place_of_birth": "placeOfBirth",
    "s1_1.citizenship": "citizenship",
    "s1_1.residence_country": "countryOfResidence",
    "s1_1.marital_status": "maritalStatus",
    "s1_1.languages": "languages",
    "s1_2.exploitation_type": "exploitationType",
    "s1_2.recruitment_means": "meansOfControl",
    "s1_2.country_recruitment": "countryOfRecruitment",
    "s1_2.countries_transit": "countriesOfTransit",
    "s1_2.countries_exploitation": "countriesOfExploitation",
    "s1_2.exploitation_began": "exploitationStartDate",
    "s1_2.exploitation_ended": "exploitationEndDate",
    "s1_2.country_identification": "countryOfIdentification",
    "s1_2.identification_date": "identificationDate",
    "s1_2.previously_trafficked": "previouslyTrafficked",
    "s2_1.needs": "assistanceNeeds",
    "s3_1.accommodation": "accommodationType",
    "s3_4.risk_level": "riskLevel",
}
_LEGACY_CODES = {(code.partition(".")[0], name): code for code, name in LEGACY_NAMES.items()}
_CODES = {(code.partition(".")[0], m.name): code for code, m in HTCDS.items()}
_CODES.update({("s1_1", name): LANGUAGES_CODE for name in LANGUAGE_NAMES})


def body_format(body: Mapping[str, Any]) -> int:
    """The format of a package body: 2 (HTCDS 2.0 names), or 1 for a body without ``format``."""
    value = body.get("format", 1)
    return value if isinstance(value, int) else 1


# --- names --------------------------------------------------------------------------------------


def package_name(code: str) -> tuple[str, str]:
    """(section, field name in the package) of a template field code."""
    section, _, rest = code.partition(".")
    mapped = HTCDS.get(code)
    return section, mapped.name if mapped is not None else PREFIX + rest


def template_code(section: str, name: str, *, format: int = FORMAT) -> str:
    """The template field code of a field named ``name`` under ``section`` in a package."""
    if format < FORMAT:
        return _LEGACY_CODES.get((section, name), f"{section}.{name}")
    found = _CODES.get((section, name))
    if found is not None:
        return found
    return f"{section}.{name.removeprefix(PREFIX)}"


def withheld_names(codes: list[str]) -> list[str]:
    """Withheld template codes as ``section.name`` in package naming."""
    return [".".join(package_name(code)) for code in codes]


def withheld_codes(names: list[str], *, format: int = FORMAT) -> list[str]:
    return [template_code(*name.split(".", 1), format=format) for name in names]


# --- values -------------------------------------------------------------------------------------


def value_name(mapped: Mapped, code: str) -> str:
    """The HTCDS value name of a template choice code (``opentrm_<code>`` when it has none)."""
    return mapped.values.get(code) or PREFIX + code


def _code_of(mapped: Mapped, name: str) -> str | None:
    for code, value in mapped.values.items():
        if value == name:
            return code
    if name in mapped.received:
        return mapped.received[name]
    if name.startswith(PREFIX):
        return name.removeprefix(PREFIX)
    return None


def to_package_value(mapped: Mapped, value: Any) -> Any:
    if mapped.yes and isinstance(value, bool):
        return mapped.yes if value else mapped.no
    if not mapped.values and not mapped.received:
        return value
    if isinstance(value, str):
        return value_name(mapped, value)
    if isinstance(value, Mapping) and isinstance(value.get("codes"), list):
        return {**value, "codes": [value_name(mapped, str(code)) for code in value["codes"]]}
    return value


def from_package_value(mapped: Mapped, value: Any) -> Any:
    """The template's value of a package value; None when the template cannot hold it."""
    if mapped.yes:
        return {mapped.yes: True, mapped.no: False}.get(value) if isinstance(value, str) else None
    if not mapped.values and not mapped.received:
        return value
    if isinstance(value, str):
        return _code_of(mapped, value)
    if isinstance(value, Mapping) and isinstance(value.get("codes"), list):
        codes = [_code_of(mapped, str(name)) for name in value["codes"]]
        return {**value, "codes": list(dict.fromkeys(c for c in codes if c is not None))}
    return value


def languages_out(value: Any) -> dict[str, Any]:
    codes = [str(code) for code in value] if isinstance(value, list) else []
    out: dict[str, Any] = {}
    if codes:
        out[LANGUAGE_NAMES[0]] = codes[0]
    if len(codes) > 1:
        out[LANGUAGE_NAMES[1]] = codes[1]
    if len(codes) > 2:
        out[LANGUAGE_NAMES[2]] = codes[2:]
    return out


def languages_in(fields: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for name in LANGUAGE_NAMES:
        value = fields.get(name)
        found += [str(v) for v in value] if isinstance(value, list) else [str(value)] * bool(value)
    return list(dict.fromkeys(found))


# --- sections -----------------------------------------------------------------------------------


def to_sections(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Template values (code -> value) as package sections (section -> name -> value)."""
    sections: dict[str, dict[str, Any]] = {}
    for code, value in values.items():
        section, name = package_name(code)
        if code == LANGUAGES_CODE:
            sections.setdefault(section, {}).update(languages_out(value))
            continue
        mapped = HTCDS.get(code)
        sections.setdefault(section, {})[name] = (
            to_package_value(mapped, value) if mapped is not None else value
        )
    return sections


def from_sections(
    sections: Mapping[str, Mapping[str, Any]], *, format: int = FORMAT
) -> dict[str, Any]:
    """Package sections back to template values (code -> value); a value the template cannot
    hold (an HTCDS value name without a code here) is left out."""
    values: dict[str, Any] = {}
    for section, fields in sections.items():
        for name, value in fields.items():
            code = template_code(section, name, format=format)
            if format >= FORMAT and code == LANGUAGES_CODE:
                values[code] = languages_in(fields)
                continue
            mapped = HTCDS.get(code) if format >= FORMAT else None
            converted = from_package_value(mapped, value) if mapped is not None else value
            if converted is not None:
                values[code] = converted
    return values


def body_values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The template values of a package body's ``sections``, in the body's format."""
    return from_sections(body.get("sections") or {}, format=body_format(body))


def body_withheld(body: Mapping[str, Any]) -> list[str]:
    """The template codes of a package body's ``withheld`` names, in the body's format."""
    return withheld_codes(list(body.get("withheld") or []), format=body_format(body))
