"""Reference data of the directory: ISO country and language names, translated.

Names come from the ISO tables shipped with ``pycountry`` (with their translations), so every
country and language has a name in every UI language without a catalogue of our own.
Kosovo has no ISO 3166 code; ``XK`` is the user-assigned code in common use.
"""

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext as _

EXTRA_COUNTRIES = {"XK": "Kosovo"}

# Django's code for a UI language -> the iso-codes catalogue with the same script.
_ISO_LOCALE = {"sr": "sr", "sr-latn": "sr@latin", "sq": "sq", "ro": "ro"}


@cache
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    locale = _ISO_LOCALE.get(language, language)
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def is_country_code(code: str) -> bool:
    return code in EXTRA_COUNTRIES or pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str) -> str:
    """The country's common name in the active UI language."""
    if code == "XK":
        return _("Kosovo")
    record = pycountry.countries.get(alpha_2=code)
    if record is None:
        return code
    english = getattr(record, "common_name", None) or record.name
    return _catalogue("iso3166-1", get_language() or "en").gettext(english)


def all_country_codes() -> list[str]:
    return sorted([c.alpha_2 for c in pycountry.countries] + list(EXTRA_COUNTRIES))


@cache
def all_language_codes() -> list[str]:
    """Every code ``is_language_code`` accepts: ISO 639-1 (2 letters) and 639-3 (3 letters)."""
    codes = {lang.alpha_3 for lang in pycountry.languages}
    codes |= {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    return sorted(codes)


def _language_record(code: str) -> object | None:
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code)
    return pycountry.languages.get(alpha_3=code)


def is_language_code(code: str) -> bool:
    return _language_record(code) is not None


def language_name(code: str) -> str:
    if code in ("rom", "rmy"):
        # The ISO table's translations use exonyms some Roma find offensive.
        return _("Romani")
    record = _language_record(code)
    if record is None:
        return code
    english: str = record.name  # type: ignore[attr-defined]
    return _catalogue("iso639-3", get_language() or "en").gettext(english)


@cache
def two_letter_language_codes() -> list[str]:
    """The ISO 639-1 codes: the languages most people can name."""
    return sorted(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
