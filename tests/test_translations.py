"""The shipped translations: complete, never fuzzy, compiled, and covering every string in the code.

Every language offered in the language switcher (``settings.LANGUAGES`` except the English
source) must be complete: a user who picks Serbian must never meet an English label. The
catalogues are read with the small parser below, so the suite needs neither polib nor the GNU
gettext tools; only the check for strings not yet extracted runs ``makemessages`` and therefore
needs xgettext. How to fix each failure: docs/translating.md.
"""

import gettext
import re
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

import opentrm
from opentrm.accounts.roles import Role
from opentrm.directory.models import Function, OrganisationType

PACKAGE_DIR = Path(opentrm.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
SOURCE_LANGUAGE = "en"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]

# The options docs/translating.md gives for `django-admin makemessages`; keep the two in step.
MAKEMESSAGES_OPTIONS = {
    "ignore_patterns": ["tests", "migrations"],
    "add_location": "file",
    "no_obsolete": True,
}
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")

# Translations that may equal the English text: codes, and words the language shares.
SAME_AS_ENGLISH = {"24/7", "CSV", "PDF", "OpenTRM: %(kind)s", "k", "epsilon", "Epsilon"}
SAME_AS_ENGLISH_IN = {
    "sq": set(),
    "ro": {
        "Adult",
        "E-mail",
        "Expert",
        "Fax",
        "Indicator",
        "Kosovo",
        "Portal",
        "Romani",
        "Statistician",
        "Total",
        "indicator",
        "link",
        "participant",
        "prefix",
    },
    "sr": set(),
}
# Latin-script words a Serbian (Cyrillic) text may contain: names, codes and technical terms.
LATIN_IN_CYRILLIC = {
    "API",
    "CSRF",
    "CSV",
    "Debian",
    "Excel",
    "ID",
    "ISO",
    "OpenTRM",
    "PDF",
    "Pango",
    "Skype",
    "UTF-8",
    "X-CSRFToken",
    "X-Request-ID",
    "XLSX",
    "apt-get",  # a command to type
    "en",
    "install",
    "it",
    "languages",  # an import column's name
    "sq",
    "sr",
    "xls",
}
_PY_FORMAT = re.compile(r"%(?:\((?P<name>\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        """The message's key in a compiled .mo file (context and plural joined as msgfmt does)."""
        key = self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"
        return key if self.msgid_plural is None else f"{key}\x00{self.msgid_plural}"

    @property
    def forms(self) -> list[str]:
        return [self.msgstr.get(index, "") for index in range(max(self.msgstr, default=0) + 1)]

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")

    def unescape(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise ValueError(f"{path}:{number}: unknown escape \\{char}")
        return _ESCAPES[char]

    return re.sub(r"\\(.)", unescape, text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """The header entry and the messages of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # (keyword, plural index) the next "..." line extends
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: a string continues nothing")
            _append(current, target, _unquote(line, path, number))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            # A new message starts (a msgctxt or msgid after the previous msgstr).
            current = Entry(line=number, flags=flags)
            entries.append(current)
            flags = set()
        if current is None:
            raise ValueError(f"{path}:{number}: {keyword} before any msgid")
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            target = ("msgstr", int(plural.group(1)))
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            target = (keyword, 0)
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
        _start(current, target)
        _append(current, target, _unquote(rest, path, number))
    if not entries or entries[0].msgid != "" or entries[0].msgctxt is not None:
        raise ValueError(f'{path}: the first entry must be the header (msgid "")')
    return entries[0], entries[1:]


def _start(entry: Entry, target: tuple[str, int]) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = ""
    elif keyword == "msgctxt":
        entry.msgctxt = ""
    elif keyword == "msgid_plural":
        entry.msgid_plural = ""


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] += text
    elif keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif keyword == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:
        entry.msgid += text


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, _colon, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields


def read_mo(path: Path) -> dict[str, str]:
    """All messages of a compiled .mo file, keyed as msgfmt keys them (GNU .mo format)."""
    data = path.read_bytes()
    if data[:4] == b"\xde\x12\x04\x95":
        order = "<"
    elif data[:4] == b"\x95\x04\x12\xde":
        order = ">"
    else:
        raise ValueError(f"{path} is not a .mo file")
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    messages = {}
    for index in range(count):
        key_length, key_offset = struct.unpack_from(order + "2I", data, originals + 8 * index)
        value_length, value_offset = struct.unpack_from(
            order + "2I", data, translations + 8 * index
        )
        key = data[key_offset : key_offset + key_length].decode("utf-8")
        messages[key] = data[value_offset : value_offset + value_length].decode("utf-8")
    return messages


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def django_plural_forms(language: str) -> str:
    """The Plural-Forms header of Django's own catalogue for the language."""
    catalogue = Path(django.__file__).resolve().parent / "conf" / "locale"
    with (catalogue / language / "LC_MESSAGES" / "django.mo").open("rb") as mo_file:
        return gettext.GNUTranslations(mo_file).info()["plural-forms"]


def _plural_rule(plural_forms: str) -> tuple[int, Callable[[int], int]]:
    """nplurals and the form-choosing function of a Plural-Forms header value."""
    match = re.fullmatch(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=(.+?);?\s*", plural_forms)
    assert match, f"malformed Plural-Forms header: {plural_forms!r}"
    return int(match.group(1)), gettext.c2py(match.group(2))


def _failures(title: str, problems: list[str]) -> str:
    return f"{title} ({len(problems)}):\n  " + "\n  ".join(problems)


@pytest.fixture(params=SHIPPED)
def language(request: pytest.FixtureRequest) -> str:
    code: str = request.param
    return code


@pytest.fixture
def catalogue(language: str) -> tuple[Entry, list[Entry]]:
    return parse_po(po_path(language))


def test_it_ships_a_catalogue_for_every_language_in_the_switcher() -> None:
    assert SHIPPED, "settings.LANGUAGES offers no language besides English"
    missing = [code for code in SHIPPED if not po_path(code).is_file()]
    assert not missing, f"languages in settings.LANGUAGES without a catalogue: {missing}"


def test_it_leaves_no_entry_untranslated_or_fuzzy(
    language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    header, entries = catalogue
    problems = (
        [f"the header is marked fuzzy ({po_path(language)})"] if "fuzzy" in header.flags else []
    )
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry}")
        if not entry.msgstr or not all(entry.forms):
            problems.append(f"untranslated: {entry}")
    assert not problems, _failures(f"{po_path(language)} is not complete", problems)


def test_it_uses_the_plural_rule_django_uses_for_the_language(
    language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    header, entries = catalogue
    fields = header_fields(header)
    assert fields.get("language") == language
    assert "charset=utf-8" in fields.get("content-type", "").lower()
    nplurals, our_rule = _plural_rule(fields.get("plural-forms", ""))
    expected, django_rule = _plural_rule(django_plural_forms(language))
    assert nplurals == expected, f"Plural-Forms says nplurals={nplurals}; Django uses {expected}"
    differing = [n for n in range(1001) if our_rule(n) != django_rule(n)]
    assert not differing, (
        f"the plural rule picks another form than Django's for n in {differing[:10]}"
    )
    wrong = [
        f"{len(entry.msgstr)} forms, not {nplurals}: {entry}"
        for entry in entries
        if entry.msgid_plural is not None and sorted(entry.msgstr) != list(range(nplurals))
    ]
    assert not wrong, _failures("plural messages with the wrong number of forms", wrong)


def _placeholders(text: str) -> tuple[set[str], int, list[str]]:
    """Named placeholders, number of unnamed ones, and stray '%' signs of a python-format text."""
    names: set[str] = set()
    unnamed = 0
    covered: set[int] = set()
    for match in _PY_FORMAT.finditer(text):
        covered.add(match.start())
        if match.group(0) == "%%":
            continue
        if match.group("name"):
            names.add(match.group("name"))
        else:
            unnamed += 1
    stray = [text[i : i + 8] for i, char in enumerate(text) if char == "%" and i not in covered]
    return names, unnamed, stray


def test_it_keeps_every_placeholder_of_the_english_text(
    language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    _header, entries = catalogue
    problems = []
    for entry in entries:
        if "python-format" not in entry.flags:
            continue
        names, unnamed, _stray = _placeholders(entry.msgid)
        if entry.msgid_plural is not None:
            names |= _placeholders(entry.msgid_plural)[0]
        for index, form in enumerate(entry.forms):
            if not form:
                continue  # reported as untranslated
            form_names, form_unnamed, stray = _placeholders(form)
            # A plural form may leave out a name (e.g. "one problem"); it must not invent one.
            unknown = form_names - names
            lost = set() if entry.msgid_plural is not None else names - form_names
            if unknown or lost or form_unnamed != unnamed or stray:
                problems.append(
                    f"form {index} of {entry}: unknown {sorted(unknown)}, missing {sorted(lost)}, "
                    f"{form_unnamed} of {unnamed} unnamed, stray % in {stray}"
                )
    assert not problems, _failures(
        "translations that would fail or lose data when formatted", problems
    )


def test_it_does_not_leave_english_text_as_the_translation(
    language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    _header, entries = catalogue
    allowed = SAME_AS_ENGLISH | SAME_AS_ENGLISH_IN.get(language, set())
    same = [
        str(entry)
        for entry in entries
        if entry.msgid_plural is None
        and entry.msgstr.get(0) == entry.msgid
        and re.search(r"[A-Za-z]", entry.msgid)
        and entry.msgid not in allowed
    ]
    assert not same, _failures(
        f"English left as the {language} translation (add real words to SAME_AS_ENGLISH_IN)", same
    )


def test_it_writes_serbian_in_cyrillic() -> None:
    if "sr" not in SHIPPED:
        pytest.skip("Serbian is not offered in settings.LANGUAGES")
    _header, entries = parse_po(po_path("sr"))
    problems = []
    for entry in entries:
        for form in entry.forms:
            text = _PY_FORMAT.sub(" ", form)
            text = re.sub(r"<[^>]*>", " ", text)  # markup (a link's tag) is not language
            text = re.sub(r"„[^“]*“|“[^”]*”|\"[^\"]*\"", " ", text)  # quoted codes, e.g. „type“
            words = [word.rstrip("-.") for word in re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*", text)]
            # Words with a digit or an underscore are codes: package or column names.
            latin = [w for w in words if w not in LATIN_IN_CYRILLIC and not re.search(r"[\d_]", w)]
            if latin:
                problems.append(f"{entry}: {latin}")
    assert not problems, _failures(
        "Latin-script words in the Serbian (Cyrillic) catalogue", problems
    )


def test_it_ships_compiled_catalogues_that_match_the_po_files(
    language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    mo = po_path(language).with_suffix(".mo")
    assert mo.is_file(), f"{mo} is missing: run `django-admin compilemessages` in opentrm/"
    _header, entries = catalogue
    expected = {
        entry.key: "\x00".join(entry.forms)
        for entry in entries
        if "fuzzy" not in entry.flags and entry.forms and all(entry.forms)
    }
    compiled = read_mo(mo)
    assert "charset=utf-8" in compiled.pop("", "").lower(), f"{mo} has no UTF-8 header"
    stale = sorted(
        [f"not in the .mo: {key!r}" for key in expected.keys() - compiled.keys()]
        + [f"only in the .mo: {key!r}" for key in compiled.keys() - expected.keys()]
        + [
            f"differs from the .po: {key!r}"
            for key in expected.keys() & compiled.keys()
            if expected[key] != compiled[key]
        ]
    )
    assert not stale, _failures(
        f"{mo} is older than its .po: run `django-admin compilemessages` in opentrm/", stale
    )


def test_it_shows_enumeration_labels_in_each_language(language: str) -> None:
    with translation.override(language):
        labels = {
            "Directory": str(translation.gettext("Directory")),
            "Role": str(Role.PROSECUTOR.label),
            "OrganisationType": str(OrganisationType.SHELTER.label),
            "Function": str(Function.FIRST_ASSISTANCE.label),
        }
    untranslated = {
        name: label
        for name, label in labels.items()
        if label in ("Directory", "Prosecutor", "Shelter", "First Assistance and Protection")
    }
    assert not untranslated, f"Django does not load the {language} catalogue: {untranslated}"


@pytest.mark.django_db
def test_it_serves_pages_in_the_language_the_user_chose(
    client: Client, language: str, catalogue: tuple[Entry, list[Entry]]
) -> None:
    _header, entries = catalogue
    log_in = next(entry.msgstr[0] for entry in entries if entry.msgid == "Log in")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("accounts:login"))
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert log_in in page


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A copy of the package's sources and catalogues to run makemessages on."""
    copy = tmp_path / "opentrm"
    shutil.copytree(
        PACKAGE_DIR,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo", "*.pyc"),
    )
    return copy


def test_it_has_translated_every_string_in_the_code(
    source_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if absent:
        pytest.skip(
            f"GNU gettext is not installed ({', '.join(absent)} missing): "
            "cannot extract the strings in the code"
        )
    monkeypatch.chdir(source_copy)
    with override_settings(LOCALE_PATHS=[source_copy / "locale"]):
        call_command("makemessages", locale=SHIPPED, verbosity=0, **MAKEMESSAGES_OPTIONS)
    problems = []
    for language in SHIPPED:
        shipped = {entry.key for entry in parse_po(po_path(language))[1]}
        extracted = parse_po(source_copy / "locale" / language / "LC_MESSAGES" / "django.po")[1]
        problems += [
            f"{language}: {entry.key!r}" for entry in extracted if entry.key not in shipped
        ]
    assert not problems, _failures(
        "strings in the code missing from the shipped catalogues: run makemessages, translate "
        "and compilemessages (docs/translating.md)",
        problems,
    )
