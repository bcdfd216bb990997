"""Schemathesis against the API's own OpenAPI document (issue 9, "Fuzzing in CI").

Every operation of /api/v1/, fuzzed as two callers with their API tokens: agency A's case
manager ("owner" of one seeded case) and agency C's case manager ("outsider", owning another).
Positive and negative data, every schemathesis check (no 5xx, status codes, content types,
headers and bodies as the document declares them, invalid data refused, valid data accepted),
plus our own: no response carries the other organisation's markers (tests/fuzz/seed.py).

Path parameters are aimed at the seeded objects of both organisations half of the time, so
that requests get past "not found" into validation and the services.

Known failures (tests/fuzz/known_failures.py) are tolerated by check and operation only, each
with a comment; anything else fails the test.
"""

import os
import random
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, Phase
from schemathesis import Case
from schemathesis.core.failures import Failure, FailureGroup

from opentrm.config.api import api
from opentrm.config.wsgi import application
from tests.fuzz import known_failures
from tests.fuzz.seed import FuzzWorld

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Generated examples per operation and caller, on top of schemathesis's coverage phase (every
# declared boundary, enum value and type violation of each parameter: about 140 requests per
# write and 20 per read): 50 for writes (POST, PUT, PATCH), 100 for reads (GET), to keep the CI
# step within its budget (docs/security-testing.md).
EXAMPLES = int(os.environ.get("OPENTRM_FUZZ_EXAMPLES", "50"))
READ_EXAMPLES = int(os.environ.get("OPENTRM_FUZZ_READ_EXAMPLES", "100"))

# An enum longer than this is fuzzed with an evenly spaced sample of its values. Schemathesis's
# coverage phase sends every value of an enum to the operation: the 8,107 language codes (ISO
# 639-1 and 639-3) made about 8,500 requests of each operation that names a language, 50,000 in
# all, and the step took hours. The document served (/api/v1/openapi.json) keeps every value.
ENUM_SAMPLE = 40


def sample_long_enums(node: Any) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum" and isinstance(value, list) and len(value) > ENUM_SAMPLE:
                step = len(value) / ENUM_SAMPLE
                picked = [value[int(index * step)] for index in range(ENUM_SAMPLE)]
                # With its other case where the enum lists both (language codes): the coverage
                # phase sends a sampled "aaa" in capitals as a value outside the enum.
                listed = set(value)
                cased = [
                    other
                    for item in picked
                    if isinstance(item, str)
                    for other in {item.upper(), item.lower()} - {item}
                    if other in listed
                ]
                node[key] = list(dict.fromkeys([*picked, *cased]))
            else:
                sample_long_enums(value)
    elif isinstance(node, list):
        for item in node:
            sample_long_enums(item)
    return node


schema = schemathesis.openapi.from_dict(
    sample_long_enums(api.get_openapi_schema(path_prefix="/api/v1/"))
)
schema.app = application
# Text without NUL and without unpaired surrogates: the server refuses both in every string with
# a 422 naming the field (opentrm.core.input), a rule OpenAPI has no keyword for, so generated
# "valid" data must not contain them. The hostile corpus (test_hostile_corpus.py) still sends
# both through every text field and requires the 422.
schema.config.generation.update(allow_x00=False, codec="utf-8", with_security_parameters=False)
# No generated credentials (above): each caller's token goes with every request, so a case
# made "invalid" by a missing or garbled session cookie was valid all the same.

# One deterministic stream of aiming choices per operation and role.
_rngs: dict[str, random.Random] = {}


def aim_at_seeded_objects(
    case: Case[Any], values: dict[str, list[Any]], rng: random.Random
) -> None:
    """Point path parameters at seeded objects (both organisations') half of the time."""
    for name in list(case.path_parameters or {}):
        if name in values and rng.random() < 0.5:
            case.path_parameters[name] = rng.choice(values[name])


def leak_check(fuzz_world: FuzzWorld, role: str) -> Any:
    foreign = fuzz_world.other(role).prefix

    def no_foreign_markers(ctx: Any, response: Any, case: Case[Any]) -> bool | None:
        text = response.content.decode("utf-8", "replace") + repr(dict(response.headers))
        if foreign in text:
            at = text.index(foreign)
            raise Failure(
                operation=case.operation.label,
                title="Another organisation's data in the response",
                message=f"{role} received {text[max(0, at - 80) : at + 80]!r}",
            )
        return None

    return no_foreign_markers


@pytest.fixture(params=["owner", "outsider"])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples every run: CI fails on the code, not on luck
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@schema.exclude(method="GET").parametrize()
@_settings(EXAMPLES)
@pytest.mark.usefixtures("_keep_test_connection")
def test_it_survives_fuzzing_writes(case: Case[Any], role: str, fuzz_world: FuzzWorld) -> None:
    _fuzz_one(case, role, fuzz_world)


@schema.include(method="GET").parametrize()
@_settings(READ_EXAMPLES)
@pytest.mark.usefixtures("_keep_test_connection")
def test_it_survives_fuzzing_reads(case: Case[Any], role: str, fuzz_world: FuzzWorld) -> None:
    _fuzz_one(case, role, fuzz_world)


def _fuzz_one(case: Case[Any], role: str, fuzz_world: FuzzWorld) -> None:
    side = fuzz_world.sides[role]
    rng = _rngs.setdefault(case.operation.label + role, random.Random(0))
    aim_at_seeded_objects(case, fuzz_world.path_values(), rng)
    headers = {"Authorization": f"Bearer {side.token}"}
    try:
        # One savepoint per request, as ATOMIC_REQUESTS would: a database error (PostgreSQL
        # aborts the transaction) must not poison the requests that follow.
        with transaction.atomic():
            response = case.call(headers=headers)
    except DatabaseError:
        pass
    try:
        case.validate_response(
            response, additional_checks=[leak_check(fuzz_world, role)], headers=headers
        )
    except FailureGroup as group:
        if known_failures.SURVEY:
            for failure in group.exceptions:
                known_failures.survey(
                    test="fuzz",
                    role=role,
                    kind=known_failures.kind(failure),
                    operation=case.operation.label,
                    status=response.status_code,
                    known=known_failures.is_known(failure, case.operation.label),
                    request=case.as_curl_command(headers={"Authorization": "[token]"})[:600],
                    body=response.content[:300],
                )
            return
        unexpected = [
            failure
            for failure in group.exceptions
            if not known_failures.is_known(failure, case.operation.label)
        ]
        if unexpected:
            raise
