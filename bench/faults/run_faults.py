"""Faults benchmark (issue 18, scope 6): ``opentrm serve`` on a throwaway PostgreSQL cluster
(tests/throwaway_node.py) under write load, then

1. the postmaster killed with SIGKILL ``--kills`` times (20), a few seconds apart, restarted
   each time: every registration acknowledged with a 2xx is in the database afterwards, every
   other answer is a 503, and the node writes again within 60 s of the database being back;
2. the database stopped for ``--outage`` seconds (60) while the writers and a health probe go
   on: every answer within 5 s, all 503, and the node writes again on its own afterwards.

    python bench/faults/run_faults.py [--kills 20] [--outage 60] [--writers 4]

The cluster is migrated from scratch (about a minute of CPU); ``--schema-from URL`` copies the
schema of an already migrated database instead (read with pg_dump, never changed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import dj_database_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.throwaway_node import (
    Cluster,
    Node,
    Serve,
    Writers,
    binaries,
    node_env,
    register,
    seed,
    status,
    wait_for_a_write,
)


def _prepare(cluster: Cluster, home: Path, schema_from: str) -> dict[str, str]:
    cluster.init()
    cluster.start()
    env = node_env(cluster, home)
    if schema_from:
        cluster.load_schema_of(dj_database_url.parse(schema_from))
    else:
        cluster.psql("CREATE DATABASE opentrm", database="postgres")
        subprocess.run([sys.executable, "-m", "opentrm", "migrate", "-v0"], env=env, check=True)
    return env


def kills(node: Node, count: int, writers: int) -> None:
    load = Writers(node)
    threads = load.run(clients=writers)
    backs: list[float] = []
    try:
        for _kill in range(count):
            time.sleep(3)
            node.cluster.kill()
            node.cluster.start()
            backs.append(wait_for_a_write(node))
        time.sleep(2)
    finally:
        load.stop(threads)
    stored = set(node.cluster.psql("SELECT public_id FROM cases_case").split())
    lost = load.acknowledged - stored
    answers = {code: load.statuses.count(code) for code in sorted(set(load.statuses))}
    print(f"kills: {count}; answers by status: {answers}")
    print(f"acknowledged writes: {len(load.acknowledged)}, lost: {len(lost)}")
    print(f"writes again after the restart: max {max(backs):.2f} s, mean "
          f"{sum(backs) / len(backs):.2f} s; slowest answer {load.slowest:.2f} s")  # fmt: skip


def outage(node: Node, seconds: float, writers: int) -> None:
    load = Writers(node)
    threads = load.run(clients=writers)
    time.sleep(2)
    node.cluster.stop()
    away = time.monotonic()
    probes: list[tuple[int, float]] = []
    while time.monotonic() - away < seconds:
        began = time.monotonic()
        probes.append((status(f"{node.serve.base}/healthz")[0], time.monotonic() - began))
        probes.append(register(node, str(uuid.uuid4())))
        time.sleep(0.5)
    node.cluster.start()
    back = wait_for_a_write(node)
    load.stop(threads)
    codes = sorted({code for code, _seconds in probes})
    print(f"outage: {seconds:.0f} s; probes {len(probes)}, statuses {codes}, slowest "
          f"{max(s for _c, s in probes):.2f} s; writers' slowest answer {load.slowest:.2f} s; "
          f"writes again {back:.2f} s after the database")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--outage", type=float, default=60)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--schema-from", default="")
    args = parser.parse_args()
    bin_dir = binaries()
    if bin_dir is None:
        sys.exit("no PostgreSQL server binaries (initdb) on this machine")
    cluster = Cluster(bin_dir)
    home = Path(tempfile.mkdtemp(prefix="opentrm-faults-home-"))
    serve = None
    try:
        env = _prepare(cluster, home, args.schema_from)
        member = seed(env)
        serve = Serve(env, home, workers=args.workers)
        serve.wait_ready()
        node = Node(cluster, serve, member)
        print(f"load average before: {os.getloadavg()}")
        kills(node, args.kills, args.writers)
        outage(node, args.outage, args.writers)
        print(f"load average after: {os.getloadavg()}")
    finally:
        if serve is not None:
            serve.close()
        cluster.destroy()


if __name__ == "__main__":
    main()
