"""Every HTCDS 2.0 name a package uses is the standard's own (issue 13 §5): field names and
picklist value names are checked against an extract of the standard's field list kept with the
tests (data/htcds-2.0/, CC BY 4.0, IOM); everything else a package names is ``opentrm_``."""

import csv
from pathlib import Path
from typing import Any

from opentrm.exchange import crypto, fieldnames, offers

STANDARD = Path(__file__).parent / "data" / "htcds-2.0" / "fields.csv"


def standard() -> dict[str, set[str]]:
    """HTCDS field name -> its picklist value names (empty for a field without a list)."""
    with STANDARD.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["Field Name including Prefix"]: {
            value.strip()
            for value in row["Value Names (if picklist)"].splitlines()
            if value.strip() and not value.startswith("Use ISO")
        }
        for row in rows
    }


def used() -> dict[str, set[str]]:
    """HTCDS field name -> the value names OpenTRM sends or reads, from every table and the
    schemas' enums."""
    found: dict[str, set[str]] = {}
    for mapped in fieldnames.HTCDS.values():
        values = set(mapped.values.values()) | set(mapped.received) | {mapped.yes, mapped.no}
        found.setdefault(mapped.name, set()).update(v for v in values if v)
    for name in fieldnames.LANGUAGE_NAMES:
        found.setdefault(name, set())
    found.setdefault("prs_Gender", set()).update(offers.GENDER.values(), offers.GENDER_RECEIVED)
    found["cas_ReasonForOutgoingReferral"] = {offers.REASON_TRANSNATIONAL, offers.REASON_REQUEST}
    for type_ in ("referral", "request"):
        offer = crypto.schema(type_)["$defs"]["offer"]["properties"]
        for name, rule in offer.items():
            found.setdefault(name, set()).update(rule.get("enum", []))
    found["cas_OutgoingReferralDetails"] = set()
    return {
        name: {v for v in values if not v.startswith(fieldnames.PREFIX)}
        for name, values in found.items()
        if not name.startswith(fieldnames.PREFIX)
    }


def test_every_htcds_field_name_used_is_in_the_standard() -> None:
    missing = sorted(set(used()) - set(standard()))
    assert missing == []


def test_every_htcds_value_name_used_is_one_of_that_fields_values() -> None:
    fields = standard()
    wrong = {
        name: sorted(values - fields.get(name, set()))
        for name, values in used().items()
        if values - fields.get(name, set())
    }
    assert wrong == {}


def test_the_extract_holds_the_standards_picklists_as_published() -> None:
    fields = standard()
    assert fields["prs_Gender"] >= {"Feminine", "Masculine", "NonSpecifiedUnknown"}
    assert "female" not in fields["prs_Gender"]
    assert fields["vic_MethodOfRecruitment"] >= {"ThroughFamilyOrFamilyEvents", "Other"}


def test_names_outside_the_standard_carry_the_opentrm_prefix() -> None:
    values: dict[str, Any] = {
        "s1_1.sex": "other",
        "s1_1.place_of_birth": {"text": "Fictional Town"},
        "s1_1.languages": ["ro", "sq", "en"],
        "s1_2.exploitation_type": {"codes": ["labour", "delinquency"], "other": None},
        "s1_2.formal_identification": False,
        "s8.return.origin": {"institution": "Fictional Agency"},
    }
    sections = fieldnames.to_sections(values)
    assert sections == {
        "s1_1": {
            "prs_Gender": "NonConforming",
            "opentrm_place_of_birth": {"text": "Fictional Town"},
            "prs_PrimaryLanguage": "ro",
            "prs_SecondaryLanguage": "sq",
            "opentrm_other_languages": ["en"],
        },
        "s1_2": {
            "vic_TypeOfExploitation": {
                "codes": ["ForcedLabour", "opentrm_delinquency"],
                "other": None,
            },
            "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        },
        "s8": {"opentrm_return.origin": {"institution": "Fictional Agency"}},
    }
    names = {name for fields in sections.values() for name in fields}
    assert all(name in standard() or name.startswith("opentrm_") for name in names)
    assert fieldnames.from_sections(sections) == values


def test_a_value_the_template_cannot_hold_is_read_to_the_nearest_code_or_left_out() -> None:
    sections: dict[str, dict[str, Any]] = {
        "s1_1": {"prs_Gender": "NonSpecifiedUnknown", "prs_MaritalStatus": "Separated"},
        "s1_2": {"vic_TypeOfExploitation": {"codes": ["ChildLabour", "ForcedLabour"]}},
    }
    assert fieldnames.from_sections(sections) == {
        "s1_2.exploitation_type": {"codes": ["labour"]},
    }


def test_a_body_of_format_1_is_read_with_the_names_of_before() -> None:
    body = {
        "sections": {"s1_1": {"gender": "female", "placeOfBirth": {"text": "x"}, "address": {}}},
        "withheld": ["s3_2.medical_history", "s1_1.dateOfBirth"],
    }
    assert fieldnames.body_format(body) == 1
    assert fieldnames.body_values(body) == {
        "s1_1.sex": "female",
        "s1_1.place_of_birth": {"text": "x"},
        "s1_1.address": {},
    }
    assert fieldnames.body_withheld(body) == ["s3_2.medical_history", "s1_1.date_of_birth"]
    before = {"reference": "R-1", "reported_on": "2026-01-01"}
    assert crypto.schema_errors("follow_up", before) == []
    later = {**before, "format": 3}
    assert crypto.schema_errors("follow_up", later) == ["$.format: const 2"]


def test_the_offer_travels_in_htcds_names_and_comes_back() -> None:
    package = offers.to_package(
        age_band="over_18",
        sex="female",
        languages=["ro", "sq"],
        needs=["accommodation"],
        reason="Fictional: return to her family.",
        transnational=True,
    )
    assert package == {
        "opentrm_age_band": "over_18",
        "prs_Gender": "Feminine",
        "opentrm_needs": ["accommodation"],
        "cas_ReasonForOutgoingReferral": "MigrationOrChangeOfLocation",
        "prs_PrimaryLanguage": "ro",
        "prs_SecondaryLanguage": "sq",
        "cas_OutgoingReferralDetails": "Fictional: return to her family.",
    }
    assert offers.from_package(package) == offers.Offer(
        age_band="over_18",
        sex="female",
        languages=["ro", "sq"],
        needs=["accommodation"],
        reason="Fictional: return to her family.",
    )
    assert offers.from_package(None) is None


def test_the_mapping_table_in_the_docs_names_every_mapped_field() -> None:
    text = (Path(__file__).parents[3] / "docs" / "exchange.md").read_text(encoding="utf-8")
    for code, mapped in fieldnames.HTCDS.items():
        assert f"| `{code}` | `{mapped.name}`" in text, code
        for name in mapped.values.values():
            assert f"`{name}`" in text, name


def test_a_format_2_body_names_every_field_by_htcds_or_opentrm() -> None:
    body: dict[str, Any] = {
        "format": 2,
        "reference": "R-1",
        "reported_on": "2026-01-01",
        "sections": {"s6_1": {"opentrm_accommodation": "shelter"}, "s1_1": {"prs_Gender": "x"}},
    }
    assert crypto.schema_errors("follow_up", body) == []
    body["sections"]["s1_1"] = {"gender": "Feminine"}  # a name of format 1 in a format 2 body
    assert crypto.schema_errors("follow_up", body) != []
    del body["format"]  # format 1 bodies keep their names
    assert crypto.schema_errors("follow_up", body) == []
