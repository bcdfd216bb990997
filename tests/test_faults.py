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
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.db import connection

from tests.throwaway_node import Cluster, Member, Serve, binaries, node_env, seed, status

pytestmark = [
    pytest.mark.django_db,  # so the run's database is made: its schema is copied
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="kills a PostgreSQL server (SQLite: none)"
    ),
    pytest.mark.skipif(binaries() is None, reason="no PostgreSQL server binaries (initdb)"),
]


@dataclass
class Node:
    cluster: Cluster
    serve: Serve
    member: Member


@pytest.fixture(scope="module")
def node(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    bin_dir = binaries()
    assert bin_dir is not None
    cluster = Cluster(bin_dir)
    home = tmp_path_factory.mktemp("faults-home")
    serve = None
    try:
        cluster.init()
        cluster.start()
        cluster.load_schema_of(connection.settings_dict)
        env = node_env(cluster, home)
        member = seed(env)
        serve = Serve(env, home, workers=2)
        serve.wait_ready()
        yield Node(cluster, serve, member)
    finally:
        if serve is not None:
            serve.close()
        cluster.destroy()


def register(node: Node, public_id: str, timeout: float = 10) -> tuple[int, float]:
    """POST /api/v1/cases/ with a client-chosen id: (status, seconds)."""
    began = time.monotonic()
    answer, _body = status(
        f"{node.serve.base}/api/v1/cases/",
        timeout=timeout,
        data=json.dumps({"public_id": public_id, "names": [{"value": "F. K."}]}).encode(),
        headers={
            "Authorization": f"Bearer {node.member.token}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    return answer, time.monotonic() - began


@dataclass
class Writers:
    """Clients registering cases without pause until stopped."""

    node: Node
    acknowledged: set[str] = field(default_factory=set)
    statuses: list[int] = field(default_factory=list)
    slowest: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._write) for _ in range(clients)]
        for thread in threads:
            thread.start()
        return threads

    def _write(self) -> None:
        while not self._stop.is_set():
            public_id = str(uuid.uuid4())
            answer, seconds = register(self.node, public_id)
            with self._lock:
                self.statuses.append(answer)
                self.slowest = max(self.slowest, seconds)
                if 200 <= answer < 300:
                    self.acknowledged.add(public_id)
            if answer != 201:
                time.sleep(0.05)

    def stop(self, threads: list[threading.Thread]) -> None:
        self._stop.set()
        for thread in threads:
            thread.join()


def wait_for_a_write(node: Node, seconds: float = 60) -> float:
    """Seconds until a registration is acknowledged again."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if register(node, str(uuid.uuid4()))[0] == 201:
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"no write acknowledged within {seconds} s")


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
