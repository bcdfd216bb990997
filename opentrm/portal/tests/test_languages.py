"""Every shipped language is complete for the glossary and the SOP guides (issue 19).

The glossary's words live in the portal's data file, written for every language in
``settings.LANGUAGES``; the SOP guides are the measure catalogue, translated in the project's
message catalogues. A user who picks Serbian must not meet an English definition or guide.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from opentrm.catalogue.loader import load_catalogue
from opentrm.portal.models import GlossaryTerm, GlossaryText
from opentrm.portal.services import GLOSSARY_FILE, glossary_load, shipped

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
# Latin letters a Serbian (Cyrillic) text may hold: none in the glossary.
_LATIN = re.compile(r"[A-Za-z]")


def _catalogue_texts() -> list[str]:
    texts: list[str] = []
    for sop in load_catalogue().sops:
        texts.append(sop.name_en)
        for measure in sop.measures:
            g = measure.guidance
            texts += [measure.name_en, g.what_en, g.when_en, g.who_en, g.how_en]
    return texts


def test_every_glossary_term_has_every_shipped_language() -> None:
    data = shipped(GLOSSARY_FILE)
    assert len(data["terms"]) >= 40  # the working definitions of reference §11.1
    missing = [
        f"{term['slug']}/{code}"
        for term in data["terms"]
        for code in LANGUAGES
        if not (term["texts"].get(code, {}).get("name") and term["texts"][code].get("definition"))
    ]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_glossary_definition_is_left_in_english(language: str) -> None:
    same = [
        term["slug"]
        for term in shipped(GLOSSARY_FILE)["terms"]
        if term["texts"][language]["definition"] == term["texts"]["en"]["definition"]
        or term["texts"][language]["name"] == term["texts"]["en"]["name"]
    ]
    assert same == []


def test_the_serbian_glossary_is_in_cyrillic() -> None:
    latin = [
        term["slug"]
        for term in shipped(GLOSSARY_FILE)["terms"]
        if _LATIN.search(term["texts"]["sr"]["name"] + term["texts"]["sr"]["definition"])
    ]
    assert latin == []


@pytest.mark.django_db
def test_the_loaded_glossary_holds_every_language_for_every_term() -> None:
    glossary_load()
    terms = GlossaryTerm.objects.count()
    for code in LANGUAGES:
        assert GlossaryText.objects.filter(language=code).count() == terms, code


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_sop_guide_text_is_translated(language: str) -> None:
    with translation.override(language):
        untranslated = [text for text in _catalogue_texts() if translation.gettext(text) == text]
        labels = [label for label in ("What", "When", "Who", "How") if _(label) == label]
    assert untranslated == []
    assert labels == []


def _(text: str) -> str:
    return translation.gettext(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED)
def test_an_sop_guide_page_shows_no_english_guidance(language: str) -> None:
    english = {text for text in _catalogue_texts() if len(text) > 40}
    for sop in load_catalogue().sops:
        page = Client().get(reverse("portal:sop_guide", args=[language, sop.code])).text
        assert [text for text in english if text in page] == [], sop.code
