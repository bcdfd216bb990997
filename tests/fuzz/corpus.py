"""A fixed corpus of hostile inputs, and where in a request they go (issue 9).

``leaves`` walks an operation's OpenAPI request schema to every field a caller writes; ``minimal``
builds a body that is valid enough to reach the services, into which one field at a time is
replaced by each hostile value of its type.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

MIB = 1024 * 1024

HOSTILE_STRINGS: dict[str, str] = {
    "nul": "before\x00after",
    "lone_high_surrogate": "before\ud800after",
    "lone_low_surrogate": "before\udfffafter",
    "bidi_override": "\u202eevil\u202c",
    "bidi_isolate": "\u2067name\u2069",
    "zero_width": "na\u200bme\u200d\u2060",
    "bom": "\ufeffname",
    "one_mib": "A" * MIB,
    "sql": "' OR 1=1; DROP TABLE cases_case; --",
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "template": "{{ settings.SECRET_KEY }}{% debug %}",
    "format": "%s%s%n%x{0}{}",
    "crlf": "a\r\nSet-Cookie: admin=1",
    "path": "../../../../etc/passwd",
    "astral": "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "control": "\x01\x07\x1b[31m\x7f",
    "blank": "   ",
    "empty": "",
}
HOSTILE_INTEGERS: dict[str, int] = {
    "int_2_63": 2**63,
    "int_minus_2_63_minus_1": -(2**63) - 1,
    "int_2_31": 2**31,
    "int_10_100": 10**100,
}
HOSTILE_DATES: dict[str, str] = {"year_1": "0001-01-01", "year_9999": "9999-12-31"}
HOSTILE_DATETIMES: dict[str, str] = {
    "year_1": "0001-01-01T00:00:00Z",
    "year_9999": "9999-12-31T23:59:59Z",
}
NESTING_DEPTH = 100_000


@dataclass(frozen=True)
class Leaf:
    path: tuple[str | int, ...]
    type: str  # "string", "integer", "number", "boolean", "date", "date-time", "other"


class Schema:
    """An OpenAPI document's component schemas, for following ``$ref``."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.resolve(node["allOf"][0])
        return node

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        node = self.resolve(node)
        for key in ("anyOf", "oneOf"):
            if key in node:
                return [
                    self.resolve(option)
                    for option in node[key]
                    if self.resolve(option).get("type") != "null"
                ]
        return [node]

    def kind(self, node: dict[str, Any]) -> str:
        node = self.options(node)[0]
        kind = node.get("type", "other")
        if kind == "string" and node.get("format") in ("date", "date-time"):
            return str(node["format"])
        if kind == "string" and node.get("format") == "binary":
            return "binary"
        return str(kind)

    def minimal(self, node: dict[str, Any], name: str = "") -> Any:
        """A value for ``node`` that a validator accepts as often as a guess can."""
        node = self.options(node)[0]
        if "enum" in node:
            return node["enum"][0]
        if "const" in node:
            return node["const"]
        if "default" in node and node["default"] not in (None, "", []):
            return node["default"]
        kind = self.kind(node)
        if kind == "object":
            return {
                key: self.minimal(value, key)
                for key, value in node.get("properties", {}).items()
                if key in node.get("required", [])
            }
        if kind == "array":
            return []
        if kind == "integer":
            return max(1, int(node.get("minimum", 1)))
        if kind == "number":
            return 1
        if kind == "boolean":
            return False
        if kind == "date":
            return timezone.localdate().isoformat()
        if kind == "date-time":
            return (timezone.now() + timedelta(days=7)).isoformat()  # appointments lie ahead
        if kind == "binary":
            return b"%PDF-1.4 fuzz"
        if node.get("format") == "uuid":
            return str(uuid.uuid4())
        return _guess_string(name, node)

    def leaves(
        self, node: dict[str, Any], path: tuple[str | int, ...] = ()
    ) -> Iterator[tuple[Leaf, dict[str, Any]]]:
        """Every field under ``node`` with its schema; an array's first item stands for all."""
        kind = self.kind(node)
        resolved = self.options(node)[0]
        if kind == "object" and "properties" in resolved:
            for key, value in resolved["properties"].items():
                yield from self.leaves(value, (*path, key))
        elif kind == "array":
            yield Leaf(path, "other"), resolved
            yield from self.leaves(resolved.get("items", {}), (*path, 0))
        else:
            yield Leaf(path, kind), resolved


def _guess_string(name: str, node: dict[str, Any]) -> str:
    lowered = name.lower()
    if "country" in lowered:
        return "AL"
    if "language" in lowered or lowered in ("explained_in", "in_language"):
        return "sq"
    if "currency" in lowered:
        return "EUR"
    if "email" in lowered:
        return "fuzz@example.test"
    if "url" in lowered:
        return "https://example.test/"
    length = max(1, int(node.get("minLength", 1)))
    return ("fuzz" * length)[: max(length, 4)][: node.get("maxLength", 4)]


def hostile_values(kind: str) -> dict[str, Any]:
    """The corpus for a field of ``kind``: each type's own hostile values, and null for all."""
    values: dict[str, Any] = {"null": None}
    if kind in ("string", "other", "binary"):
        values |= HOSTILE_STRINGS
    if kind in ("integer", "number"):
        values |= HOSTILE_INTEGERS
    if kind == "date":
        values |= HOSTILE_DATES | {"not_a_date": HOSTILE_STRINGS["nul"]}
    if kind == "date-time":
        values |= HOSTILE_DATETIMES | {"not_a_date": HOSTILE_STRINGS["nul"]}
    return values


def put(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """``body`` with ``value`` at ``path`` (made where missing; a copy, ``body`` untouched)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        template = items[0] if items else ({} if rest and isinstance(rest[0], str) else None)
        return [put(template, rest, value)]
    copy = dict(body) if isinstance(body, dict) else {}
    copy[head] = put(copy.get(head), rest, value)
    return copy


def nested_json(depth: int = NESTING_DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth
