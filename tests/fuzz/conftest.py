"""Fixtures of the API fuzzing (issue 9): the seeded world, the WSGI app, the OpenAPI schema.

Kept here rather than in the root conftest: only the fuzz tests need them.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections

from conftest import World
from tests.fuzz.seed import FuzzWorld, seed


@pytest.fixture
def fuzz_world(world: World, settings: Any, tmp_path: Path) -> FuzzWorld:
    settings.MEDIA_ROOT = tmp_path
    return seed(world)


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
