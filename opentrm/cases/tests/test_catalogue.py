"""The catalogue of TRM procedures and measures: content, validation, translation hooks."""

import copy
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from opentrm import catalogue
from opentrm.catalogue import loader
from opentrm.directory.models import Function

# Table 2 of seed 004 (trm-reference.md §2.3, S4:380-388), in order. One deliberate change:
# the source's "between the receiving the and the referring organization" (marked "sic" in
# the reference) is shown as the reference's own §2.7 heading spells it.
TABLE_2 = {
    "sop1": [
        "Initial referral",
        "Access to basic needs and information",
        "Early risk assessment",
        "Language interpretation and cultural mediation",
        "Recovery and reflection period",
        "(Formal) Identification",
    ],
    "sop2": [
        "Information on assistance options and conditions",
        "Information on legal options and conditions",
        "Intake and needs assessment",
        "Assistance provision and protection",
    ],
    "sop3": [
        "Joint development of the individual assistance plan (IAP)",
        "Consent procedures to implement the IAP",
        "Adjustment and social inclusion",
        "Legal support and assistance",
    ],
    "sop4": [
        "Informed decision to return",
        "Risk and social inclusion risk assessment",
        "Risk management plan",
        "Family tracing",
        "Documentation",
        "Information sharing between the receiving and the referring organisation"
        " and with the assisted person",
        "Safe transport/transfer and arrival assistance",
    ],
    "sop5": [
        "Evidence gathering",
        "Preparing the victim-witness support before the trial",
        "Victim-witness support during the trial",
        "Victim-witness support after the trial",
        "Support for compensation claims",
    ],
}

GUARD_IDS = {f"SOP-P{n}" for n in range(1, 16)}  # trm-reference.md §2.10


def shipped_json() -> dict[str, Any]:
    path = resources.files("opentrm.catalogue") / "measures_v1.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def first_measure(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["sops"][0]["measures"][0]
    return found


def test_it_lists_the_five_procedures_as_the_directory_names_them() -> None:
    sops = catalogue.load_catalogue().sops

    assert [sop.code for sop in sops] == ["sop1", "sop2", "sop3", "sop4", "sop5"]
    for sop in sops:
        assert sop.name_en == str(Function(sop.code).label)


def test_it_holds_the_26_measures_of_table_2_in_order() -> None:
    cat = catalogue.load_catalogue()

    assert {sop.code: [m.name_en for m in sop.measures] for sop in cat.sops} == TABLE_2
    assert len(cat.measures) == 26


def test_it_gives_every_measure_a_unique_code_prefixed_by_its_procedure() -> None:
    measures = catalogue.load_catalogue().measures

    assert len({m.code for m in measures}) == 26
    for m in measures:
        assert re.fullmatch(rf"{m.sop_code}\.[a-z][a-z0-9_]*", m.code)


def test_it_answers_what_when_who_and_how_with_sources_for_every_measure() -> None:
    for m in catalogue.load_catalogue().measures:
        for text in (m.guidance.what, m.guidance.when, m.guidance.who, m.guidance.how):
            assert text.strip()
        assert m.sources
        assert set(m.guards) <= GUARD_IDS, m.code


def test_it_cites_table_2_for_every_measure() -> None:
    table_line = {"sop1": "S4:384", "sop2": "S4:385", "sop3": "S4:386"}
    table_line |= {"sop4": "S4:387", "sop5": "S4:388"}

    for m in catalogue.load_catalogue().measures:
        assert table_line[m.sop_code] in m.sources, m.code


def test_it_gives_the_reflection_period_its_30_days_and_no_invented_deadlines() -> None:
    measures = catalogue.load_catalogue().measures

    deadlines = {m.code: m.default_deadline_days for m in measures if m.default_deadline_days}
    assert deadlines == {"sop1.reflection_period": 30}


def test_it_marks_the_consent_and_child_safeguards_on_their_measures() -> None:
    assert "SOP-P3" in catalogue.measure("sop4.informed_decision").guards
    assert "SOP-P4" in catalogue.measure("sop3.iap_consent").guards
    assert "SOP-P6" in catalogue.measure("sop4.family_tracing").guards
    assert "SOP-P8" in catalogue.measure("sop4.safe_transport").guards
    assert "SOP-P2" in catalogue.measure("sop4.information_sharing").guards


def test_it_says_so_where_the_sources_are_silent() -> None:
    silent = catalogue.measure("sop5.compensation_claims").guidance

    assert silent.when == catalogue.NOT_SPECIFIED


def test_it_looks_a_measure_up_by_code_and_refuses_an_unknown_one() -> None:
    found = catalogue.measure("sop1.reflection_period")

    assert found.name_en == "Recovery and reflection period"
    assert found.sop_code == "sop1"
    with pytest.raises(KeyError, match=r"sop9\.nothing"):
        catalogue.measure("sop9.nothing")


def test_it_reads_each_version_once() -> None:
    assert catalogue.load_catalogue() is catalogue.load_catalogue(1)


def test_it_refuses_a_version_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="no measure catalogue version 99"):
        catalogue.load_catalogue(99)


def test_it_translates_names_when_they_are_read() -> None:
    sop = catalogue.load_catalogue().sops[0]

    with translation.override("sq"):
        albanian = sop.name
    with translation.override("en"):
        english = sop.name

    assert english == "Identification"
    assert albanian not in {"", "Identification"}


def test_it_rejects_a_duplicate_measure_code() -> None:
    data = shipped_json()
    data["sops"][0]["measures"][1]["code"] = "sop1.initial_referral"

    with pytest.raises(ValueError, match=r"measure 'sop1.initial_referral': duplicate code"):
        loader.parse_catalogue(data, version=1)


def test_it_rejects_a_measure_code_outside_its_procedure() -> None:
    data = shipped_json()
    data["sops"][1]["measures"][0]["code"] = "sop1.assistance_information"

    with pytest.raises(ValueError, match=r"code 'sop1.assistance_information' must be 'sop2'"):
        loader.parse_catalogue(data, version=1)


@pytest.mark.parametrize("key", ["what", "when", "who", "how", "name"])
def test_it_rejects_empty_guidance(key: str) -> None:
    data = shipped_json()
    first_measure(data)[key] = "  "

    with pytest.raises(ValueError, match=rf"measure 'sop1.initial_referral': {key} must be"):
        loader.parse_catalogue(data, version=1)


def test_it_rejects_missing_guidance() -> None:
    data = shipped_json()
    del first_measure(data)["how"]

    with pytest.raises(ValueError, match=r"measure 'sop1.initial_referral': missing how"):
        loader.parse_catalogue(data, version=1)


@pytest.mark.parametrize("deadline", [0, -5, 2.5, "30", True])
def test_it_rejects_a_deadline_that_is_not_a_positive_number_of_days(deadline: object) -> None:
    data = shipped_json()
    first_measure(data)["default_deadline_days"] = deadline

    with pytest.raises(
        ValueError, match=r"measure 'sop1.initial_referral': default_deadline_days must be null"
    ):
        loader.parse_catalogue(data, version=1)


def test_it_rejects_an_unknown_guard_or_source_format() -> None:
    data = shipped_json()
    bad_guard = copy.deepcopy(data)
    first_measure(bad_guard)["guards"] = ["consent"]
    bad_source = copy.deepcopy(data)
    first_measure(bad_source)["sources"] = ["page 4"]

    with pytest.raises(ValueError, match=r"guards entry 'consent' is not a guard id"):
        loader.parse_catalogue(bad_guard, version=1)
    with pytest.raises(ValueError, match=r"sources entry 'page 4' is not a seed citation"):
        loader.parse_catalogue(bad_source, version=1)


def test_it_rejects_an_unknown_key() -> None:
    data = shipped_json()
    first_measure(data)["deadline"] = 3

    with pytest.raises(ValueError, match=r"measure 'sop1.initial_referral': unknown key"):
        loader.parse_catalogue(data, version=1)


def test_it_rejects_a_file_claiming_another_version() -> None:
    with pytest.raises(ValueError, match=r"version is 1, expected 2"):
        loader.parse_catalogue(shipped_json(), version=2)


def test_it_accepts_the_shipped_file_as_is() -> None:
    parsed = loader.parse_catalogue(shipped_json(), version=1)

    assert parsed == catalogue.load_catalogue()


def test_it_keeps_strings_py_in_step_with_the_json() -> None:
    strings_py = Path(loader.__file__).with_name("strings.py")

    assert strings_py.read_text(encoding="utf-8") == loader.render_strings_module(), (
        "strings.py is out of date: run `python -m opentrm.catalogue`"
    )


def test_it_offers_every_catalogue_text_to_translators() -> None:
    from opentrm.catalogue.strings import STRINGS

    cat = catalogue.load_catalogue()
    texts = {sop.name_en for sop in cat.sops}
    for m in cat.measures:
        g = m.guidance
        texts |= {m.name_en, g.what_en, g.when_en, g.who_en, g.how_en}
    assert set(STRINGS) == texts
