"""Exchange benchmark: referral packages between two OpenTRM nodes on this machine.

Starts two nodes as in the two-node tests (tests/exchange/nodes.py: separate server processes
on loopback ports, each with its own keys and database: SQLite files, or two scratch databases
on the PostgreSQL server named by ``DATABASE_URL``, dropped afterwards), registers them as
confirmed peers, and then acts as node A's worker in this process:

1. the single round trip: one referral package at a time is queued and sent
   (``deliver_due``: claim, seal = sign + encrypt, POST, verify the signed receipt, record it);
   the time from the send to the receipt recorded, median and p95;
2. the throughput: N referral packages (a realistic transnational template body of about
   20 KB, fictional) are queued in one transaction, then the worker delivers them with a small
   thread pool; packages per second, every one signed, encrypted, delivered and receipted.

Node B's directory holds RO's national focal point (``prepare_receiver``), so every package is
routed, verified against its schema and opens an incoming referral there, as in production.
(Until 2026-12-06 it did not: B refused every package at routing, a cheaper path, and the
figures in bench/README.md before that date measured that path.)

    .venv/bin/python bench/bench_exchange.py --help

Because both nodes and the database share this machine, the throughput run also reports the
CPU time per package of each process involved (this worker, each node's server, and on
PostgreSQL the database's backend processes), read from ``/proc`` before and after: a figure
that depends far less on the machine's load than packages per second. ``--profile DIR`` runs
the worker's throughput pass and every request of both servers under cProfile and writes
``worker.prof``, ``node_a.prof`` and ``node_b.prof`` to DIR (read with ``python -m pstats``).

Exits non-zero if a target is missed (>= 50 packages/s; single round trip < 300 ms median)
or if a package was lost or duplicated. Not part of the test suite; results in bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.exchange.nodes import Pair, start_pair  # noqa: E402

TARGET_RATE = 50.0
TARGET_ROUND_TRIP_MS = 300.0
PARAGRAPH = (
    "The person was met by the outreach team at the bus station of Fictiva and accepted a "
    "first interview with an interpreter. She describes recruitment through an acquaintance "
    "who promised seasonal work, a journey over two borders, documents kept by the employer, "
    "debts that grew every week and work without pay for several months. She asks for safe "
    "accommodation, medical care and legal counselling before deciding about return. "
)


def _text(paragraphs: int, lang: str = "en") -> dict[str, str]:
    return {"text": PARAGRAPH * paragraphs, "lang": lang}


def referral_body(number: int, *, sender: str, receiver: str) -> dict[str, Any]:
    """A transnational referral package body of about 20 KB; every value is fictional."""
    return {
        "referral": {
            "reference": f"AL-BENCH-{number:05d}",
            "kind": "transnational",
            "urgency": "urgent",
            "sender_organisation": "Fictional National Referral Office",
            "sender_country": sender,
            "receiver_organisation": "Imaginary Partner Shelter",
            "receiver_country": receiver,
            "template_profile": {"country": sender, "version": 1},
            "template_version": 1,
            "consent_ref": f"consent-{number}",
            "agreement_id": "agreement-bench-1",
            "shared_groups": ["identity", "contact", "health", "travel", "assistance"],
            "language": "en",
        },
        "format": 2,
        "sections": {
            "header": {
                "opentrm_case_reference": f"CASE-{number:05d}",
                "opentrm_date": "2026-11-02",
            },
            "consent": {"opentrm_data_sharing": True, "opentrm_consent_date": "2026-11-01"},
            "s1_1": {
                "opentrm_name": {"text": "Alba Fictiva", "lang": "sq"},
                "prs_Birthdate": "1999-04-12",
                "prs_Gender": "Feminine",
                "prs_Citizenship": ["AL"],
                "prs_PrimaryLanguage": "sq",
                "prs_SecondaryLanguage": "en",
                "opentrm_address": _text(1),
            },
            "s1_2": {
                "opentrm_contact": {"phone": "+355 00 000 000", "email": "alba@example.test"},
                "vic_TypeOfExploitation": {
                    "codes": ["ForcedLabour", "opentrm_debt_bondage"],
                    "other": None,
                },
            },
            "s3_1": {
                "opentrm_health_needs": _text(8),
                "opentrm_medical_care": {"offered": True, "accepted": True},
            },
            "s3_2": {"opentrm_psychological_support": _text(6)},
            "s4": {"opentrm_risk_assessment": _text(10)},
            "s5": {"opentrm_travel_route": ["AL", "MK", "RO"], "opentrm_journey": _text(8)},
            "s6": {"opentrm_assistance_provided": _text(8), "opentrm_accommodation": True},
            "s7": {"opentrm_follow_up_plan": _text(6)},
        },
        "withheld": ["s1_1.opentrm_travel_document_comments", "s3_2.opentrm_addiction"],
    }


RECEIVER_SETUP = """
from opentrm.directory.models import (
    Country, Function, Organisation, OrganisationType, Responsibility,
)
al, _ = Country.objects.get_or_create(code="AL")
ro, _ = Country.objects.get_or_create(code="RO")
point = Organisation.objects.create(
    country=ro, name="Imaginary Partner Shelter", type=OrganisationType.NATIONAL_COORDINATION
)
Responsibility.objects.create(
    country=ro, function=Function.NATIONAL_FOCAL_POINT, organisation=point
)
"""


def prepare_receiver(pair: Pair) -> None:
    """Node B's directory: RO's national focal point, the organisation each package is
    addressed to, so B routes every package to it and opens an incoming referral (without it
    B refuses every package at routing, which costs less than accepting one)."""
    pair.b.run("shell", "-c", RECEIVER_SETUP)


def serve_receiver_in_production(pair: Pair, workers: int) -> None:
    """Node B served by ``opentrm serve`` (gunicorn, ``workers`` processes) instead of the test
    server: how a national node receives in production (docs/deployment.md section 6)."""
    node = pair.b
    node.stop()
    node.server = subprocess.Popen(  # noqa: S603 - our own command line
        node.command("serve", "--bind", f"127.0.0.1:{node.port}", "--workers", str(workers)),
        env=node.env(DB_CONN_MAX_AGE="60"),
        cwd=node.home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            health = f"{node.base_url}/healthz"  # http on loopback
            with urllib.request.urlopen(health, timeout=10) as response:  # noqa: S310
                response.read()
            break
        except OSError:
            if time.monotonic() > deadline or node.server.poll() is not None:
                raise RuntimeError("node B's opentrm serve did not start") from None
            time.sleep(0.3)


def _configure_as(node_env: dict[str, str]) -> None:
    os.environ.update(node_env)
    import django

    django.setup()


def _ticks(pid: int) -> float:
    """CPU seconds (user + system) a process and its living children (gunicorn's workers) have
    used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_ticks(int(child)) for child in children)


def _database_pids(pair: Pair) -> list[int]:
    """The PostgreSQL backends serving the two nodes' databases (none on SQLite)."""
    if not pair.database.postgres:
        return []
    names = [pair.a.db_name, pair.b.db_name]
    rows = pair.database.query(
        "postgres", "SELECT pid FROM pg_stat_activity WHERE datname = ANY(?)", [names]
    )
    return [int(row[0]) for row in rows]


class CpuMeter:
    """CPU seconds used between :meth:`start` and :meth:`stop` by this process (the worker), each
    node's server, and the database backends (those alive at both ends)."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.before: dict[str, float] = {}
        self.db_before: dict[int, float] = {}

    def _servers(self) -> dict[str, float]:
        servers = {
            "node_a server": self.pair.a.server,
            "node_b server": self.pair.b.server,
        }
        seconds = {name: _ticks(proc.pid) for name, proc in servers.items() if proc is not None}
        return {"worker": time.process_time(), **seconds}

    def start(self) -> None:
        self.before = self._servers()
        self.db_before = {pid: _ticks(pid) for pid in _database_pids(self.pair)}

    def stop(self) -> dict[str, float]:
        used = {name: value - self.before[name] for name, value in self._servers().items()}
        if self.db_before:
            after = {pid: _ticks(pid) for pid in _database_pids(self.pair)}
            used["database"] = sum(
                after[pid] - self.db_before[pid] for pid in after if pid in self.db_before
            )
        return used


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    pair: Pair, *, count: int, singles: int, threads: int, profile: Path | None = None
) -> dict[str, Any]:
    _configure_as(pair.a.env())
    from django.db import transaction

    from opentrm.exchange import outbox
    from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer
    from opentrm.exchange.services.delivery import deliver_due

    peer = Peer.objects.get(node_id=pair.b.node_id)
    body_bytes = len(json.dumps(referral_body(0, sender="AL", receiver="RO")).encode())

    def queue(numbers: range) -> None:
        with transaction.atomic():
            for number in numbers:
                outbox.enqueue(
                    peer=peer,
                    type="referral",
                    body=referral_body(number, sender="AL", receiver="RO"),
                )

    # Warm up both processes (imports, schema validators, key files, connections).
    queue(range(5))
    while deliver_due(limit=5, threads=1).picked:
        pass

    # 1. Single round trips: queue one, send it, until its receipt is recorded.
    round_trips: list[float] = []
    for number in range(singles):
        queue(range(1000 + number, 1001 + number))
        started = time.perf_counter()
        summary = deliver_due(limit=1, threads=1)
        round_trips.append((time.perf_counter() - started) * 1000)
        assert summary.delivered == 1, summary

    # 2. Throughput: N queued in one transaction, then delivered by the worker's passes.
    started = time.perf_counter()
    queue(range(10_000, 10_000 + count))
    queued_s = time.perf_counter() - started
    meter = CpuMeter(pair)
    profiler = cProfile.Profile(time.thread_time) if profile is not None else None
    meter.start()
    started = time.perf_counter()
    passes = 0
    if profiler is not None:
        profiler.enable()
    while True:
        summary = deliver_due(limit=100, threads=threads)
        passes += 1
        if summary.picked == 0:
            break
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile / "worker.prof")
    elapsed = time.perf_counter() - started
    cpu = meter.stop()

    total = 5 + singles + count
    delivered = OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count()
    received = int(pair.b.query("SELECT COUNT(*) FROM exchange_inboxmessage")[0][0])
    outcomes = pair.b.query(
        "SELECT outcome, outcome_code, COUNT(*) FROM exchange_inboxmessage "
        "GROUP BY outcome, outcome_code ORDER BY 3 DESC"
    )
    return {
        "engine": "postgresql" if pair.database.postgres else "sqlite",
        "body_bytes": body_bytes,
        "count": count,
        "threads": threads,
        "queue_seconds": queued_s,
        "deliver_seconds": elapsed,
        "passes": passes,
        "rate": count / elapsed,
        "single_median_ms": statistics.median(round_trips),
        "single_p95_ms": _percentile(round_trips, 0.95),
        "cpu": cpu,
        "expected": total,
        "delivered": delivered,
        "received": received,
        "outcomes": ", ".join(f"{n} {outcome or '-'} {code}" for outcome, code, n in outcomes),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="packages for the throughput run")
    parser.add_argument("--singles", type=int, default=50, help="single round trips to time")
    parser.add_argument("--threads", type=int, default=4, help="the worker's parallel posts")
    parser.add_argument(
        "--profile", type=Path, help="write cProfile statistics of the worker and servers here"
    )
    parser.add_argument(
        "--receiver-workers",
        type=int,
        default=0,
        help="serve node B with `opentrm serve --workers N` (production), not the test server",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-exchange-"))
    if args.profile is not None:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
        os.environ["OPENTRM_PROFILE_FILE"] = "server.prof"  # in each node's home (its cwd)
    print("Starting two nodes ...", flush=True)
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"))
    try:
        prepare_receiver(pair)
        if args.receiver_workers:
            serve_receiver_in_production(pair, args.receiver_workers)
        result = run(
            pair,
            count=args.count,
            singles=args.singles,
            threads=args.threads,
            profile=args.profile,
        )
    finally:
        pair.close()
        if args.profile is not None:
            for node in (pair.a, pair.b):
                if (node.home / "server.prof").exists():
                    shutil.copy(node.home / "server.prof", args.profile / f"{node.label}.prof")
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"Engine: {result['engine']}; referral body {result['body_bytes'] / 1024:.1f} KB "
        f"(the sealed package is larger: base64 twice)."
    )
    print(
        f"Single round trip (send -> receipt recorded), {args.singles} packages: "
        f"median {result['single_median_ms']:.1f} ms, p95 {result['single_p95_ms']:.1f} ms "
        f"(target < {TARGET_ROUND_TRIP_MS:.0f} ms median)"
    )
    print(
        f"Throughput: {result['count']} packages queued in {result['queue_seconds']:.2f} s, "
        f"delivered and receipted in {result['deliver_seconds']:.2f} s "
        f"({result['passes']} passes, {result['threads']} threads): "
        f"{result['rate']:.1f} packages/s (target >= {TARGET_RATE:.0f}/s)"
    )
    cpu = result["cpu"]
    per_package = ", ".join(
        f"{name} {seconds * 1000 / result['count']:.1f}" for name, seconds in cpu.items()
    )
    print(
        f"CPU per package (ms): {per_package}; "
        f"total {sum(cpu.values()) * 1000 / result['count']:.1f} ms "
        f"(load average {os.getloadavg()[0]:.2f})"
    )
    print(
        f"Delivered on A: {result['delivered']} of {result['expected']}; "
        f"stored on B: {result['received']} (processed there: {result['outcomes']})"
    )
    ok = (
        result["rate"] >= TARGET_RATE
        and result["single_median_ms"] < TARGET_ROUND_TRIP_MS
        and result["delivered"] == result["expected"] == result["received"]
    )
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
