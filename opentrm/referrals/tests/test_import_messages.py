"""What an importer reads for each way a file breaks the import schema: the place (a JSON
pointer) and, in words, what is wrong, never the value itself; and nothing is stored."""

import json
from typing import Any

import pytest

from conftest import World
from opentrm.referrals.services import import_file
from opentrm.referrals.tests.test_import import (  # the fixtures too
    foreign,  # noqa: F401
    hand_filled,
    importer,
    nothing_stored,  # noqa: F401
    raw,
    refused,
)
from opentrm.referrals.tests.test_requests import NAME

# The schema's keywords that can fail, each with its own message in import_file._schema_message
# (a key that fails "propertyNames" is reported as that key's "pattern" error).
MESSAGED = {
    "required",
    "additionalProperties",
    "type",
    "const",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "maxItems",
    "maxProperties",
    "uniqueItems",
    "minimum",
    "propertyNames",
}
STRUCTURAL = {"$schema", "$id", "$defs", "$ref", "title", "description", "properties", "items"}


def _keywords(node: Any, inside_properties: bool = False) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if not inside_properties:
                found.add(key)
            found |= _keywords(value, inside_properties=key in ("properties", "$defs"))
    elif isinstance(node, list):
        for value in node:
            found |= _keywords(value)
    return found


def test_every_keyword_of_the_schema_has_its_own_message() -> None:
    assert _keywords(import_file.schema()) - STRUCTURAL == MESSAGED


def _with(world: World, path: str, value: Any) -> dict[str, Any]:
    content = hand_filled(world)
    *parents, last = path.strip("/").split("/")
    node = content
    for part in parents:
        node = node[part]
    node[last] = value
    return content


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("/format", "another-format", 'must be "opentrm.referral-export".'),
        ("/reference", "#" + NAME, "does not have the expected form."),
        ("/reference", "", "must not be empty."),
        ("/sent_at", "yesterday", "expected a date (YYYY-MM-DD) or a date and time"),
        ("/reason", "x" * 4001, "at most 4000 characters."),
        ("/person/languages", ["ro"] * 51, "at most 50 entries."),
        ("/shared_groups", ["identity", "identity"], "an entry appears twice."),
        ("/template/template_version", 0, "must be at least 1."),
        ("/data", {"Eye Colour": {"value": NAME}}, "the key “Eye Colour” is not a field code"),
        ("/template/values", {"S1.Name": NAME}, "the key “S1.Name” is not a field code"),
    ],
)
def test_each_schema_violation_has_its_message_at_its_place(
    world: World, path: str, value: Any, message: str
) -> None:
    errors = refused(importer(world), raw(_with(world, path, value)))

    assert any(message in text for text in errors[path]), errors
    assert all(text.startswith(path + ": ") for text in errors[path])
    assert NAME not in json.dumps(errors)


@pytest.mark.usefixtures("nothing_stored")
def test_not_a_number_is_not_json(world: World) -> None:
    errors = refused(importer(world), b'{"format_version": NaN}')

    assert errors == {"file": ["The file is not valid JSON: NaN and Infinity are not numbers."]}


@pytest.mark.usefixtures("nothing_stored")
def test_problems_found_after_the_schema_stop_at_ten(world: World) -> None:
    languages = [f"q{letter}{letter}" for letter in "bcdefghijklm"]  # 12 unknown codes
    errors = refused(importer(world), raw(_with(world, "/person/languages", languages)))

    assert sum(len(messages) for messages in errors.values()) == import_file.MAX_PROBLEMS
    assert "/person/languages/0" in errors
