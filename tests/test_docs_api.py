"""The API tables in docs/ against the OpenAPI document (issue 14: "a check of docs/cases.md
against the OpenAPI document finds every documented endpoint")."""

import re
from pathlib import Path

import pytest

from opentrm.config.api import api

DOCS = Path(__file__).resolve().parents[1] / "docs"
# A row of an endpoint table: | GET | `/api/v1/cases/{public_id}/measures` | ... |
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`(/api/v1/[^`]*)`\s*\|", re.M)


def documented(page: str) -> set[tuple[str, str]]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return {(method.lower(), path) for method, path in ROW.findall(text)}


def served(prefix: str = "/api/v1/") -> set[tuple[str, str]]:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if path.startswith(prefix)
    }


def test_it_parses_the_rows_of_an_endpoint_table() -> None:
    text = "| GET | `/api/v1/cases/{public_id}/tasks` | the tasks |\n| what | `x` |"
    assert ROW.findall(text) == [("GET", "/api/v1/cases/{public_id}/tasks")]


@pytest.mark.parametrize("page", ["cases.md", "referrals.md", "monitoring.md"])
def test_every_documented_endpoint_is_in_the_openapi_document(page: str) -> None:
    rows = documented(page)

    assert rows, f"docs/{page} documents no endpoint"
    assert rows - served() == set(), f"documented in docs/{page}, not served"


def test_every_case_endpoint_is_documented_in_cases_md() -> None:
    assert served("/api/v1/cases/") - documented("cases.md") == set()


def test_the_case_file_sections_have_endpoints() -> None:
    # docs/cases.md promised these before they existed (issue 14)
    for path in ("measures", "identification", "reflection-periods", "tasks", "child-safeguards"):
        assert ("get", f"/api/v1/cases/{{public_id}}/{path}") in served()
