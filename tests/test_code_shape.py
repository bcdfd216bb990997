"""The code's shape (issue 10, DEVELOPERS conventions): no production module over 600 lines and
no function or method over 80 lines.

This test reads the code, it does not run it. Production modules are the ``.py`` files under
``opentrm/`` but the tests (any ``tests/`` folder) and the migrations. A module's length is its
number of lines; a function's runs from its ``def`` line to its last line (``ast``'s
``end_lineno``), its decorators not counted, a nested function counted on its own and within
the function that holds it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "opentrm"

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _is_production(name: str) -> bool:
    return "/tests/" not in f"/{name}" and "/migrations/" not in f"/{name}"


def production_sources() -> Iterator[tuple[str, str]]:
    """``(path under opentrm/, text)`` of every production module."""
    for path in sorted(ROOT.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if _is_production(name):
            yield name, path.read_text(encoding="utf-8")


def long_modules(sources: Iterable[tuple[str, str]]) -> list[str]:
    """``path: n lines`` of every module over the limit."""
    found = []
    for name, text in sources:
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{name}: {lines} lines")
    return found


def long_functions(sources: Iterable[tuple[str, str]]) -> list[str]:
    """``path:line name: n lines`` of every function or method over the limit."""
    found = []
    for name, text in sources:
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    return found


def _function(name: str, lines: int, *, indent: str = "", is_async: bool = False) -> str:
    """A function of exactly ``lines`` lines (its ``def`` line included)."""
    head = f"{indent}{'async ' if is_async else ''}def {name}() -> int:\n"
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 2))
    return head + body + f"{indent}    return 0\n"


# --- the rule holds on the code -------------------------------------------------------------


def test_the_production_modules_are_found() -> None:
    names = {name for name, _text in production_sources()}
    assert "cases/access.py" in names
    assert "exchange/services/delivery.py" in names
    assert not any("/tests/" in f"/{name}" or "/migrations/" in name for name in names)


def test_no_production_module_passes_600_lines() -> None:
    assert long_modules(production_sources()) == []


def test_no_function_passes_80_lines() -> None:
    assert long_functions(production_sources()) == []


# --- the checks themselves can fail ---------------------------------------------------------


@pytest.mark.parametrize(("lines", "flagged"), [(600, False), (601, True)])
def test_a_module_is_flagged_past_600_lines(lines: int, flagged: bool) -> None:
    text = "".join(f"x{i} = {i}\n" for i in range(lines))
    assert long_modules([("app/module.py", text)]) == (
        [f"app/module.py: {lines} lines"] if flagged else []
    )


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        (_function("fits", 80), []),
        (_function("too_long", 81), ["app/m.py:1 too_long: 81 lines"]),
        (_function("too_long", 81, is_async=True), ["app/m.py:1 too_long: 81 lines"]),
        # A decorator is not counted: the def line is where the function begins.
        ("@staticmethod\n" * 5 + _function("decorated", 80), []),
        (
            "class Thing:\n" + _function("method", 81, indent="    "),
            ["app/m.py:2 method: 81 lines"],
        ),
        (
            # A long function nested in a short-enough outer one is flagged, and so is the outer
            # one once the inner one makes it too long.
            "def outer() -> None:\n" + _function("inner", 81, indent="    "),
            ["app/m.py:1 outer: 82 lines", "app/m.py:2 inner: 81 lines"],
        ),
    ],
    ids=["80-fits", "81", "async-81", "decorators-not-counted", "method-81", "nested"],
)
def test_a_function_is_flagged_past_80_lines(source: str, flagged: list[str]) -> None:
    assert long_functions([("app/m.py", source)]) == flagged


@pytest.mark.parametrize(
    ("name", "production"),
    [
        ("cases/access.py", True),
        ("exchange/management/commands/exchange_worker.py", True),
        ("cases/tests/test_access.py", False),
        ("cases/migrations/0001_initial.py", False),
    ],
)
def test_tests_and_migrations_are_not_production(name: str, production: bool) -> None:
    assert _is_production(name) is production
