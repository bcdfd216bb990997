"""Load and validate the versioned Annex I template, and apply a country's profile to it.

The template is data (``annex1_v<N>.json`` next to this module), read once per version and
cached. Labels are stored in English and translated when read (``gettext``), so one cached
object serves every language; makemessages finds them in the generated ``strings.py``.

A country's profile (``TemplateProfile``) adds fields or switches fields off; it never edits
the shipped definition. ``definition(version, added, disabled)`` is the template one country
uses; every instance stores the added fields' definitions, so a receiver that does not know
them can still render them.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils.translation import gettext

from opentrm.core import shipped_data, strings_module

CURRENT_VERSION = 1
_PACKAGE = "opentrm.referrals.template"
_FILE_NAME = re.compile(r"annex1_v([0-9]+)\.json")
_CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")

EXPLOITATION = "exploitation"
ORIGIN = "origin"
SIDES = (EXPLOITATION, ORIGIN)
GROUPS = (
    "identity",
    "contact",
    "health",
    "proceedings",
    "child_protection",
    "travel",
    "assistance",
)
TYPES = (
    "text",
    "date",
    "datetime",
    "yes_no",
    "choice",
    "multi_choice",
    "country",
    "country_list",
    "language_list",
    "contact",
    "offered_accepted",
)
# What a country may add through its profile (no option lists: their labels would not translate).
ADDABLE_TYPES = ("text", "date", "datetime", "yes_no", "country", "country_list")
FREE_TEXT_TYPES = frozenset({"text"})


@dataclass(frozen=True)
class Option:
    code: str
    label_en: str

    @property
    def label(self) -> str:
        return gettext(self.label_en)


@dataclass(frozen=True)
class Field:
    """One field. ``group`` None: data of organisations, not of the person (never withheld)."""

    code: str
    label_en: str
    type: str
    owner: str
    group: str | None
    section: str
    required_by_law: bool = False
    options: tuple[Option, ...] = ()
    subfields: tuple[Option, ...] = ()
    added: bool = False  # by a country's profile: the label is the country's own text

    @property
    def label(self) -> str:
        return self.label_en if self.added else gettext(self.label_en)

    @property
    def option_codes(self) -> frozenset[str]:
        return frozenset(option.code for option in self.options)

    def option(self, code: str) -> Option | None:
        return next((option for option in self.options if option.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        """The stored form of an added field (profiles and instances keep these)."""
        return {
            "code": self.code,
            "label": self.label_en,
            "type": self.type,
            "section": self.section,
            "group": self.group,
            "owner": self.owner,
        }


@dataclass(frozen=True)
class Section:
    code: str
    number: str
    title_en: str
    chapter: str
    owner: str
    fields: tuple[Field, ...]

    @property
    def title(self) -> str:
        return gettext(self.title_en)

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Chapter:
    code: str
    number: str
    title_en: str

    @property
    def title(self) -> str:
        return gettext(self.title_en)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Template:
    version: int
    title_en: str
    chapters: tuple[Chapter, ...]
    sections: tuple[Section, ...]
    _by_code: Mapping[str, Field] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {f.code: f for f in self.fields})

    @property
    def title(self) -> str:
        return gettext(self.title_en)

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for section in self.sections for f in section.fields)

    def field(self, code: str) -> Field | None:
        return self._by_code.get(code)

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)

    def chapter_sections(self, chapter: str) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.chapter == chapter)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self._by_code)


def available_versions() -> tuple[int, ...]:
    return shipped_data.shipped_versions(_PACKAGE, _FILE_NAME)


def load_template(version: int = CURRENT_VERSION) -> Template:
    """The shipped template of a version; ValueError names the first bad entry. Cached."""
    return _load(version)


@cache
def _load(version: int) -> Template:
    if version not in available_versions():
        raise ValueError(f"no template version {version}")
    data = shipped_data.read_shipped_json(_PACKAGE, f"annex1_v{version}.json")
    return parse_template(data, version=version)


def _text(where: str, data: Mapping[str, Any], key: str, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ValueError(f"{where}: {key} must be a non-empty text")
    if "%" in value:
        raise ValueError(f"{where}: {key} must not contain '%'")
    return value


def _options(where: str, items: Any) -> tuple[Option, ...]:
    if not isinstance(items, list) or not items:
        raise ValueError(f"{where}: expected a non-empty list of options")
    options = tuple(
        Option(code=_text(where, item, "code"), label_en=_text(where, item, "label"))
        for item in items
    )
    if len({option.code for option in options}) != len(options):
        raise ValueError(f"{where}: an option code appears twice")
    return options


def parse_template(data: Any, *, version: int) -> Template:
    """Validate the decoded JSON of a template version and build it. Pure."""
    if not isinstance(data, dict) or data.get("version") != version:
        raise ValueError(f"template: expected an object of version {version}")
    enumerations = {
        name: _options(f"enumeration {name!r}", items)
        for name, items in data.get("enumerations", {}).items()
    }
    subfields = {
        name: _options(f"subfields {name!r}", items)
        for name, items in data.get("subfields", {}).items()
    }
    chapters = tuple(
        Chapter(
            code=_text("chapter", c, "code"),
            number=_text("chapter", c, "number", empty=True),
            title_en=_text("chapter", c, "title"),
        )
        for c in data.get("chapters", [])
    )
    chapter_codes = {c.code for c in chapters}
    sections: list[Section] = []
    seen: set[str] = set()
    for raw in data.get("sections", []):
        code = _text("section", raw, "code")
        where = f"section {code!r}"
        if raw.get("chapter") not in chapter_codes:
            raise ValueError(f"{where}: unknown chapter {raw.get('chapter')!r}")
        if raw.get("owner") not in SIDES:
            raise ValueError(f"{where}: owner must be one of {SIDES}")
        fields: list[Field] = []
        for item in raw.get("fields", []):
            fields.append(_parse_field(where, code, item, enumerations, subfields, seen))
        sections.append(
            Section(
                code=code,
                number=_text(where, raw, "number", empty=True),
                title_en=_text(where, raw, "title"),
                chapter=raw["chapter"],
                owner=raw["owner"],
                fields=tuple(fields),
            )
        )
    return Template(
        version=version,
        title_en=_text("template", data, "title"),
        chapters=chapters,
        sections=tuple(sections),
    )


def _parse_field(
    where: str,
    section: str,
    item: Mapping[str, Any],
    enumerations: Mapping[str, tuple[Option, ...]],
    subfields: Mapping[str, tuple[Option, ...]],
    seen: set[str],
) -> Field:
    code = _text(where, item, "code")
    if not _CODE.fullmatch(code) or not code.startswith(section + "."):
        raise ValueError(f"{where}: field code {code!r} must be '{section}.<name>'")
    if code in seen:
        raise ValueError(f"field {code!r}: duplicate code")
    seen.add(code)
    where = f"field {code!r}"
    type_ = item.get("type")
    if type_ not in TYPES:
        raise ValueError(f"{where}: unknown type {type_!r}")
    if item.get("owner") not in SIDES:
        raise ValueError(f"{where}: owner must be one of {SIDES}")
    group = item.get("group")
    if group is not None and group not in GROUPS:
        raise ValueError(f"{where}: unknown group {group!r}")
    options: tuple[Option, ...] = ()
    if type_ in ("choice", "multi_choice"):
        name = str(item.get("options"))
        if name not in enumerations:
            raise ValueError(f"{where}: unknown enumeration {name!r}")
        options = enumerations[name]
    subs: tuple[Option, ...] = ()
    if type_ == "contact":
        name = str(item.get("subfields"))
        if name not in subfields:
            raise ValueError(f"{where}: unknown subfields {name!r}")
        subs = subfields[name]
    return Field(
        code=code,
        label_en=_text(where, item, "label"),
        type=type_,
        owner=item["owner"],
        group=group,
        section=section,
        required_by_law=bool(item.get("required_by_law", False)),
        options=options,
        subfields=subs,
    )


def added_field(data: Mapping[str, Any]) -> Field:
    """An added field from its stored form (a profile's or an instance's); ValueError if bad."""
    where = "added field"
    code = _text(where, data, "code")
    section = _text(where, data, "section")
    if not _CODE.fullmatch(code) or not code.startswith(section + "."):
        raise ValueError(f"{where}: bad code {code!r}")
    type_ = data.get("type")
    group = data.get("group")
    owner = data.get("owner", EXPLOITATION)
    if type_ not in TYPES or (group is not None and group not in GROUPS) or owner not in SIDES:
        raise ValueError(f"{where} {code!r}: bad type, group or owner")
    return Field(
        code=code,
        label_en=str(data.get("label", code)),
        type=type_,
        owner=owner,
        group=group,
        section=section,
        added=True,
    )


def definition(
    version: int = CURRENT_VERSION,
    *,
    added: Iterable[Mapping[str, Any]] = (),
    disabled: Iterable[str] = (),
) -> Template:
    """The template as one country uses it: the shipped fields minus the switched-off ones
    (never those required by law) plus the added ones, each in its section."""
    base = load_template(version)
    off = set(disabled)
    extra: dict[str, list[Field]] = {}
    for item in added:
        try:
            extra_field = added_field(item)
        except ValueError:
            continue  # a malformed stored entry is left out rather than breaking the page
        if base.field(extra_field.code) is None:
            extra.setdefault(extra_field.section, []).append(extra_field)
    sections = tuple(
        Section(
            code=s.code,
            number=s.number,
            title_en=s.title_en,
            chapter=s.chapter,
            owner=s.owner,
            fields=tuple(f for f in s.fields if f.required_by_law or f.code not in off)
            + tuple(extra.get(s.code, ())),
        )
        for s in base.sections
    )
    return Template(
        version=version, title_en=base.title_en, chapters=base.chapters, sections=sections
    )


# --- strings for translators --------------------------------------------------------------------


def template_strings() -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for version in available_versions():
        template = load_template(version)
        seen.setdefault(template.title_en, "title of the transnational referral template")
        for chapter in template.chapters:
            seen.setdefault(chapter.title_en, f"chapter {chapter.code} of the referral template")
        for section in template.sections:
            seen.setdefault(section.title_en, f"section {section.code} of the referral template")
            for item in section.fields:
                seen.setdefault(item.label_en, f"field {item.code} of the referral template")
                for option in item.options:
                    seen.setdefault(option.label_en, f"an option of the template field {item.code}")
                for sub in item.subfields:
                    seen.setdefault(sub.label_en, "a contact detail in the referral template")
    return tuple(seen.items())


def render_strings_module() -> str:
    """The source of ``strings.py``: every template text inside gettext_noop, ruff-formatted."""
    return strings_module.render_strings_module(
        title="Every translatable text of the transnational referral template.",
        source="annex1_v<N>.json",
        command="python -m opentrm.referrals.template",
        test="opentrm/referrals/tests/test_template.py",
        strings=template_strings(),
    )
