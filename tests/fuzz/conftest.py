"""Fixtures of the API fuzzing (issue 9): the seeded world, the WSGI app, the OpenAPI schema.

Kept here rather than in the root conftest: only the fuzz tests need them.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest.config import Config
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import override_settings

from conftest import build_world
from tests.fuzz.seed import FuzzWorld, seed

HERE = Path(__file__).parent


def _fuzz_selected(config: Config) -> bool:
    """The fuzzing runs as its own CI step (``make fuzz``, on PostgreSQL), not within each
    ``make test``: selected only by ``-m fuzz`` or ``OPENTRM_FUZZ=1``."""
    markexpr = (config.getoption("markexpr") or "").replace("not fuzz", "")
    return "fuzz" in markexpr or os.environ.get("OPENTRM_FUZZ") == "1"


def pytest_ignore_collect(collection_path: Path, config: Config) -> bool | None:
    """Not selected, the fuzz modules are not even imported: test_openapi_fuzz.py imports the
    production WSGI application, whose start gives the process's database connections the
    serving limits (a 10 s lock timeout, opentrm.core.warmup) and freezes its objects, which
    would then hold for every other test of the run."""
    if collection_path.parent == HERE and not _fuzz_selected(config):
        return True
    return None


def pytest_collection_modifyitems(config: Config, items: list[pytest.Item]) -> None:
    """A fuzz module named on the command line is collected all the same: deselected."""
    if _fuzz_selected(config):
        return
    kept = [item for item in items if HERE not in Path(str(item.path)).parents]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(scope="module")
def _seeded(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzWorld]:
    """One seeded world per module, inside a transaction rolled back at the end of the module;
    each test runs in a savepoint within it (pytest-django's ``db``), so what one test's requests
    write is gone before the next. Seeding per test would cost a minute and a half of a run."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("fuzz-media"))),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed(build_world())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def fuzz_world(db: None, _seeded: FuzzWorld) -> FuzzWorld:
    return _seeded


@pytest.fixture
def _keep_test_connection() -> Iterator[None]:
    """Django's WSGI handler closes the database connection at the start and end of each
    request; inside the test's transaction that would throw the seeded world away. Django's own
    test client disconnects the same two receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
