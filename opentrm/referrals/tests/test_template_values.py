"""What a field of the transnational template stores for what a user enters, and the message
a user reads on the field for what it refuses (``clean_value``: the form, the API and the
file import all pass through it)."""

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import override_settings
from django.utils import translation

from opentrm.referrals.services.transnational.values import (
    clean_value,
    country_language,
    current_language,
)
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import Field

TODAY = date(2026, 6, 1)


def _field(code: str) -> Field:
    item = loader.load_template().field(code)
    assert item is not None, code
    return item


def _clean(code: str, raw: Any) -> Any:
    return clean_value(_field(code), raw, lang="en", today=TODAY)


@pytest.mark.parametrize(
    ("code", "raw", "stored"),
    [
        ("s1_1.name", None, None),
        ("s1_1.name", "  ", None),
        (
            "s1_1.name",
            {"text": " Ana Fictiva ", "lang": "ro"},
            {"text": "Ana Fictiva", "lang": "ro"},
        ),
        ("s1_1.name", {"text": "Ana", "lang": "hu"}, {"text": "Ana", "lang": "hu"}),
        ("s1_1.date_of_birth", "", None),
        ("s1_1.date_of_birth", date(1990, 5, 4), "1990-05-04"),
        ("s1_1.date_of_birth", " 1990-05-04 ", "1990-05-04"),
        ("s5.arrival", None, None),
        ("s5.arrival", "2026-07-01T10:15:42", "2026-07-01T10:15"),
        ("s5.arrival", datetime(2026, 7, 1, 10, 15, 59, tzinfo=UTC), "2026-07-01T10:15"),
        ("consent.data_sharing", "unknown", None),
        ("consent.data_sharing", True, True),
        ("consent.data_sharing", "yes", True),
        ("consent.data_sharing", 0, False),
        ("consent.data_sharing", "no", False),
        ("s1_1.sex", "", None),
        ("s1_1.sex", "female", "female"),
        ("s1_1.residence_country", "", None),
        ("s1_1.residence_country", " ro ", "RO"),
        ("s1_1.citizenship", "ro; al, RO", ["AL", "RO"]),
        ("s1_1.citizenship", ["md", " "], ["MD"]),
        ("s1_1.citizenship", None, None),
        ("s1_1.languages", "RO, sq", ["ro", "sq"]),
        ("s1_1.languages", "", None),
        ("header.institution_origin", "", None),
        (
            "header.institution_origin",
            {"institution": " Shelter Fictiva ", "fax": "", "telephone": None},
            {"institution": "Shelter Fictiva"},
        ),
        ("header.institution_origin", {"fax": " "}, None),
        ("s6_2.long_term_medical", None, None),
        ("s6_2.long_term_medical", {"offered": "yes"}, {"offered": True, "accepted": False}),
        ("s6_2.long_term_medical", {"offered": "no", "accepted": "no"}, None),
        ("s1_2.exploitation_type", "labour,sexual", {"codes": ["sexual", "labour"], "other": None}),
        ("s1_2.exploitation_type", [], None),
    ],
)
def test_it_stores_each_type_in_its_stored_form(code: str, raw: Any, stored: Any) -> None:
    assert _clean(code, raw) == stored


def test_a_text_for_other_adds_the_other_choice_and_keeps_its_language() -> None:
    stored = _clean("s1_1.identity_confirmed_by", {"codes": "police", "other": "Fictiva NGO"})

    assert stored == {"codes": ["police", "other"], "other": {"text": "Fictiva NGO", "lang": "en"}}


@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        ("s1_1.name", "x" * 4001, "At most 4000 characters."),
        ("s1_1.name", {"text": "Ana", "lang": "klingon"}, "Unknown language of the text."),
        ("s1_1.date_of_birth", "2026-06-02", "The date is in the future."),
        ("s1_1.date_of_birth", "1899-12-31", "The date is not plausible."),
        ("s1_1.date_of_birth", "04/05/1990", "Enter a valid date (YYYY-MM-DD)."),
        ("s5.arrival", "tomorrow at ten", "Enter a valid date and time (YYYY-MM-DD HH:MM)."),
        ("consent.data_sharing", "maybe", "Answer yes or no."),
        ("s1_1.sex", "unknown_code", "Unknown choice."),
        ("s1_1.residence_country", "XX", "“XX” is not a known country code"),
        ("s1_1.citizenship", 42, "Expected a list."),
        ("s1_1.languages", "ro, xyzw", "“xyzw” is not a known language code."),
        ("header.institution_origin", "Shelter Fictiva", "Expected the contact details."),
        ("header.institution_origin", {"salary": "1"}, "Unknown contact detail."),
        ("header.institution_origin", {"address": "x" * 301}, "At most 300 characters."),
        ("s6_2.long_term_medical", "offered", "Expected offered and accepted."),
        ("s1_2.exploitation_type", "labour, piracy", "Unknown choice."),
        ("s2_1.needs", {"codes": [], "other": "A fictional need"}, "no “other” choice"),
    ],
)
def test_it_refuses_what_the_field_cannot_hold_with_a_message(
    code: str, raw: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _clean(code, raw)


def test_a_travel_date_may_lie_ahead() -> None:
    return_trip = loader.added_field(
        {"code": "s5.return_date", "section": "s5", "type": "date", "group": "travel"}
    )

    assert clean_value(return_trip, "2026-09-01", lang="en", today=TODAY) == "2026-09-01"


@override_settings(LANGUAGES=[("en", "English"), ("sq", "Shqip")])
def test_languages_fall_back_to_the_nodes_default_when_the_node_does_not_speak_them() -> None:
    assert country_language("al") == "sq"
    assert country_language("RO") == "en"  # Romanian is not one of this node's languages
    assert country_language("FR") == "en"
    with translation.override("sq"):
        assert current_language() == "sq"
    with translation.override("ro"):
        assert current_language() == "en"


def test_it_names_every_unknown_code_of_a_list_at_once() -> None:
    """Issue 12 §5: all the errors of one submit, not the first one each time."""
    with pytest.raises(ValueError, match="xyzw") as refused:
        _clean("s1_1.languages", "ro, xyzw, qqqq")
    assert "qqqq" in str(refused.value)
    assert _clean("s1_1.languages", "RO, sq") == ["ro", "sq"]
