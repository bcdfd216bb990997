"""Fixtures of the exchange tests: two real nodes (see nodes.py), started once per module."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.exchange.nodes import Pair, start_pair


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Node A (AL) and node B (RO), serving on loopback ports, confirmed peers of each other."""
    workdir: Path = tmp_path_factory.mktemp("exchange-nodes")
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"))
    try:
        yield pair
    finally:
        pair.close()
