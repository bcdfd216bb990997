"""Template values: each field type's stored form, and the languages free text is in."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.policy import FieldGroup
from opentrm.directory import reference
from opentrm.referrals.models import (
    ReferralStatus,
)
from opentrm.referrals.template.loader import Field

S = ReferralStatus

# The language a country's documents are in by default (the node's languages: en, sq, ro, sr).
COUNTRY_LANGUAGE = {"AL": "sq", "XK": "sq", "RO": "ro", "MD": "ro", "RS": "sr", "ME": "sr"}
TEXT_MAX = 4000
CONTACT_MAX = 300


def node_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def country_language(country_code: str) -> str:
    language = COUNTRY_LANGUAGE.get(country_code.upper(), "en")
    return language if language in node_languages() else settings.LANGUAGE_CODE


def current_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in node_languages() else settings.LANGUAGE_CODE


# --- values -----------------------------------------------------------------------------------


def _free_text(raw: Any, lang: str) -> dict[str, str] | None:
    if isinstance(raw, Mapping):
        text = str(raw.get("text", "") or "")
        lang = str(raw.get("lang", "") or lang)
    elif raw is None:
        return None
    else:
        text = str(raw)
    text = text.strip()
    if not text:
        return None
    if len(text) > TEXT_MAX:
        raise ValueError(_("At most %(max)s characters.") % {"max": TEXT_MAX})
    if lang not in node_languages() and not reference.is_language_code(lang):
        raise ValueError(_("Unknown language of the text."))
    return {"text": text, "lang": lang}


def _bool(raw: Any) -> bool | None:
    if raw in (None, "", "unknown"):
        return None
    if isinstance(raw, bool):
        return raw
    if raw in ("yes", "true", "1", 1):
        return True
    if raw in ("no", "false", "0", 0):
        return False
    raise ValueError(_("Answer yes or no."))


def _codes(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    if isinstance(raw, list | tuple):
        return [str(part).strip() for part in raw if str(part).strip()]
    raise ValueError(_("Expected a list."))


def _country(raw: Any) -> str:
    code = str(raw).strip().upper()
    if not reference.is_country_code(code):
        raise ValueError(
            _("“%(code)s” is not a known country code (ISO 3166-1 alpha-2).") % {"code": code}
        )
    return code


def _all_refused(problems: list[str]) -> None:
    """Every unknown code of a list at once, not the first one per submit (issue 12 §5)."""
    if problems:
        raise ValueError(" ".join(problems))


def _country_list(codes: list[str]) -> list[str] | None:
    countries, problems = set(), []
    for code in codes:
        try:
            countries.add(_country(code))
        except ValueError as error:
            problems.append(str(error))
    _all_refused(problems)
    return sorted(countries) or None


def _language_list(codes: list[str]) -> list[str] | None:
    problems = [
        _("“%(code)s” is not a known language code.") % {"code": code}
        for code in codes
        if not reference.is_language_code(code.lower())
    ]
    _all_refused(problems)
    return sorted({code.lower() for code in codes}) or None


def clean_value(item: Field, raw: Any, *, lang: str, today: date | None = None) -> Any:
    """The stored form of ``raw`` for ``item`` (None when empty); ValueError with a message."""
    today = today or timezone.localdate()
    kind = item.type
    if kind == "text":
        return _free_text(raw, lang)
    if kind == "date":
        if raw in (None, ""):
            return None
        day = raw if isinstance(raw, date) else _parse_date(str(raw))
        if day > today and item.group != FieldGroup.TRAVEL:
            raise ValueError(_("The date is in the future."))
        if day.year < 1900:
            raise ValueError(_("The date is not plausible."))
        return day.isoformat()
    if kind == "datetime":
        if raw in (None, ""):
            return None
        moment = raw if isinstance(raw, datetime) else _parse_datetime(str(raw))
        return moment.replace(tzinfo=None, second=0, microsecond=0).isoformat(timespec="minutes")
    if kind == "yes_no":
        return _bool(raw)
    if kind == "choice":
        if raw in (None, ""):
            return None
        if str(raw) not in item.option_codes:
            raise ValueError(_("Unknown choice."))
        return str(raw)
    if kind == "multi_choice":
        return _multi_choice(item, raw, lang)
    if kind == "country":
        return _country(raw) if raw not in (None, "") else None
    if kind == "country_list":
        return _country_list(_codes(raw))
    if kind == "language_list":
        return _language_list(_codes(raw))
    if kind == "contact":
        if raw in (None, ""):
            return None
        if not isinstance(raw, Mapping):
            raise ValueError(_("Expected the contact details."))
        allowed = {sub.code for sub in item.subfields}
        if set(raw) - allowed:
            raise ValueError(_("Unknown contact detail."))
        block = {
            k: str(v).strip() for k, v in raw.items() if v not in (None, "") and str(v).strip()
        }
        if any(len(v) > CONTACT_MAX for v in block.values()):
            raise ValueError(_("At most %(max)s characters.") % {"max": CONTACT_MAX})
        return block or None
    # "offered_accepted", the last of loader.TYPES (the loader refuses any other type)
    if raw in (None, ""):
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(_("Expected offered and accepted."))
    pair = {
        "offered": bool(_bool(raw.get("offered"))),
        "accepted": bool(_bool(raw.get("accepted"))),
    }
    return pair if pair["offered"] or pair["accepted"] else None


def _multi_choice(item: Field, raw: Any, lang: str) -> Any:
    other_raw: Any = None
    if isinstance(raw, Mapping):
        codes, other_raw = _codes(raw.get("codes")), raw.get("other")
    else:
        codes = _codes(raw)
    unknown = [code for code in codes if code not in item.option_codes]
    if unknown:
        raise ValueError(_("Unknown choice."))
    other = _free_text(other_raw, lang)
    if other is not None and "other" not in codes:
        if "other" not in item.option_codes:
            raise ValueError(_("This field has no “other” choice."))
        codes.append("other")
    ordered = [o.code for o in item.options if o.code in codes]
    return {"codes": ordered, "other": other} if ordered else None


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("Enter a valid date (YYYY-MM-DD).")) from None


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("Enter a valid date and time (YYYY-MM-DD HH:MM).")) from None


def has_value(value: Any) -> bool:
    return value is not None and value != [] and value != {}
