"""The fixed corpus of hostile inputs through every field of every operation (issue 9).

For each operation, as the owner organisation's case manager with its path parameters on the
owner's seeded objects: every field of the request body and every query and path parameter gets,
one at a time, each hostile value of its type (tests/fuzz/corpus.py), in a body otherwise as
valid as a guess can make it; then the whole body is replaced by 100,000 levels of nested JSON
and by 11 MiB. Each answer must be no server error, a status and a body the OpenAPI document
declares, and free of the outsider's markers.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from opentrm.config.api import api
from tests.fuzz import known_failures
from tests.fuzz.corpus import MIB, Schema, hostile_values, nested_json, put
from tests.fuzz.seed import FuzzWorld
from tests.fuzz.test_openapi_fuzz import schema

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

DOCUMENT = api.get_openapi_schema(path_prefix="/api/v1/")
SCHEMAS = Schema(DOCUMENT)
OPERATIONS = [
    (method.upper(), path)
    for path, methods in DOCUMENT["paths"].items()
    for method in methods
    if method in ("get", "post", "put", "patch", "delete")
]


# A URL or a form is UTF-8: a client cannot put a lone surrogate in it (JSON can, escaped).
UNSENDABLE_IN_URL = {"lone_high_surrogate", "lone_low_surrogate"}

# Path values that are not a request to this operation: too long for a URL, an empty segment
# (another route), or dot-segments the client resolves before sending (another path).
NOT_THIS_ROUTE = {"one_mib", "empty", "blank", "path"}

# Strings no database column should hold: a body carrying one must be refused (4xx).
MUST_REFUSE = {"nul", "lone_high_surrogate", "lone_low_surrogate"}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _request_body(operation: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    content = operation.get("requestBody", {}).get("content", {})
    for media_type, entry in content.items():
        return media_type, SCHEMAS.resolve(entry["schema"])
    return None, None


def _parameters(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def _variants(
    operation: dict[str, Any], path_values: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, Case arguments) for each hostile value in each place of ``operation``."""
    media_type, body_schema = _request_body(operation)
    base_body = SCHEMAS.minimal(body_schema) if body_schema else None
    base_query = {
        p["name"]: SCHEMAS.minimal(p["schema"], p["name"])
        for p in _parameters(operation, "query")
        if p.get("required")
    }
    base_path = {
        p["name"]: path_values.get(p["name"], SCHEMAS.minimal(p["schema"], p["name"]))
        for p in _parameters(operation, "path")
    }

    def arguments(*, body: Any = base_body, query: Any = None, path: Any = None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "path_parameters": path or base_path,
            "query": query if query is not None else base_query,
        }
        if media_type is not None:
            values |= {"body": body, "media_type": media_type}
        return values

    if body_schema is not None:
        for leaf, _node in SCHEMAS.leaves(body_schema):
            if not leaf.path:
                continue
            for name, value in hostile_values(leaf.type).items():
                if media_type != "application/json" and (
                    value is None or leaf.type == "binary" or name in UNSENDABLE_IN_URL
                ):
                    continue  # a form field is a UTF-8 string or absent
                if media_type != "application/json" and isinstance(value, int):
                    value = str(value)
                yield (
                    f"body {'.'.join(map(str, leaf.path))} = {name}",
                    arguments(body=put(base_body, leaf.path, value)),
                )
    for parameter in _parameters(operation, "query"):
        kind = SCHEMAS.kind(parameter["schema"])
        for name, value in hostile_values(kind).items():
            if value is None or name in UNSENDABLE_IN_URL:
                continue
            query = base_query | {parameter["name"]: value}
            yield f"query {parameter['name']} = {name}", arguments(query=query)
    for parameter in _parameters(operation, "path"):
        kind = SCHEMAS.kind(parameter["schema"])
        for name, value in hostile_values(kind).items():
            if value is None or name in UNSENDABLE_IN_URL | NOT_THIS_ROUTE:
                continue
            path = base_path | {parameter["name"]: value}
            yield f"path {parameter['name']} = {name}", arguments(path=path)


def _aim(fuzz_world: FuzzWorld, path: str) -> dict[str, Any]:
    """The owner's own objects, by path parameter name (a referral's id under /referrals/)."""
    side = fuzz_world.sides["owner"]
    aim = {name: ids[0] for name, ids in side.ids.items()}
    if path.startswith("/api/v1/referrals/"):
        aim["public_id"] = side.ids["public_id"][1]
    return aim


def _call(case: Case[Any], headers: dict[str, str]) -> Any:
    response = None
    try:
        with transaction.atomic():
            response = case.call(headers=headers)
    except DatabaseError:
        pass
    return response


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.usefixtures("_keep_test_connection")
def test_it_refuses_hostile_input_cleanly(method: str, path: str, fuzz_world: FuzzWorld) -> None:
    operation = schema[path][method]
    raw = DOCUMENT["paths"][path][method.lower()]
    side = fuzz_world.sides["owner"]
    foreign = fuzz_world.other("owner").prefix
    headers = {"Authorization": f"Bearer {side.token}"}
    found: dict[str, str] = {}
    for what, arguments in _variants(raw, _aim(fuzz_world, path)):
        case = operation.Case(**arguments)
        response = _call(case, headers)
        if foreign in response.content.decode("utf-8", "replace"):
            found.setdefault("LEAK", f"{what}: the outsider's marker in the response")
        # One rule for all strings (issue 9): refused, never stored.
        refuse = what.startswith("body") and what.rsplit(" = ", 1)[1] in MUST_REFUSE
        if refuse and 200 <= response.status_code < 300:
            if known_failures.SURVEY:
                known_failures.survey(
                    test="corpus",
                    kind="accepted_unstorable",
                    operation=operation.label,
                    input=what,
                    status=response.status_code,
                )
            elif not known_failures.is_known_kind("accepted_unstorable", operation.label):
                found.setdefault("accepted_unstorable", f"{what}: [{response.status_code}]")
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                kind = known_failures.kind(failure)
                if known_failures.SURVEY:
                    known_failures.survey(
                        test="corpus",
                        kind=kind,
                        operation=operation.label,
                        input=what,
                        status=response.status_code,
                        known=known_failures.is_known(failure, operation.label),
                        body=response.content[:300],
                    )
                elif not known_failures.is_known(failure, operation.label):
                    found.setdefault(kind, f"{what}: [{response.status_code}] {failure.title}")
    found |= _whole_body_attacks(operation.label, raw, path, _aim(fuzz_world, path), headers)
    if known_failures.SURVEY:
        return
    assert not found, "\n".join(f"{title}: {detail}" for title, detail in found.items())


def _whole_body_attacks(
    label: str, raw: dict[str, Any], path: str, aim: dict[str, Any], headers: dict[str, str]
) -> dict[str, str]:
    """Deep nesting and an oversized body, sent raw (no client library would build them)."""
    media_type, _body = _request_body(raw)
    if media_type != "application/json":
        return {}
    url = path.format(**{name: aim.get(name, 1) for name in _names(path)})
    client = Client(headers=headers)
    found: dict[str, str] = {}
    for name, payload, allowed in (
        # 403: a caller without the role is refused before the body is read (api_auth).
        ("nested_json", nested_json(), {400, 403, 413, 422}),
        ("eleven_mib", b'{"x": "' + b"A" * (11 * MIB) + b'"}', {403, 413}),
    ):
        with transaction.atomic():
            response = client.generic(
                label.split(" ", 1)[0], url, payload, content_type="application/json"
            )
        if response.status_code in allowed:
            continue
        if known_failures.SURVEY:
            known_failures.survey(
                test="corpus", kind=name, operation=label, status=response.status_code
            )
        elif not known_failures.is_known_kind(name, label):
            found[name] = f"[{response.status_code}] for {name} (expected {sorted(allowed)})"
    return found


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
