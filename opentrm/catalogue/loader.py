"""Load and validate the versioned catalogue of TRM procedures (SOPs) and their measures.

The catalogue is data (``measures_v<N>.json`` next to this module), read once per version and
cached. Text is stored in English; ``name`` and the guidance fields are translated when they are
read, with ``gettext``, so the same cached objects serve every language. makemessages finds the
English text in ``strings.py``, which is generated from the JSON (see that module).

A country's own changes (renamed or switched-off measures, other deadlines) are configuration
on top of this catalogue, not edits to it: a published version never changes meaning.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils.translation import gettext

from opentrm.core import shipped_data, strings_module

# The proceedings SOP: its measures (and their notes) are proceedings data.
PROCEEDINGS_SOP = "sop5"

CURRENT_VERSION = 1

# What a guidance field says when the TRM sources are silent (trm-reference.md, GAP-01).
NOT_SPECIFIED = "Not specified in the TRM sources; set by national SOPs."

GUIDANCE_FIELDS = ("what", "when", "who", "how")
_SOP_KEYS = frozenset({"code", "name", "measures"})
_MEASURE_KEYS = frozenset(
    {"code", "name", *GUIDANCE_FIELDS, "default_deadline_days", "sources", "guards"}
)
_SOP_CODE = re.compile(r"sop[1-9][0-9]*")
_MEASURE_SUFFIX = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# A seed citation as trm-reference.md writes it: S4:1983 or S4:380-388.
_SOURCE = re.compile(r"S[0-9]+:[0-9]+(?:-[0-9]+)?")
# A guard of trm-reference.md §2.10.
_GUARD = re.compile(r"SOP-P[0-9]+")
# trm-reference.md §2.10 has fifteen guards; a catalogue lists no other.
KNOWN_GUARDS = frozenset(f"SOP-P{n}" for n in range(1, 16))
_FILE_NAME = re.compile(r"measures_v([0-9]+)\.json")
_PACKAGE = "opentrm.catalogue"


@dataclass(frozen=True)
class Guidance:
    """The four questions every TRM measure answers (trm-reference.md SOP-00b), in English."""

    what_en: str
    when_en: str
    who_en: str
    how_en: str

    @property
    def what(self) -> str:
        return gettext(self.what_en)

    @property
    def when(self) -> str:
        return gettext(self.when_en)

    @property
    def who(self) -> str:
        return gettext(self.who_en)

    @property
    def how(self) -> str:
        return gettext(self.how_en)


class _Named:
    """A catalogue entry shown by its English name, translated."""

    name_en: str

    @property
    def name(self) -> str:
        return gettext(self.name_en)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Measure(_Named):
    """One measure of a SOP, e.g. ``sop1.reflection_period``. Codes are stored: never reuse one."""

    code: str
    sop_code: str
    name_en: str
    guidance: Guidance
    default_deadline_days: int | None
    sources: tuple[str, ...]
    guards: tuple[str, ...]


@dataclass(frozen=True)
class Sop(_Named):
    """One of the five TRM standard operating procedures; its code is a directory ``Function``."""

    code: str
    name_en: str
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Catalogue:
    """One version of the catalogue: the SOPs in order, each with its measures in order."""

    version: int
    sops: tuple[Sop, ...]
    _by_code: Mapping[str, Measure] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {m.code: m for m in self.measures})

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(m for sop in self.sops for m in sop.measures)

    def measure(self, code: str) -> Measure:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(
                f"unknown measure code {code!r} in catalogue version {self.version}"
            ) from None

    def sop(self, code: str) -> Sop:
        for sop in self.sops:
            if sop.code == code:
                return sop
        raise KeyError(f"unknown SOP code {code!r} in catalogue version {self.version}")


def available_versions() -> tuple[int, ...]:
    """The catalogue versions shipped with the code, oldest first."""
    return shipped_data.shipped_versions(_PACKAGE, _FILE_NAME)


def load_catalogue(version: int = CURRENT_VERSION) -> Catalogue:
    """Read, validate and return a catalogue version; ValueError names the first bad entry.

    Cached: every call for a version returns the same immutable object.
    """
    return _load(version)


@cache
def _load(version: int) -> Catalogue:
    if version not in available_versions():
        raise ValueError(f"no measure catalogue version {version}")
    data = shipped_data.read_shipped_json(_PACKAGE, f"measures_v{version}.json")
    return parse_catalogue(data, version=version)


def measure(code: str, version: int = CURRENT_VERSION) -> Measure:
    """The measure with this code; KeyError if the catalogue version has none."""
    return load_catalogue(version).measure(code)


def parse_catalogue(data: Any, *, version: int) -> Catalogue:
    """Validate the decoded JSON of a catalogue and build it. Pure: no files, no cache."""
    if not isinstance(data, dict):
        raise ValueError("catalogue: expected a JSON object")
    _check_keys("catalogue", data, {"version", "sops"})
    if data["version"] != version:
        raise ValueError(f"catalogue: version is {data['version']!r}, expected {version}")
    sops_data = _list_of_objects("catalogue", data, "sops")
    sops: list[Sop] = []
    sop_codes: set[str] = set()
    measure_codes: set[str] = set()
    for index, sop_data in enumerate(sops_data, start=1):
        sop = _parse_sop(f"SOP #{index}", sop_data, measure_codes)
        if sop.code in sop_codes:
            raise ValueError(f"SOP {sop.code!r}: duplicate code")
        sop_codes.add(sop.code)
        sops.append(sop)
    return Catalogue(version=version, sops=tuple(sops))


def _parse_sop(where: str, data: dict[str, Any], measure_codes: set[str]) -> Sop:
    code = _text(where, data, "code")
    if not _SOP_CODE.fullmatch(code):
        raise ValueError(f"{where}: code {code!r} is not of the form sop<N>")
    where = f"SOP {code!r}"
    _check_keys(where, data, _SOP_KEYS)
    name = _text(where, data, "name")
    measures: list[Measure] = []
    for index, measure_data in enumerate(_list_of_objects(where, data, "measures"), start=1):
        item = _parse_measure(f"{where} measure #{index}", code, measure_data)
        if item.code in measure_codes:
            raise ValueError(f"measure {item.code!r}: duplicate code")
        measure_codes.add(item.code)
        measures.append(item)
    return Sop(code=code, name_en=name, measures=tuple(measures))


def _parse_measure(where: str, sop_code: str, data: dict[str, Any]) -> Measure:
    code = _text(where, data, "code")
    prefix, dot, suffix = code.partition(".")
    if prefix != sop_code or not dot or not _MEASURE_SUFFIX.fullmatch(suffix):
        raise ValueError(
            f"{where}: code {code!r} must be {sop_code!r}, a dot and a snake_case name"
        )
    where = f"measure {code!r}"
    _check_keys(where, data, _MEASURE_KEYS)
    name = _text(where, data, "name")
    what, when, who, how = (_text(where, data, key) for key in GUIDANCE_FIELDS)
    deadline = data["default_deadline_days"]
    # bool is an int in Python; a deadline of `true` days is a mistake in the file.
    if deadline is not None and (type(deadline) is not int or deadline <= 0):
        raise ValueError(
            f"{where}: default_deadline_days must be null or a positive whole number of days, "
            f"not {deadline!r}"
        )
    sources = _codes(where, data, "sources", _SOURCE, "a seed citation such as S4:384")
    if not sources:
        raise ValueError(f"{where}: sources must cite at least one seed passage")
    guards = _codes(where, data, "guards", _GUARD, "a guard id such as SOP-P3")
    unknown = sorted(set(guards) - KNOWN_GUARDS)
    if unknown:
        raise ValueError(f"{where}: unknown guard(s) {', '.join(unknown)} (SOP-P1 to SOP-P15)")
    return Measure(
        code=code,
        sop_code=sop_code,
        name_en=name,
        guidance=Guidance(what_en=what, when_en=when, who_en=who, how_en=how),
        default_deadline_days=deadline,
        sources=sources,
        guards=guards,
    )


def _check_keys(where: str, data: dict[str, Any], expected: Iterable[str]) -> None:
    expected = frozenset(expected)
    missing = sorted(expected - data.keys())
    unknown = sorted(data.keys() - expected)
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _text(where: str, data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} must be a non-empty text")
    if value != value.strip():
        raise ValueError(f"{where}: {key} has leading or trailing spaces")
    # xgettext would flag a percent sign as a format string and translators would have to
    # keep it; the catalogue text is never formatted, so it has no business containing one.
    if "%" in value:
        raise ValueError(f"{where}: {key} must not contain '%'")
    return value


def _list_of_objects(where: str, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: {key} must be a non-empty list")
    if not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{where}: every entry of {key} must be an object")
    return value


def _codes(
    where: str, data: dict[str, Any], key: str, pattern: re.Pattern[str], example: str
) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, list):
        raise ValueError(f"{where}: {key} must be a list")
    for item in value:
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise ValueError(f"{where}: {key} entry {item!r} is not {example}")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: {key} lists an entry twice")
    return tuple(value)


def catalogue_strings() -> tuple[tuple[str, str], ...]:
    """Every translatable text of every shipped version, once each: (text, translator note)."""
    seen: dict[str, str] = {}
    for version in available_versions():
        for sop in load_catalogue(version).sops:
            seen.setdefault(sop.name_en, f"name of the TRM procedure {sop.code}")
            for item in sop.measures:
                seen.setdefault(item.name_en, f"name of the TRM measure {item.code}")
                for key in GUIDANCE_FIELDS:
                    text = getattr(item.guidance, f"{key}_en")
                    seen.setdefault(text, f"{key.upper()} guidance of the TRM measure {item.code}")
    if NOT_SPECIFIED in seen:  # shared by many measures: say so rather than name the first
        seen[NOT_SPECIFIED] = "guidance given wherever the TRM sources say nothing"
    return tuple(seen.items())


def render_strings_module() -> str:
    """The source of ``strings.py``: every catalogue text inside gettext_noop, ruff-formatted."""
    return strings_module.render_strings_module(
        title="Every translatable text of the TRM measure catalogue, for makemessages.",
        source="measures_v<N>.json",
        command="python -m opentrm.catalogue",
        test="opentrm/cases/tests/test_catalogue.py",
        strings=catalogue_strings(),
    )
