"""The rules every input passes, whichever door it comes in by (HTML form, JSON API, exchange).

One place for them, so a form and the API cannot disagree:

- text: no NUL character (PostgreSQL cannot store it; SQLite can, which would break a later move
  between the two) and no unpaired surrogate (not text at all; the JSON parser lets ``\\ud800``
  through);
- person names, also: no bidi override/isolate controls (U+202A-U+202E, U+2066-U+2069) and no
  zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which make one name look like another;
- integers: within the database's columns (ids 64 bits, other numbers 32 bits);
- dates: within plausible bounds for the field (a date of birth from 1900 to today; other dates
  from 1990 to twenty years ahead, for deadlines, reviews and agreements' terms);
- JSON: nested at most ``MAX_JSON_DEPTH`` levels, measured on the bytes before parsing.

Messages name the rule, never the value.
"""

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_JSON_DEPTH = 32
BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

_SURROGATE = re.compile("[\ud800-\udfff]")
_NAME_FORBIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return str(_("Text must not contain a NUL character."))
    if _SURROGATE.search(value):
        return str(_("Text must not contain an unpaired surrogate (it is not valid Unicode)."))
    return None


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's name, or None."""
    problem = text_problem(value)
    if problem is None and _NAME_FORBIDDEN.search(value):
        problem = str(
            _(
                "A name must not contain invisible direction-changing or zero-width characters "
                "(U+200B-U+200D, U+202A-U+202E, U+2060, U+2066-U+2069, U+FEFF)."
            )
        )
    return problem


def validate_text(value: Any) -> None:
    """Django validator: the text rule."""
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(problem, code="invalid_text")


def validate_person_name(value: Any) -> None:
    """Django validator: the person-name rule."""
    if isinstance(value, str) and (problem := name_problem(value)):
        raise ValidationError(problem, code="invalid_name")


# --- dates --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateBounds:
    """The plausible dates of a field: from ``earliest`` to today plus ``ahead_days``."""

    earliest: date
    ahead_days: int
    label: Any  # lazy text, for messages

    def latest(self) -> date:
        return timezone.localdate() + timedelta(days=self.ahead_days)

    def problem(self, value: date) -> str | None:
        day = value.date() if isinstance(value, datetime) else value
        if self.earliest <= day <= self.latest():
            return None
        return str(
            _("%(label)s must be between %(earliest)s and %(latest)s.")
            % {
                "label": self.label,
                "earliest": self.earliest.isoformat(),
                "latest": self.latest().isoformat(),
            }
        )


BIRTH_DATE = DateBounds(date(1900, 1, 1), 0, gettext_lazy("A date of birth"))
EVENT_DATE = DateBounds(date(1990, 1, 1), 20 * 366, gettext_lazy("A date"))
# The first of a series of dates a service works out from it (follow-up visits: up to 12, up to
# a year apart, cases.services.aftercare): the series' last date stays within EVENT_DATE, as
# the answer listing the series declares it.
SERIES_SPAN_DAYS = 11 * 365
SERIES_START = DateBounds(
    date(1990, 1, 1), EVENT_DATE.ahead_days - SERIES_SPAN_DAYS, gettext_lazy("The first date")
)


_WHOLE_MONTH = {28: "0[1-9]|1[0-9]|2[0-8]", 29: "0[1-9]|[12][0-9]", 30: "0[1-9]|[12][0-9]|30"}


def _days(first: int, last: int) -> str:
    if first == 1 and last in _WHOLE_MONTH:
        return _WHOLE_MONTH[last]
    if first == 1 and last == 31:
        return "0[1-9]|[12][0-9]|3[01]"
    return "|".join(f"{day:02d}" for day in range(first, last + 1))


def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _year_pattern(year: int, first: date | None = None, last: date | None = None) -> str:
    """The days of one year (from ``first`` / up to ``last`` if given in that year)."""
    months = []
    for month in range(1, 13):
        low = 1
        high = _month_days(year, month)
        if first is not None and (month, high) < (first.month, first.day):
            continue
        if last is not None and (month, 1) > (last.month, last.day):
            continue
        if first is not None and month == first.month:
            low = first.day
        if last is not None and month == last.month:
            high = last.day
        months.append(f"{month:02d}-(?:{_days(low, high)})")
    return f"{year}-(?:{'|'.join(months)})"


def date_pattern(earliest: date, latest: date) -> str:
    """A regular expression matching exactly the ISO dates from ``earliest`` to ``latest``: how
    the OpenAPI document declares a date's bounds (JSON Schema has no minimum for a date)."""
    if earliest.year == latest.year:
        return f"^{_year_pattern(earliest.year, earliest, latest)}$"
    parts = [_year_pattern(earliest.year, first=earliest)]
    whole = range(earliest.year + 1, latest.year)
    leap = [str(year) for year in whole if calendar.isleap(year)]
    common = [str(year) for year in whole if not calendar.isleap(year)]
    if common:
        parts.append(f"(?:{'|'.join(common)})-{_year_pattern(1, None, None)[2:]}")
    if leap:
        parts.append(f"(?:{'|'.join(leap)})-{_year_pattern(2000, None, None)[5:]}")
    parts.append(_year_pattern(latest.year, last=latest))
    return f"^(?:{'|'.join(parts)})$"


def date_bounds_for(field_name: str) -> DateBounds:
    """The bounds of a date field, by its name (one table for forms and schemas)."""
    if field_name == "first_on":
        return SERIES_START
    return BIRTH_DATE if "birth" in field_name else EVENT_DATE


def date_validator(bounds: DateBounds) -> Callable[[Any], None]:
    def validate(value: Any) -> None:
        if isinstance(value, date) and (problem := bounds.problem(value)):
            raise ValidationError(problem, code="implausible_date")

    return validate


# --- integers -----------------------------------------------------------------------------------


def is_id_name(field_name: str) -> bool:
    """Whether a field holds ids (64-bit columns) by its name."""
    return field_name == "id" or field_name.endswith(("_id", "_ids"))


def integer_problem(field_name: str, value: int) -> str | None:
    """Ids are 64-bit columns; every other number a 32-bit one."""
    low, high = (BIGINT_MIN, BIGINT_MAX) if is_id_name(field_name) else (INT_MIN, INT_MAX)
    if low <= value <= high:
        return None
    return str(_("The number must be between %(low)s and %(high)s.") % {"low": low, "high": high})


# --- JSON ---------------------------------------------------------------------------------------


# A JSON string (to its closing quote, or to the end of a text cut short) or one bracket: the
# strings are skipped whole by the regular expression engine rather than byte by byte.
_JSON_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def json_too_deep(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays/objects deeper than ``limit``; read before parsing
    (the parser recurses, and a deep document costs time and stack). Brackets inside strings
    do not count; the text need not be valid JSON."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if len(token) != 1 or token[0] == 0x22:  # a string (a lone quote: one cut short)
            continue
        if token[0] in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def bad_text_in(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """``(field path, message)`` for every string (key or value) in parsed JSON that breaks
    the text rule, and every integer beyond 64 bits."""
    if isinstance(value, str):
        if problem := text_problem(value):
            yield ".".join(path), problem
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            yield ".".join(path), integer_problem("id", value) or ""
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            if problem := text_problem(key_text):
                yield ".".join(path), problem
                continue
            yield from bad_text_in(item, (*path, key_text))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bad_text_in(item, (*path, str(index)))


def required_reason(reason: str, missing: str) -> str:
    """The reason given for a step (a deletion, a removal), trimmed; a ``ValidationError`` on
    the field ``reason`` saying ``missing`` when there is none."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": missing})
    return reason


def require_known_fields(changes: Iterable[str], known: Iterable[str], what: str) -> None:
    """Refuse ``changes`` that name a field not ``known`` (a ValueError: the caller's mistake,
    never the user's); ``what`` names the record, with its article ("a hearing")."""
    unknown = set(changes) - set(known)
    if unknown:
        raise ValueError(f"not {what} field: {sorted(unknown)}")
