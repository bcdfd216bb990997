"""Case benchmark: "My cases", the case list, a case file and "My tasks" over 200,000 cases.

Builds a scratch database (an SQLite file in a temporary directory, or a database named
``<name>_bench_cases_<pid>`` on the server named by ``DATABASE_URL``, dropped afterwards),
fills it with ``bulk_create`` (one organisation owns every case; 5 measures, 2 tasks and 3
services per case, about 2,000,000 measure, service and task rows at the default size; the two
case files that are timed also hold assessments, plans, proceedings, documents and notes), then
times the pages through
Django's test client, logged in as a case manager of the owner organisation. Prints median and
p95 in ms and the number of queries per request, checks that the number of queries does not
grow with the page or the size of the case file, and exits non-zero if it does or a median
misses the target.

    .venv/bin/python bench/bench_cases.py --help

Not part of the test suite; results are recorded in bench/README.md. All data is generated.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scratch import configure, create_scratch_database

TARGET_MEDIAN_MS = 150.0
MEASURES_PER_CASE = 5
TASKS_PER_CASE = 2
SERVICES_PER_CASE = 3
MINE_SHARE = 0.05  # cases whose case manager (in the owner organisation) is the benchmark user
BATCH = 5000  # cases per chunk; measures and tasks go in batches of 5,000 rows too

COUNTRIES = ["AL", "RO", "XK", "MK", "GR"]
ORGANISATIONS = [
    ("National Referral Office", "ministry"),
    ("Regional Shelter Bridge", "shelter"),
    ("Support Centre Hope", "ngo"),
    ("Anti-trafficking Police Unit", "police"),
    ("District Social Service", "social_services"),
]
NAME_PARTS = [
    "Alba", "Brisa", "Cora", "Dana", "Elira", "Fatos", "Gent", "Hana", "Ilir", "Jeta", "Kreshnik",
    "Lule", "Mira", "Nora", "Orges", "Petrit", "Rina", "Sokol", "Teuta", "Vesa", "Zana", "Arben",
]  # fmt: skip
TASK_TITLES = ["Call back", "Review plan", "Send documents", "Book interpreter", "Follow-up visit"]


@dataclass
class World:
    user: Any
    owner_id: int
    cases: int = 0
    mine: int = 0
    measures: int = 0
    tasks: int = 0
    services: int = 0
    big_case: str = ""  # public_id of a full case file (see ``enrich``)
    small_case: str = ""  # public_id of a case with one row of each kind


def make_world() -> World:
    """Countries, a few organisations, the benchmark user and two colleagues."""
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.roles import Role
    from opentrm.directory.models import Country, Organisation

    countries = Country.objects.bulk_create([Country(code=code) for code in COUNTRIES])
    al = countries[0]
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(country=al, name=name, type=kind, city="City A1")
            for name, kind in ORGANISATIONS
        ]
    )
    owner = organisations[0]
    user = User.objects.create_user(username="bench.manager", password=None)
    Membership.objects.create(user=user, organisation=owner, role=Role.CASE_MANAGER)
    for n, role in enumerate([Role.CASE_MANAGER, Role.CASEWORKER]):
        colleague = User.objects.create_user(username=f"bench.colleague{n}", password=None)
        Membership.objects.create(user=colleague, organisation=owner, role=role)
    return World(user=user, owner_id=owner.pk)


def generate(
    world: World,
    *,
    cases: int,
    seed: int,
    measures: int = MEASURES_PER_CASE,
    services: int = SERVICES_PER_CASE,
) -> None:
    """Fill the database with bulk_create in chunks of BATCH cases; update ``world``.

    ``measures`` and ``services``: rows per case (0 for the benchmarks that do not read them,
    which then generate 200,000 cases in a few minutes)."""
    from django.db import transaction
    from django.utils import timezone

    from opentrm.accounts.models import User
    from opentrm.cases.models import (
        Case,
        CaseCountry,
        CaseMeasure,
        CaseParticipant,
        CaseService,
        Person,
        PersonName,
        Task,
    )
    from opentrm.cases.models.case import CountryRole, IdentificationStatus
    from opentrm.cases.models.measures import MeasureStatus
    from opentrm.cases.models.person import Sex
    from opentrm.cases.models.services import SERVICE_CATEGORY, ServiceStatus
    from opentrm.cases.models.tasks import TaskSource
    from opentrm.cases.services.registration import names_create
    from opentrm.catalogue.loader import load_catalogue
    from opentrm.directory.models import Organisation

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    codes = [measure.code for measure in load_catalogue().measures]
    colleagues = list(User.objects.exclude(pk=world.user.pk).order_by("pk"))
    statuses = MeasureStatus.values
    service_types = [t for t in SERVICE_CATEGORY if t != "other"]
    provider_ids = list(
        Organisation.objects.filter(country__code="AL").values_list("pk", flat=True)
    )
    identification = IdentificationStatus.values

    for start in range(0, cases, BATCH):
        size = min(BATCH, cases - start)
        with transaction.atomic():
            persons = Person.objects.bulk_create(
                [
                    Person(
                        sex=rng.choice(Sex.values),
                        # Adults: the case file's child section is not the point here.
                        date_of_birth=date(1960 + rng.randint(0, 40), rng.randint(1, 12), 1),
                    )
                    for _ in range(size)
                ],
                batch_size=BATCH,
            )
            names_create(  # with their search keys, as the services write them
                PersonName(
                    person=person,
                    value=f"{rng.choice(NAME_PARTS)} {rng.choice(NAME_PARTS)}ska",
                    script="Latn",
                )
                for person in persons
            )
            case_rows = []
            for n, person in enumerate(persons):
                i = start + n
                case_rows.append(
                    Case(
                        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        number=f"AL-B-{i:07d}",
                        person=person,
                        owner_organisation_id=world.owner_id,
                        opened_on=today - timedelta(days=rng.randint(0, 3650)),
                        identification_status=rng.choice(identification),
                    )
                )
            chunk = Case.objects.bulk_create(case_rows, batch_size=BATCH)
            mine = [rng.random() < MINE_SHARE for _ in chunk]
            CaseParticipant.objects.bulk_create(
                [
                    CaseParticipant(
                        case=case,
                        organisation_id=world.owner_id,
                        case_manager=world.user if is_mine else rng.choice([None, colleagues[0]]),
                        is_active=True,
                    )
                    for case, is_mine in zip(chunk, mine, strict=True)
                ],
                batch_size=BATCH,
            )
            CaseCountry.objects.bulk_create(
                [
                    CaseCountry(
                        case=case,
                        country_code=rng.choice(COUNTRIES),
                        role=CountryRole.ORIGIN,
                    )
                    for case in chunk
                ],
                batch_size=BATCH,
            )
            measure_rows = []
            task_rows = []
            service_rows = []
            for case, is_mine in zip(chunk, mine, strict=True):
                for code in rng.sample(codes, measures):
                    status = rng.choice(statuses)
                    started = case.opened_on if status != MeasureStatus.PLANNED else None
                    measure_rows.append(
                        CaseMeasure(
                            case=case,
                            code=code,
                            status=status,
                            responsible_organisation_id=world.owner_id,
                            due_on=case.opened_on + timedelta(days=rng.randint(7, 90)),
                            started_on=started,
                            completed_on=started if status == MeasureStatus.DONE else None,
                        )
                    )
                for t in range(TASKS_PER_CASE):
                    done = rng.random() < 0.4
                    task_rows.append(
                        Task(
                            case=case,
                            title=rng.choice(TASK_TITLES),
                            assignee=world.user if is_mine else rng.choice(colleagues),
                            organisation_id=world.owner_id,
                            due_on=today + timedelta(days=rng.randint(-60, 60)),
                            done_at=(now - timedelta(days=rng.randint(0, 60))) if done else None,
                            source=TaskSource.MANUAL,
                            source_key=str(t),
                        )
                    )
                for service_type in rng.sample(service_types, services):
                    status = rng.choice(ServiceStatus.values)
                    offered = case.opened_on + timedelta(days=rng.randint(0, 30))
                    service_rows.append(
                        CaseService(
                            case=case,
                            service_type=service_type,
                            category=SERVICE_CATEGORY[service_type],
                            status=status,
                            provider_id=rng.choice(provider_ids),
                            offered_on=offered,
                            accepted_on=offered if status != ServiceStatus.OFFERED else None,
                            cost=rng.randint(0, 5000) if status == "delivered" else None,
                            currency="EUR" if status == ServiceStatus.DELIVERED else "",
                            funding_source="State budget",
                            organisation_id=world.owner_id,
                        )
                    )
            world.measures += len(CaseMeasure.objects.bulk_create(measure_rows, batch_size=BATCH))
            world.services += len(CaseService.objects.bulk_create(service_rows, batch_size=BATCH))
            world.tasks += len(Task.objects.bulk_create(task_rows, batch_size=BATCH))
            world.cases += len(chunk)
            world.mine += sum(mine)
        if (start // BATCH) % 10 == 9:
            print(f"  {world.cases} cases ...", flush=True)

    # The case file to time: one of the user's cases, filled in every section. And a small one
    # (one row of each kind) to check the query count does not grow with the file.
    big = Case.objects.filter(participants__case_manager=world.user).order_by("-pk")[0]
    enrich(big, world, rows=8)
    world.big_case = str(big.public_id)
    person = Person.objects.create(date_of_birth=date(1985, 5, 1))
    names_create([PersonName(person=person, value="Mira Zanaska", script="Latn")])
    small = Case.objects.create(
        number="AL-B-SMALL",
        person=person,
        owner_organisation_id=world.owner_id,
        opened_on=today,
    )
    CaseParticipant.objects.create(
        case=small, organisation_id=world.owner_id, case_manager=world.user
    )
    CaseMeasure.objects.create(
        case=small, code=codes[0], responsible_organisation_id=world.owner_id
    )
    Task.objects.create(
        case=small, title="Call back", assignee=world.user, organisation_id=world.owner_id,
        due_on=today,
    )  # fmt: skip
    CaseService.objects.create(
        case=small, service_type="shelter", category=SERVICE_CATEGORY["shelter"],
        offered_on=today, organisation_id=world.owner_id,
    )  # fmt: skip
    enrich(small, world, rows=1)
    world.small_case = str(small.public_id)


def enrich(case: Any, world: World, *, rows: int) -> None:
    """Fill the other sections of one case file: ``rows`` entries in each list."""
    from django.utils import timezone

    from opentrm.cases.models import (
        Assessment,
        AssistancePlan,
        CaseDocument,
        CaseNote,
        ConsentRecord,
        HealthRecord,
        Hearing,
        NoContactPerson,
        PlanActivity,
        Proceeding,
        RiskManagementPlan,
    )

    today = timezone.localdate()
    owner = world.owner_id
    user = world.user
    for n in range(rows):
        Assessment.objects.create(
            case=case, kind=["early_risk", "needs", "safety", "retrafficking"][n % 4],
            assessed_on=today - timedelta(days=n), organisation_id=owner, assessed_by=user,
            risk_level="medium", needs=["accommodation", "medical"], summary="Generated.",
        )  # fmt: skip
        CaseNote.objects.create(
            case=case, text=f"Generated note {n}.", organisation_id=owner, author=user
        )
        CaseDocument.objects.create(
            case=case, kind="other", field_group="identity", title=f"Document {n}",
            file=f"cases/{case.pk}/bench{n}", original_name="scan.pdf",
            content_type="application/pdf", size=1000, sha256="0" * 64,
            organisation_id=owner, uploaded_by=user,
        )  # fmt: skip
        ConsentRecord.objects.create(
            case=case, purpose="share_data", recipient_country="RO", decision="given",
            decided_on=today, explained_in="sq", information_given="Generated.",
            taken_by=user, taken_for_id=owner,
        )  # fmt: skip
        listed = NoContactPerson.objects.create(case=case, name=f"Suspect {n}", added_by=user)
        hearing = Hearing.objects.create(
            case=case, kind="police_interview", scheduled_at=timezone.now() + timedelta(days=n),
            place="Police station", organisation_id=owner,
        )  # fmt: skip
        hearing.involved_no_contact.add(listed)
    HealthRecord.objects.create(case=case, medical_history="Generated.")
    Proceeding.objects.create(case=case, country_code="AL", kind="criminal", organisation_id=owner)
    plan = AssistancePlan.objects.create(
        case=case, goals="Generated.", organisation_id=owner, drafted_by=user
    )
    PlanActivity.objects.bulk_create(
        [
            PlanActivity(plan=plan, description=f"Activity {n}", provider_id=owner, order=n)
            for n in range(rows)
        ]
    )
    RiskManagementPlan.objects.create(
        case=case, risks="Generated.", measures="Generated.", next_review_on=today,
        organisation_id=owner,
    )  # fmt: skip


def analyse() -> None:
    """Refresh planner statistics after the bulk load, as autovacuum would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@dataclass
class Result:
    url: str
    median: float
    p95: float
    queries: int
    slowest: list[tuple[float, str]]


def measure(
    client: Any, url: str, *, runs: int, warmup: int, data: dict[str, str] | None = None
) -> Result:
    """``data``: posted (the case search by name is posted: docs/cases.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fetch() -> Any:
        return client.post(url, data) if data is not None else client.get(url)

    for _ in range(warmup):
        fetch()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = fetch()
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        fetch()
    slowest = sorted(
        ((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True
    )[:3]
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    label = f"{url} (posted {', '.join(sorted(data))})" if data is not None else url
    return Result(label, statistics.median(timings), p95, len(captured.captured_queries), slowest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory/database")
    parser.add_argument(
        "--show-sql", action="store_true", help="print each page's three slowest queries"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-cases-"))
    configure(workdir)
    from django.db import connection
    from django.test import Client

    old_name = create_scratch_database(workdir, label="bench_cases")
    try:
        started = time.perf_counter()
        world = make_world()
        generate(world, cases=args.cases, seed=args.seed)
        analyse()
        print(
            f"Generated in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
            f"{world.cases + 1} cases ({world.mine + 1} managed by the benchmark user), "
            f"{world.measures + 1} measures, {world.services + 1} services, {world.tasks + 1} "
            f"tasks ({world.measures + world.services + world.tasks + 3} measure, service and "
            "task rows)."
        )
        client = Client()
        client.force_login(world.user)
        # Target pages first, then the pages that only check the query count does not grow.
        targeted = [
            "/cases/?mine=1",
            "/cases/",
            f"/cases/{world.big_case}/",
            "/cases/tasks/",
        ]
        compared = [
            "/cases/?mine=1&page=10",
            "/cases/?page=10",
            f"/cases/{world.small_case}/",
            "/cases/tasks/?page=10",
        ]
        results = [measure(client, url, runs=args.runs, warmup=args.warmup) for url in targeted]
        others = [measure(client, url, runs=max(3, args.runs // 3), warmup=1) for url in compared]
        # The case search by name (an index lookup on PersonNameKey) and by filters.
        results.append(measure(client, "/cases/", data={"name": "zana"}, runs=args.runs, warmup=1))
        results.append(measure(client, "/cases/?child=adult&sort=number", runs=args.runs, warmup=1))
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept {workdir} ({connection.settings_dict['NAME']}).")

    print(
        f"\n{args.runs} runs after {args.warmup} warm-up, target median < {TARGET_MEDIAN_MS:.0f} ms"
        f" (the second block: {max(3, args.runs // 3)} runs, query counts only)"
    )
    width = max(len(r.url) for r in results + others) + 2
    print(f"{'page':<{width}} {'median':>9} {'p95':>9} {'queries':>8}")
    for block in (results, others):
        for r in block:
            print(f"{r.url:<{width}} {r.median:>6.1f} ms {r.p95:>6.1f} ms {r.queries:>8}")
        print()
    if args.show_sql:
        for r in results + others:
            print(f"Slowest queries of {r.url}:")
            for ms, sql in r.slowest:
                print(f"  {ms:7.1f} ms  {sql[:300]}")
        print()

    names = ["'My cases'", "the case list", "the case file", "'My tasks'"]
    problems = [
        f"{name} runs {a.queries} queries, {b.url} {b.queries}"
        for name, a, b in zip(names, results[: len(others)], others, strict=True)
        if a.queries != b.queries
    ]
    problems += [
        f"{r.url} median {r.median:.1f} ms" for r in results if r.median >= TARGET_MEDIAN_MS
    ]
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("OK: fixed number of queries per page, every median under target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
