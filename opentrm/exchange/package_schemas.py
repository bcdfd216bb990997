"""The protocol's JSON Schemas (opentrm/exchange/schemas/, published in docs/exchange/) and
the check of a package or body against them (re-exported by ``crypto``)."""

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema of the protocol (``package`` or a message type), from
    opentrm/exchange/schemas/ (the files published in docs/exchange/)."""
    text = (
        resources.files("opentrm.exchange")
        .joinpath("schemas", f"{name}-v1.schema.json")
        .read_text(encoding="utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


@cache
def _fast_validator(name: str) -> Any:
    """The same schema compiled by ``jsonschema_rs`` when it is installed (dozens of times
    faster on a directory snapshot's packages); None otherwise. Only its yes/no is used: a
    package it finds invalid is checked again by ``jsonschema`` for the paths and rules."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the pure-Python validator alone is enough
        return None
    return jsonschema_rs.Draft202012Validator(schema(name), validate_formats=False)


def schema_errors(name: str, instance: Any) -> list[str]:
    """Where ``instance`` breaks the schema: JSON paths and the rule broken, never values."""
    fast = _fast_validator(name)
    try:
        if fast is not None and fast.is_valid(instance):
            return []
    except (ValueError, OverflowError):  # a value it cannot represent: the full check decides
        pass
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.validator} {_rule(e.validator_value)}" for e in errors[:5]]


def _rule(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, str | int | bool) or value is None else ""
    return text[:60]
