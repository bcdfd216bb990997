"""Home page benchmark: "What needs you today" over a node of N cases (200,000 by default).

Builds the cases benchmark's scratch database (``bench_cases.make_world`` and ``generate``:
one organisation owns every case, 2 tasks per case, 5 % of the cases managed by the benchmark
user), then adds what the home page looks for: reflection periods and consents of 1 case in
50 ending over the next 30 days, and 1 referral per 100 cases received by the owner
organisation (a fifth acknowledged, the rest to acknowledge, some overdue), each with a
follow-up report for 1 in 10 of those the owner sent. Times ``/home/`` through Django's test
client, logged in as the case manager, and prints median, p95 and the number of queries.
Exits 1 if the median is 100 ms or more (the issue's target) or if the number of queries
differs from the one on a node of 1 case in 100 of the size (``--compare``).

    .venv/bin/python bench/bench_home.py --cases 200000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opentrm .venv/bin/python bench/bench_home.py

Not part of the test suite; results are recorded in bench/README.md. All data is generated.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_cases import analyse, generate, make_world, measure
from scratch import configure, create_scratch_database

TARGET_MEDIAN_MS = 100.0


def add_home_items(world: Any, *, seed: int) -> dict[str, int]:
    """Reflection periods, consents and referrals for the home page's sections."""
    from django.utils import timezone

    from opentrm.cases.models import Case, ConsentRecord, ReflectionPeriod
    from opentrm.directory.models import Organisation
    from opentrm.referrals.models import FollowUpReport, Referral

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    other = Organisation.objects.exclude(pk=world.owner_id).order_by("pk").first()
    assert other is not None
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    periods, consents, referrals = [], [], []
    for n, case_id in enumerate(case_ids):
        if n % 50 == 0:
            ends = today + timedelta(days=rng.randint(-10, 30))
            periods.append(
                ReflectionPeriod(
                    case_id=case_id, starts_on=ends - timedelta(days=30), ends_on=ends,
                    granted_by=world.user, organisation_id=world.owner_id,
                )
            )  # fmt: skip
            consents.append(
                ConsentRecord(
                    case_id=case_id, purpose="share_data", recipient_organisation=other,
                    decision="given", decided_on=today - timedelta(days=60),
                    expires_on=today + timedelta(days=rng.randint(0, 60)), explained_in="sq",
                    information_given="Generated.", taken_by=world.user,
                    taken_for_id=world.owner_id,
                )
            )  # fmt: skip
        if n % 100 == 0:
            received = n % 200 == 0
            sent_at = now - timedelta(days=rng.randint(0, 20))
            referrals.append(
                Referral(
                    reference=f"BENCH-{n}", kind="national", case_id=case_id,
                    sender_organisation=other if received else Organisation(pk=world.owner_id),
                    receiver_organisation_id=world.owner_id if received else other.pk,
                    receiver_country="AL", sent_by=world.user if not received else None,
                    status=rng.choice(["sent", "sent", "sent", "sent", "acknowledged"])
                    if received else "accepted",
                    sent_at=sent_at, acknowledge_due_at=sent_at + timedelta(days=2),
                    answer_due_at=sent_at + timedelta(days=10), updated_by=world.user,
                )
            )  # fmt: skip
    ReflectionPeriod.objects.bulk_create(periods, batch_size=5000)
    ConsentRecord.objects.bulk_create(consents, batch_size=5000)
    Referral.objects.bulk_create(referrals, batch_size=5000)
    sent = Referral.objects.filter(sender_organisation_id=world.owner_id)
    reports = [
        FollowUpReport(
            referral=referral, reported_on=today - timedelta(days=rng.randint(0, 10)),
            organisation=other, reported_by=world.user,
        )
        for referral in sent[: max(1, sent.count() // 10)]
    ]  # fmt: skip
    FollowUpReport.objects.bulk_create(reports, batch_size=5000)
    return {
        "reflection periods": len(periods),
        "consents": len(consents),
        "referrals": len(referrals),
        "follow-ups": len(reports),
    }


# The case search (issue 12 item 3): by a name (posted, as the UI does) and by filters.
SEARCHES: list[tuple[str, dict[str, str] | None]] = [
    ("/cases/", {"name": "zana"}),
    ("/cases/?child=adult&sort=number", None),
    ("/cases/?number=AL-B-00001", None),
]


def time_pages(user: Any, *, runs: int, warmup: int) -> tuple[list[Any], Any]:
    """Time /home/ and the case searches (in that order) as ``user``, then /account/."""
    from django.test import Client

    from opentrm.core.warmup import warm_and_freeze

    client = Client()
    client.force_login(user)
    warm_and_freeze()  # as every `opentrm serve` worker does once loaded (docs/deployment.md)
    results = [measure(client, "/home/", runs=runs, warmup=warmup)]
    results += [measure(client, url, data=data, runs=runs, warmup=warmup) for url, data in SEARCHES]
    return results, measure(client, "/account/", runs=runs, warmup=warmup)


def rerun(name: str, *, runs: int, warmup: int) -> tuple[list[Any], str]:
    """Time again on a database kept by ``--keep`` (migrated first: new indexes apply)."""
    from django.core.management import call_command
    from django.db import connection

    from opentrm.accounts.models import User
    from opentrm.cases.models import Case

    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0)
    analyse()
    results, account = time_pages(
        User.objects.get(username="bench.manager"), runs=runs, warmup=warmup
    )
    summary = (
        f"kept database {name}: {Case.objects.count():,} cases on {connection.vendor}"
        f"\n/account/ (a trivial page, same run) median {account.median:.1f} ms"
        f"  p95 {account.p95:.1f} ms  queries {account.queries}"
    )
    return results, summary


def run(cases: int, *, seed: int, runs: int, warmup: int, keep: bool) -> tuple[list[Any], str]:
    """Generate a node of ``cases`` cases; time /home/ and the case searches (in that order)."""
    from django.db import connection

    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-home-"))
    old_name = create_scratch_database(workdir, label="bench_home")
    try:
        started = time.perf_counter()
        world = make_world()
        # No measures or services: neither the home page nor the search reads them.
        generate(world, cases=cases, seed=seed, measures=0, services=0)
        extra = add_home_items(world, seed=seed)
        analyse()
        summary = (
            f"{cases:,} cases generated in {time.perf_counter() - started:.1f} s on "
            f"{connection.vendor}: {world.tasks:,} tasks, "
            + ", ".join(f"{value:,} {name}" for name, value in extra.items())
        )
        results, account = time_pages(world.user, runs=runs, warmup=warmup)
        summary += (
            f"\n/account/ (a trivial page, same run) median {account.median:.1f} ms"
            f"  p95 {account.p95:.1f} ms  queries {account.queries}"
        )
        return results, summary
    finally:
        if not keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", metavar="DATABASE", help="time again on a database kept by --keep"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also run at 1/100 of the size (query count)"
    )
    args = parser.parse_args()
    configure(Path(tempfile.mkdtemp(prefix="opentrm-bench-home-cfg-")))

    if args.reuse:
        results, summary = rerun(args.reuse, runs=args.runs, warmup=args.warmup)
    else:
        results, summary = run(
            args.cases, seed=args.seed, runs=args.runs, warmup=args.warmup, keep=args.keep
        )
    print(f"{summary}\n{args.runs} runs after {args.warmup} warm-up, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    for result in results:
        print(f"{result.url}  median {result.median:.1f} ms  p95 {result.p95:.1f} ms  "
              f"queries {result.queries}")  # fmt: skip
        for ms, sql in result.slowest:
            print(f"  {ms:7.1f} ms  {sql[:200]}")
    problems = []
    if args.compare:
        small, small_summary = run(
            max(100, args.cases // 100), seed=args.seed, runs=5, warmup=1, keep=False
        )
        print(small_summary)
        for big, little in zip(results, small, strict=True):
            print(f"{little.url} at that size: {little.queries} queries")
            if big.queries != little.queries:
                problems.append(
                    f"{big.url}: {big.queries} queries, {little.queries} on the small node"
                )
    problems += [
        f"{result.url} median {result.median:.1f} ms"
        for result in results
        if result.median >= TARGET_MEDIAN_MS
    ]
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print(f"OK: median under {TARGET_MEDIAN_MS:.0f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
