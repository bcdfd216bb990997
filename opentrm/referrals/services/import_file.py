"""Reading an import file (``importing``): size, UTF-8, JSON and the export schema, each
failure named with the JSON pointer of its place (at most ten), never repeating a value."""

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 10
SCHEMA_NAME = "referral-export-v1.schema.json"
FILE = "file"  # the key of problems with the file as a whole
_KEY_MAX = 40


# --- problems --------------------------------------------------------------------------------


def pointer(path: Iterable[Any]) -> str:
    """The JSON pointer (RFC 6901) of a place in the file."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "/" + "/".join(parts) if parts else ""


class Problems:
    """What is wrong with a file, by place; at most MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append((where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def error(self) -> ValidationError:
        """Keyed by JSON pointer (``file`` for the file as a whole); each message names it."""
        found: dict[str, list[str]] = {}
        for where, message in self.items:
            key = where or FILE
            text = f"{where}: {message}" if where else message
            found.setdefault(key, []).append(text)
        return ValidationError(found)


def _refuse(message: str) -> ValidationError:
    return ValidationError({FILE: [message]})


# --- reading the file ------------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def decode(raw: bytes) -> Any:
    """The parsed JSON of an uploaded file; ValidationError (key ``file``) when it is too large,
    empty, not UTF-8 or not JSON."""
    if len(raw) > MAX_BYTES:
        raise _refuse(_("The file is larger than 2 MiB."))
    if not raw.strip():
        raise _refuse(_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse(
            _("The file is not UTF-8 text (invalid byte at position %(position)d).")
            % {"position": error.start}
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _refuse(
            _("The file is not valid JSON: line %(line)d, column %(column)d.")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    except _DuplicateKeyError as error:
        raise _refuse(
            _("The file is not valid JSON: the key “%(key)s” appears twice in one object.")
            % {"key": error.key[:_KEY_MAX]}
        ) from None
    except ValueError:
        raise _refuse(_("The file is not valid JSON: NaN and Infinity are not numbers.")) from None


@cache
def schema() -> dict[str, Any]:
    path = resources.files("opentrm.referrals.schemas") / SCHEMA_NAME
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


_PATTERN_HINTS = {
    "^[A-Z]{2}$": "country",
    "^([A-Z]{2})?$": "country",
}


def _type_names(expected: Any) -> str:
    names = {
        "string": _("a text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "object": _("an object"),
        "array": _("a list"),
        "boolean": _("true or false"),
        "null": _("null"),
    }
    wanted = expected if isinstance(expected, list) else [expected]
    return _(" or ").join(names.get(str(name), str(name)) for name in wanted)


def _schema_message(error: SchemaError) -> str:
    """What is wrong, in words, never repeating the value (it may be personal data)."""
    kind = error.validator
    expected: Any = error.validator_value
    instance = error.instance
    if "propertyNames" in error.absolute_schema_path:
        # The key itself failed (its pattern): ``instance`` is the key, not a value.
        return _("the key “%(key)s” is not a field code (lower-case letters, digits, _).") % {
            "key": str(instance)[:_KEY_MAX]
        }
    if kind == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        return _("the property “%(name)s” is missing.") % {"name": ", ".join(missing)}
    if kind == "additionalProperties":
        known = set((error.schema or {}).get("properties", {}))
        extra = sorted(str(k)[:_KEY_MAX] for k in instance if k not in known)
        return _("unexpected property “%(name)s”.") % {"name": ", ".join(extra)}
    if kind == "type":
        return _("expected %(type)s.") % {"type": _type_names(expected)}
    if kind == "const":
        return _("must be %(value)s.") % {"value": json.dumps(expected)}
    if kind == "enum":
        return _("must be one of: %(values)s.") % {
            "values": ", ".join(json.dumps(value) for value in expected)
        }
    if kind == "pattern":
        if _PATTERN_HINTS.get(str(expected)) == "country":
            return _("expected a country code of two capital letters (ISO 3166-1 alpha-2).")
        if "[0-9]{4}-" in str(expected):
            return _("expected a date (YYYY-MM-DD) or a date and time (ISO 8601).")
        return _("does not have the expected form.")
    if kind == "minLength":
        return _("must not be empty.")
    if kind == "maxLength":
        return _("at most %(max)d characters.") % {"max": expected}
    if kind in ("maxItems", "maxProperties"):
        return _("at most %(max)d entries.") % {"max": expected}
    if kind == "uniqueItems":
        return _("an entry appears twice.")
    # "minimum", the last keyword the schema uses (a test keeps this list complete)
    return _("must be at least %(min)s.") % {"min": expected}


def schema_problems(document: Any) -> Problems:
    problems = Problems()
    errors = sorted(
        _validator().iter_errors(document),
        key=lambda e: ([str(part) for part in e.absolute_path], str(e.validator)),
    )
    for error in errors[:MAX_PROBLEMS]:
        problems.add(pointer(error.absolute_path), _schema_message(error))
    return problems
