"""A serving process loads what requests need at start-up and freezes it out of the garbage
collector's walk (opentrm.core.warmup)."""

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from opentrm.core.warmup import serving_options, warm_and_freeze


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


@pytest.mark.django_db
def test_a_serving_connection_bounds_its_waits_and_starts_no_parallel_workers(
    settings: SettingsWrapper,
) -> None:
    """What `opentrm serve` connects with: a page's query starts no parallel workers (their
    start-up cost more than the 51 rows it reads), and every wait is bounded."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's connection settings")
    settings.OPENTRM_DB_LOCK_TIMEOUT = 7
    params = connection.get_connection_params()
    params["options"] = serving_options()
    server = connection.get_new_connection(params)
    try:
        with server.cursor() as cursor:
            shown = {}
            for name in (
                "max_parallel_workers_per_gather",
                "statement_timeout",
                "lock_timeout",
                "idle_in_transaction_session_timeout",
            ):
                cursor.execute(f"SHOW {name}")
                shown[name] = cursor.fetchone()[0]
    finally:
        server.close()
    assert shown == {
        "max_parallel_workers_per_gather": "0",
        "statement_timeout": "1min",
        "lock_timeout": "7s",
        "idle_in_transaction_session_timeout": "1min",
    }
