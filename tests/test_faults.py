"""Faults (issue 18): the database killed or away under write load, against real ``opentrm
serve`` processes and a throwaway PostgreSQL cluster (tests/throwaway_node.py; the benchmark
with 20 kills and a 60-second outage is bench/faults/run_faults.py).

- PostgreSQL's postmaster killed with SIGKILL three times while three clients register cases:
  every registration the node acknowledged (2xx) is in the database afterwards, every other
  answer is a 503 (never a 500 or a hung request), and the node serves again within 60 s of
  the database being back;
- the database stopped for a few seconds: ``/healthz`` and a registration are answered 503
  within 5 s throughout, and the node recovers on its own when it returns.
"""

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from tests.throwaway_node import (
    Cluster,
    Node,
    Writers,
    binaries,
    register,
    running_nodes,
    status,
    wait_for_a_write,
)

pytestmark = [
    pytest.mark.django_db,  # so the run's database is made: its schema is copied
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="kills a PostgreSQL server (SQLite: none)"
    ),
    pytest.mark.skipif(binaries() is None, reason="no PostgreSQL server binaries (initdb)"),
]


@pytest.fixture(scope="module")
def node(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    home = tmp_path_factory.mktemp("faults-home")
    with running_nodes(connection.settings_dict, home) as (cluster, (serve,), member):
        yield Node(cluster, serve, member)


def stored_ids(cluster: Cluster) -> set[str]:
    return set(cluster.psql("SELECT public_id FROM cases_case").split())


def test_a_killed_database_loses_no_acknowledged_write_and_the_node_comes_back(
    node: Node,
) -> None:
    writers = Writers(node)
    threads = writers.run(clients=3)
    try:
        for _kill in range(3):
            time.sleep(1.5)
            node.cluster.kill()
            time.sleep(0.5)
            node.cluster.start()
            assert wait_for_a_write(node) < 60
        time.sleep(1)
    finally:
        writers.stop(threads)
    assert writers.acknowledged
    assert writers.acknowledged <= stored_ids(node.cluster)
    assert set(writers.statuses) <= {201, 503}, sorted(set(writers.statuses))
    assert writers.slowest < 10


def test_a_database_away_is_answered_503_within_5_s_and_the_node_recovers_on_its_own(
    node: Node,
) -> None:
    assert status(f"{node.serve.base}/healthz")[0] == 200
    node.cluster.stop()
    away = time.monotonic()
    answers: list[tuple[int, float]] = []
    while time.monotonic() - away < 4:
        began = time.monotonic()
        health, body = status(f"{node.serve.base}/healthz", timeout=10)
        answers.append((health, time.monotonic() - began))
        assert json.loads(body) == {"status": "error", "database": "unavailable"}
        answers.append(register(node, str(uuid.uuid4())))
    node.cluster.start()
    assert {answer for answer, _seconds in answers} == {503}
    assert max(seconds for _answer, seconds in answers) < 5
    assert wait_for_a_write(node) < 60
    assert status(f"{node.serve.base}/healthz")[0] == 200
