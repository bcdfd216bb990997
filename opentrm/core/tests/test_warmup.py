"""A serving process loads what requests need at start-up and freezes it out of the garbage
collector's walk (opentrm.core.warmup)."""

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest
from django.test import Client

from opentrm.core.warmup import warm_and_freeze


@pytest.fixture
def frozen() -> Iterator[int]:
    before = gc.get_freeze_count()
    warm_and_freeze()
    try:
        yield gc.get_freeze_count() - before
    finally:
        gc.unfreeze()


def test_start_up_objects_are_frozen_and_the_views_already_imported(frozen: int) -> None:
    assert frozen > 10_000
    assert "opentrm.cases.views_search" in sys.modules
    assert "opentrm.monitoring.views" in sys.modules


def test_a_frozen_process_still_serves_and_collects_what_requests_make(
    frozen: int, client: Client, db: None
) -> None:
    assert client.get("/healthz").status_code == 200
    made = [_Cycle() for _ in range(100)]
    gone = [weakref.ref(cycle) for cycle in made]
    del made
    gc.collect()
    assert all(ref() is None for ref in gone)  # cycles made after the freeze are still collected


class _Cycle:
    def __init__(self) -> None:
        self.me = self
