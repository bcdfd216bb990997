"""Field names in packages: HTCDS 2.0 names where one exists, else the template's own code.

A template field code is ``<section>.<name>`` (``s1_1.sex``, ``s8.return.origin``). In a
package the field sits under its section, named by the Human Trafficking Case Data Standard
(HTCDS 2.0, IOM) when that standard has the concept (``sections["s1_1"]["gender"]``), otherwise
by the rest of its template code (``sections["s1_1"]["place_of_birth"]``). The table is
documented in docs/exchange.md; a test checks that every code in it exists in the template.
"""

from collections.abc import Mapping
from typing import Any

# Template field code -> HTCDS 2.0 field name (lowerCamelCase).
HTCDS_NAMES: dict[str, str] = {
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
_TEMPLATE_CODES: dict[tuple[str, str], str] = {
    (code.partition(".")[0], name): code for code, name in HTCDS_NAMES.items()
}


def package_name(code: str) -> tuple[str, str]:
    """(section, field name in the package) of a template field code."""
    section, _, rest = code.partition(".")
    return section, HTCDS_NAMES.get(code, rest)


def template_code(section: str, name: str) -> str:
    """The template field code of a field named ``name`` under ``section`` in a package."""
    return _TEMPLATE_CODES.get((section, name), f"{section}.{name}")


def to_sections(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Template values (code -> value) as package sections (section -> name -> value)."""
    sections: dict[str, dict[str, Any]] = {}
    for code, value in values.items():
        section, name = package_name(code)
        sections.setdefault(section, {})[name] = value
    return sections


def from_sections(sections: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Package sections back to template values (code -> value)."""
    return {
        template_code(section, name): value
        for section, fields in sections.items()
        for name, value in fields.items()
    }


def withheld_names(codes: list[str]) -> list[str]:
    """Withheld template codes as ``section.name`` in package naming."""
    return [".".join(package_name(code)) for code in codes]


def withheld_codes(names: list[str]) -> list[str]:
    return [template_code(*name.split(".", 1)) for name in names]
