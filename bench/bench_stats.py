"""Statistics benchmark: ``fill_stats`` full and incremental, and the dashboard's p95 (issue 15).

Builds a scratch database like ``bench_cases.py`` (an SQLite file, or ``<name>_bench_stats_<pid>``
on the server named by ``DATABASE_URL``, dropped afterwards) with its generator (``generate``:
cases, persons, names, one origin country; here 1 measure, 0 services and 2 tasks per case), and
adds what the statistics count: a citizenship and a type of exploitation per case, dated status
changes (identification, assistance, return) for a share of the cases, and a referral for one
case in ten. Then it times:

* the full fill (``fill(full=True)``), target under 5 min at 1,000,000 cases;
* an incremental fill after one day's changes (new cases of a day, status changes, edits),
  target under 10 s;
* the dashboard (the breakdown by sex, and by citizenship, as a statistician), p95 target under
  100 ms; and for comparison one raw cross-tab over the case table, which the dashboard never runs.

    .venv/bin/python bench/bench_stats.py --cases 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opentrm bench/bench_stats.py --cases 1000000

Not part of the test suite; results in bench/README.md. All data is generated.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from bench_cases import BATCH, COUNTRIES, analyse, generate, make_world, measure
from scratch import configure, create_scratch_database

TARGET_FULL_S = 300.0
TARGET_INCREMENTAL_S = 10.0
TARGET_P95_MS = 100.0
DAY_NEW_CASES_PER_MILLION = 300  # about a million cases over ten years


def enrich_for_statistics(world: Any, *, seed: int) -> dict[str, int]:
    """Citizenships, types of exploitation, status changes and referrals, by bulk_create."""
    from django.db import transaction
    from django.utils import timezone

    from opentrm.cases.models import Case, CaseExploitation, CaseStatusChange, PersonCitizenship
    from opentrm.cases.models.case import ExploitationType
    from opentrm.directory.models import Organisation
    from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus

    rng = random.Random(seed)
    types = ExploitationType.values
    receivers = list(Organisation.objects.exclude(pk=world.owner_id).values_list("pk", flat=True))
    made = {"citizenships": 0, "exploitation": 0, "status_changes": 0, "referrals": 0}
    ids = list(Case.objects.order_by("pk").values_list("pk", "person_id", "opened_on"))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        with transaction.atomic():
            made["citizenships"] += len(
                PersonCitizenship.objects.bulk_create(
                    [
                        PersonCitizenship(person_id=p, country_code=rng.choice(COUNTRIES))
                        for _c, p, _o in chunk
                    ],
                    ignore_conflicts=True,
                )
            )
            made["exploitation"] += len(
                CaseExploitation.objects.bulk_create(
                    [CaseExploitation(case_id=c, type=rng.choice(types)) for c, _p, _o in chunk],
                    ignore_conflicts=True,
                )
            )
            changes = []
            referrals = []
            for case_id, _person, opened in chunk:
                at = timezone.make_aware(datetime.combine(opened, dt_time.min)) + timedelta(
                    days=rng.randint(1, 60), hours=rng.randint(0, 23)
                )
                for attribute, value, share in (
                    ("identification_status", "identified_formally", 0.3),
                    ("identification_status", "identified_informally", 0.2),
                    ("assistance_status", "accepted", 0.4),
                    ("return_status", "completed", 0.1),
                ):
                    if rng.random() < share:
                        changes.append(
                            CaseStatusChange(
                                case_id=case_id,
                                attribute=attribute,
                                new_value=value,
                                changed_at=at,
                                source="derived",
                            )
                        )
                if rng.random() < 0.1 and receivers:
                    sent = at
                    acknowledged = sent + timedelta(hours=rng.randint(1, 96))
                    answered = acknowledged + timedelta(hours=rng.randint(1, 300))
                    referrals.append(
                        Referral(
                            reference=f"B-{case_id:08d}",
                            kind=rng.choice(ReferralKind.values[:2]),
                            case_id=case_id,
                            sender_organisation_id=world.owner_id,
                            receiver_country=rng.choice(COUNTRIES),
                            receiver_organisation_id=rng.choice(receivers),
                            status=ReferralStatus.ACCEPTED,
                            sent_at=sent,
                            acknowledged_at=acknowledged,
                            answered_at=answered,
                            acknowledge_due_at=sent + timedelta(hours=48),
                            answer_due_at=sent + timedelta(days=10),
                        )
                    )
            made["status_changes"] += len(
                CaseStatusChange.objects.bulk_create(changes, batch_size=BATCH)
            )
            made["referrals"] += len(Referral.objects.bulk_create(referrals, batch_size=BATCH))
    return made


def one_days_changes(world: Any, *, cases: int, seed: int) -> int:
    """A day's work on a node of this size: new cases opened today, and as many old cases
    edited (a status change and a save); returns the number of cases touched."""
    from django.utils import timezone

    from opentrm.cases.models import Case, CaseStatusChange, Person
    from opentrm.cases.models.person import Sex

    rng = random.Random(seed + 1)
    new = max(1, cases * DAY_NEW_CASES_PER_MILLION // 1_000_000)
    today = timezone.localdate()
    persons = Person.objects.bulk_create(
        [Person(sex=rng.choice(Sex.values)) for _ in range(new)], batch_size=BATCH
    )
    Case.objects.bulk_create(
        [
            Case(
                number=f"AL-D{seed}-{os.getpid()}-{n:06d}",  # a --reuse run adds its own
                person=person,
                owner_organisation_id=world.owner_id,
                opened_on=today,
            )
            for n, person in enumerate(persons)
        ],
        batch_size=BATCH,
    )
    edited_ids = rng.sample(list(Case.objects.values_list("pk", flat=True)[:cases]), k=new)
    now = timezone.now()
    CaseStatusChange.objects.bulk_create(
        [
            CaseStatusChange(
                case_id=pk,
                attribute="assistance_status",
                new_value="accepted",
                changed_at=now,
                source="derived",
            )
            for pk in edited_ids
        ]
    )
    Case.objects.filter(pk__in=edited_ids).update(updated_at=now)
    return new + len(edited_ids)


def server_cpu_s() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: read from
    /proc), 0 on SQLite: with the process's own CPU, what a fill costs whatever the load."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Cost:
    """Wall clock, this process's CPU and its database backend's CPU, from construction."""

    def __init__(self) -> None:
        self.wall, self.cpu, self.server = (
            time.perf_counter(),
            time.process_time(),
            server_cpu_s(),
        )

    def __str__(self) -> str:
        return (
            f"{time.perf_counter() - self.wall:.1f} s wall, "
            f"{time.process_time() - self.cpu:.1f} s CPU here, "
            f"{server_cpu_s() - self.server:.1f} s CPU in PostgreSQL, "
            f"load {os.getloadavg()[0]:.1f}"
        )


def raw_cross_tab_ms() -> float:
    """What the dashboard avoids: cases by sex over the case table, timed once."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.sex, COUNT(*) FROM cases_case c JOIN cases_person p ON p.id = c.person_id "
            "WHERE c.deleted_at IS NULL AND c.opened_on >= %s GROUP BY p.sex",
            [time.strftime("%Y-01-01")],
        )
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _world(args: argparse.Namespace) -> Any:
    """Generate the cases, or (``--reuse``) migrate the kept database and find its owner."""
    from types import SimpleNamespace

    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    if args.reuse:
        from opentrm.cases.models import Case

        call_command("migrate", verbosity=0)
        analyse()
        first = Case.objects.order_by("pk").values_list("owner_organisation_id", flat=True)[0]
        kept = SimpleNamespace(owner_id=first, cases=Case.objects.count())
        print(f"Reusing {args.reuse}: {kept.cases} cases on {connection.vendor}.")
        return kept
    world = make_world()
    generate(world, cases=args.cases, seed=args.seed, measures=1, services=0)
    made = enrich_for_statistics(world, seed=args.seed)
    analyse()
    print(
        f"Generated in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
        f"{world.cases} cases, {made}."
    )
    return world


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory/database")
    parser.add_argument("--profile", action="store_true", help="profile one dashboard request")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time again on a database kept by --keep (migrated first), no generation",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-stats-"))
    configure(workdir)
    from django.db import connection
    from django.test import Client

    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.roles import Role
    from opentrm.stats.models import StatsCell
    from opentrm.stats.services.fill import fill

    if args.reuse:
        old_name = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = args.reuse
        args.keep = True  # never drop a database this run did not make
    else:
        old_name = create_scratch_database(workdir, label="bench_stats")
    try:
        world = _world(args)
        started = time.perf_counter()
        cost = Cost()
        full = fill(full=True)
        full_s = time.perf_counter() - started
        full_cost = str(cost)
        analyse()
        cells = StatsCell.objects.count()
        print(
            f"Full fill: {full_cost} ({full.cases} cases applied, {full.months} referral "
            f"months, {cells} cells)."
        )
        if args.profile:
            import cProfile
            import pstats

            from opentrm.cases.models import Case
            from opentrm.stats.models import StatsCaseContribution
            from opentrm.stats.services.contributions import apply_cases

            batch = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:5000])
            StatsCaseContribution.objects.filter(case_id__in=batch).update(data={"e": []})
            profiler = cProfile.Profile()
            profiler.runcall(apply_cases, batch)  # what a full fill does per batch
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("opentrm/stats", 25)

        touched = one_days_changes(world, cases=args.cases, seed=args.seed)
        started = time.perf_counter()
        cost = Cost()
        # Only what changed after the full fill started (the generated rows are older).
        incremental = fill(overlap=timedelta(0))
        incremental_s = time.perf_counter() - started
        print(
            f"Incremental fill after one day's changes ({touched} cases new or edited): "
            f"{cost} ({incremental.cases} contributions changed, "
            f"{incremental.months} referral months recomputed)."
        )

        statistician, created = User.objects.get_or_create(username="bench.statistician")
        if created:
            Membership.objects.create(
                user=statistician, organisation_id=world.owner_id, role=Role.STATISTICIAN
            )
        client = Client()
        client.force_login(statistician)
        pages = [
            "/statistics/?breakdown=sex",
            "/statistics/?breakdown=citizenship&indicator=identified_formally",
            "/statistics/?breakdown=partner_country&indicator=hours_to_acknowledgement",
            "/api/v1/stats/table?breakdown=age_band",
        ]
        results = [measure(client, url, runs=args.runs, warmup=args.warmup) for url in pages]
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, pages[0])
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        raw_ms = raw_cross_tab_ms()
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept {workdir} ({connection.settings_dict['NAME']}).")

    print(f"\nLoad average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    width = max(len(r.url) for r in results) + 2
    print(f"{'page':<{width}} {'median':>9} {'p95':>9} {'queries':>8}")
    for r in results:
        print(f"{r.url:<{width}} {r.median:>6.1f} ms {r.p95:>6.1f} ms {r.queries:>8}")
    print(f"raw cross-tab over the case table (not used by any page): {raw_ms:.1f} ms")
    problems = []
    scale = world.cases / 1_000_000  # the register measured (``--reuse``: the kept one's)
    if full_s > TARGET_FULL_S * max(scale, 0.01):
        problems.append(f"full fill {full_s:.1f} s (target scaled to the size)")
    if incremental_s > TARGET_INCREMENTAL_S:
        problems.append(f"incremental fill {incremental_s:.1f} s")
    problems += [f"{r.url} p95 {r.p95:.1f} ms" for r in results if r.p95 >= TARGET_P95_MS]
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("OK: fills and every dashboard p95 under target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
