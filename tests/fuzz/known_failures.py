"""Failures the fuzzing finds on the current code that other changes fix (issue 9).

Keyed by (failure kind, operation label): the kind is the schemathesis failure class
(``ServerError``, ``UndefinedStatusCode``, ``RejectedPositiveData``, ...) or, for the whole-body
attacks of the corpus, ``nested_json`` / ``eleven_mib``. Only the listed kind on the listed
operation is tolerated; every other failure, and every leak of another organisation's data,
fails the run. Empty this list as the fixes land; a check is never loosened anywhere else.

``OPENTRM_FUZZ_SURVEY=<file>`` runs the fuzz tests without failing and writes every failure
found (known or not) to ``<file>`` as JSON lines: how this list was made.
"""

import json
import os
from typing import Any

from schemathesis.core.failures import Failure

KNOWN: dict[tuple[str, str], str] = {}


def kind(failure: Failure) -> str:
    return type(failure).__name__


def is_known(failure: Failure, operation: str) -> bool:
    return (kind(failure), operation) in KNOWN


def is_known_kind(name: str, operation: str) -> bool:
    return (name, operation) in KNOWN


SURVEY = os.environ.get("OPENTRM_FUZZ_SURVEY", "")


def survey(**row: Any) -> None:
    with open(SURVEY, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, default=str) + "\n")
