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

    .venv/bin/python bench/bench_exchange.py --help

Exits non-zero if a target is missed (>= 50 packages/s; single round trip < 300 ms median)
or if a package was lost or duplicated. Not part of the test suite; results in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
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


def _configure_as(node_env: dict[str, str]) -> None:
    os.environ.update(node_env)
    import django

    django.setup()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(pair: Pair, *, count: int, singles: int, threads: int) -> dict[str, Any]:
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
    started = time.perf_counter()
    passes = 0
    while True:
        summary = deliver_due(limit=100, threads=threads)
        passes += 1
        if summary.picked == 0:
            break
    elapsed = time.perf_counter() - started

    total = 5 + singles + count
    delivered = OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count()
    received = int(pair.b.query("SELECT COUNT(*) FROM exchange_inboxmessage")[0][0])
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
        "expected": total,
        "delivered": delivered,
        "received": received,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="packages for the throughput run")
    parser.add_argument("--singles", type=int, default=50, help="single round trips to time")
    parser.add_argument("--threads", type=int, default=4, help="the worker's parallel posts")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-exchange-"))
    print("Starting two nodes ...", flush=True)
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"))
    try:
        result = run(pair, count=args.count, singles=args.singles, threads=args.threads)
    finally:
        pair.close()
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
    print(
        f"Delivered on A: {result['delivered']} of {result['expected']}; "
        f"stored on B: {result['received']}"
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
