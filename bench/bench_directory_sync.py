"""Directory federation benchmark: node A's whole directory to a peer that has just joined.

Starts two nodes as in the two-node tests (tests/exchange/nodes.py: separate server processes,
own keys and databases), fills node A's directory with N organisations of its country (default
10,000; each with two contact points, two channels and a language per contact; one in ten
with a TRM responsibility), and then acts as A's worker in this process: ``publish_due`` (the
snapshot, in packages of 500 organisations) and ``deliver_due`` passes until nothing is left.
Every package is signed, encrypted, posted, stored and applied on B (the inbox hands it to
its handler before it answers), and receipted. The time is from the start of the publication
to the last receipt; then B's database is checked: every organisation held as A's copy.

    .venv/bin/python bench/bench_directory_sync.py [--organisations 10000]

Exits non-zero if the sync takes 60 s or more, or if B does not hold every organisation.
Not part of the test suite; results in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.exchange.nodes import Pair, start_pair  # noqa: E402

TARGET_SECONDS = 60.0


def _configure_as(node_env: dict[str, str]) -> None:
    os.environ.update(node_env)
    import django

    django.setup()


def fill_directory(count: int) -> int:
    """N fictional organisations of this node's country, written with ``bulk_create``."""
    from django.conf import settings

    from opentrm.directory.models import (
        ContactChannel,
        ContactPoint,
        Country,
        Function,
        Organisation,
        OrganisationType,
        Responsibility,
    )

    country, _ = Country.objects.get_or_create(code=settings.OPENTRM_NODE_COUNTRY)
    kinds = [OrganisationType.SOCIAL_SERVICES, OrganisationType.NGO, OrganisationType.POLICE]
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                country=country,
                name=f"Fictional body {number:05d}",
                type=kinds[number % len(kinds)],
                city=f"Fictiva {number % 40}",
                address=f"{number} Fictional street",
                website="https://example.org/",
                uuid=uuid.uuid4(),
            )
            for number in range(count)
        ],
        batch_size=1000,
    )
    contacts = ContactPoint.objects.bulk_create(
        [
            ContactPoint(
                organisation=organisation,
                position=position,
                person_name=f"Fictive Person {organisation.pk}" if person else "",
                uuid=uuid.uuid4(),
            )
            for organisation in organisations
            for position, person in (("Duty officer", True), ("Front desk", False))
        ],
        batch_size=1000,
    )
    ContactChannel.objects.bulk_create(
        [
            ContactChannel(contact_point=contact, kind=kind, value=value)
            for contact in contacts
            for kind, value in (("phone", f"+355 4 {contact.pk:07d}"), ("email", "x@example.org"))
        ],
        batch_size=2000,
    )
    through = ContactPoint.languages.through
    from opentrm.directory.models import Language

    Language.objects.bulk_create([Language(code="sq")], ignore_conflicts=True)
    through.objects.bulk_create(
        [through(contactpoint_id=c.pk, language_id="sq") for c in contacts], batch_size=2000
    )
    functions = list(Function)
    Responsibility.objects.bulk_create(
        [
            Responsibility(
                country=country,
                function=functions[number % len(functions)],
                organisation=organisation,
            )
            for number, organisation in enumerate(organisations[::10])
        ],
        batch_size=1000,
    )
    return Organisation.objects.filter(country=country, origin_node="").count()


def run(pair: Pair, *, organisations: int, threads: int) -> dict[str, Any]:
    _configure_as(pair.a.env())
    from opentrm.exchange.models import OutboxMessage, OutboxStatus
    from opentrm.exchange.services.delivery import deliver_due
    from opentrm.exchange.services.directory_sync import publish_due

    started = time.perf_counter()
    total = fill_directory(organisations)
    fill_seconds = time.perf_counter() - started

    started = time.perf_counter()
    packages = publish_due()
    publish_seconds = time.perf_counter() - started
    passes = 0
    while deliver_due(limit=100, threads=threads).picked:
        passes += 1
    elapsed = time.perf_counter() - started

    delivered = OutboxMessage.objects.filter(
        type="directory", status=OutboxStatus.DELIVERED
    ).count()
    held = pair.b.query(
        "SELECT COUNT(*) FROM directory_organisation WHERE origin_node = ? AND is_active = ?",
        [pair.a.node_id, True],
    )[0][0]
    contacts = pair.b.query(
        "SELECT COUNT(*) FROM directory_contactpoint c JOIN directory_organisation o "
        "ON o.id = c.organisation_id WHERE o.origin_node = ?",
        [pair.a.node_id],
    )[0][0]
    unapplied = pair.b.query(
        "SELECT COUNT(*), MAX(last_error) FROM exchange_inboxmessage "
        "WHERE type = 'directory' AND processed_at IS NULL"
    )[0]
    return {
        "engine": "postgresql" if pair.database.postgres else "sqlite",
        "unapplied": f"{unapplied[0]} ({unapplied[1] or 'no error'})",
        "organisations": total,
        "fill_seconds": fill_seconds,
        "publish_seconds": publish_seconds,
        "seconds": elapsed,
        "packages": packages,
        "delivered": delivered,
        "passes": passes,
        "held": int(held),
        "contacts": int(contacts),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=4, help="the worker's parallel posts")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-dirsync-"))
    print("Starting two nodes ...", flush=True)
    pair = start_pair(workdir, os.environ.get("DATABASE_URL"))
    try:
        result = run(pair, organisations=args.organisations, threads=args.threads)
    finally:
        pair.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"Engine: {result['engine']}; node A's directory: {result['organisations']} "
        f"organisations (filled in {result['fill_seconds']:.1f} s)."
    )
    print(
        f"Snapshot: {result['packages']} packages queued in {result['publish_seconds']:.2f} s; "
        f"all signed, encrypted, delivered, applied on B and receipted in "
        f"{result['seconds']:.2f} s ({result['passes']} worker passes) "
        f"(target < {TARGET_SECONDS:.0f} s)"
    )
    print(
        f"Delivered on A: {result['delivered']} of {result['packages']}; held on B as A's "
        f"copies: {result['held']} organisations, {result['contacts']} contact points; "
        f"packages not applied on B: {result['unapplied']}"
    )
    ok = (
        result["seconds"] < TARGET_SECONDS
        and result["delivered"] == result["packages"]
        and result["held"] == result["organisations"]
    )
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
