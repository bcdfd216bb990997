"""Directory benchmark: list pages over 10,000 organisations and 50,000 contact points.

Builds a scratch database (an SQLite file in a temporary directory, or a database named
``<name>_bench_<pid>`` on the server named by ``DATABASE_URL``, dropped afterwards), fills it
with ``bulk_create``, then times the directory search page (no filter, first and a later page)
and two countries' contact lists through Django's test client, logged in as an ordinary
member. Prints median and p95 in ms and the number of queries per request, checks that the
number of queries does not grow with the page or the country, and exits non-zero if it does or
a median misses the target.

    make bench                      # or: .venv/bin/python bench/bench_directory.py --help

Not part of the test suite; results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scratch import configure, create_scratch_database

TARGET_MEDIAN_MS = 150.0

COUNTRIES = [
    "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
    "GB", "GE", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD", "ME",
    "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM", "TR", "UA", "XK",
    "AM", "AZ", "KZ", "KG", "UZ",
]  # fmt: skip
LANGUAGES = [
    "sq",
    "bs",
    "bg",
    "hr",
    "sr",
    "mk",
    "ro",
    "ru",
    "uk",
    "en",
    "de",
    "fr",
    "it",
    "tr",
    "el",
    "hu",
    "rom",
]
WORDS = [
    "Centre", "Regional", "National", "Social", "Office", "Directorate", "Service", "Agency",
    "Shelter", "Association", "Support", "Protection", "Safe", "Home", "Hope", "Bridge", "Future",
    "Rights", "Council", "Unit", "Mission", "Foundation", "Network", "Institute", "Aid",
]  # fmt: skip
CITIES = [f"City {letter}{n}" for letter in "ABCDEFGH" for n in range(1, 5)]
POSITIONS = [
    "Duty officer", "Head of unit", "Caseworker", "Case manager", "Legal adviser", "Psychologist",
    "Social worker", "Shelter manager", "Outreach worker", "Liaison officer", "Coordinator",
    "Helpline operator",
]  # fmt: skip


@dataclass
class Sizes:
    countries: int = 0
    organisations: int = 0
    contact_points: int = 0
    channels: int = 0
    languages: int = 0
    responsibilities: int = 0


def generate(*, organisations: int, contacts_per_organisation: int, seed: int) -> Sizes:
    """Fill the database with bulk_create; return what was made."""
    from django.utils import timezone

    from opentrm.directory.models import (
        ChannelKind,
        ContactChannel,
        ContactPoint,
        Country,
        Function,
        Language,
        Organisation,
        OrganisationType,
        Responsibility,
    )

    rng = random.Random(seed)
    today = timezone.localdate()
    sizes = Sizes()
    batch = 2000

    countries = Country.objects.bulk_create([Country(code=code) for code in COUNTRIES])
    Language.objects.bulk_create([Language(code=code) for code in LANGUAGES])
    sizes.countries = len(countries)

    def verified() -> date | None:
        days = rng.randint(0, 500)
        return None if days > 480 else today - timedelta(days=days)

    def organisation(i: int, parent: Organisation | None, country: Country) -> Organisation:
        name = " ".join(rng.sample(WORDS, 3)) + f" {i:05d}"
        return Organisation(
            country=country,
            name=name,
            acronym="".join(word[0] for word in name.split()[:3]),
            type=rng.choice(OrganisationType.values),
            parent=parent,
            city=rng.choice(CITIES),
            region=f"Region {rng.randint(1, 12)}",
            is_active=rng.random() > 0.03,
            last_verified_at=verified(),
        )

    # A fifth are parent bodies; some of the rest are their units in the same country.
    parents_count = organisations // 5
    parent_rows = [
        organisation(i, None, countries[i % len(countries)]) for i in range(parents_count)
    ]
    parents = Organisation.objects.bulk_create(parent_rows, batch_size=batch)
    by_country: dict[int, list[Organisation]] = {}
    for parent in parents:
        by_country.setdefault(parent.country_id, []).append(parent)
    unit_rows = []
    for i in range(parents_count, organisations):
        country = countries[i % len(countries)]
        unit_parent = rng.choice(by_country[country.pk]) if rng.random() < 0.4 else None
        unit_rows.append(organisation(i, unit_parent, country))
    all_organisations = parents + Organisation.objects.bulk_create(unit_rows, batch_size=batch)
    sizes.organisations = len(all_organisations)

    contact_rows = []
    for org in all_organisations:
        for position in rng.sample(POSITIONS, contacts_per_organisation):
            contact_rows.append(
                ContactPoint(
                    organisation=org,
                    position=position,
                    unit=rng.choice(["", "", "Anti-trafficking unit", "Victim support"]),
                    is_active=rng.random() > 0.05,
                    last_verified_at=verified(),
                )
            )
    contact_points = ContactPoint.objects.bulk_create(contact_rows, batch_size=batch)
    sizes.contact_points = len(contact_points)

    channel_rows = []
    language_rows = []
    through = ContactPoint.languages.through
    for n, cp in enumerate(contact_points):
        channel_rows.append(
            ContactChannel(
                contact_point=cp, kind=ChannelKind.PHONE, value=f"+999 1 000 {n:06d}", order=0
            )
        )
        channel_rows.append(
            ContactChannel(
                contact_point=cp,
                kind=ChannelKind.EMAIL,
                value=f"contact{n}@bench.example.org",
                order=1,
            )
        )
        if rng.random() < 0.3:
            channel_rows.append(
                ContactChannel(
                    contact_point=cp,
                    kind=ChannelKind.HOTLINE,
                    value=f"+999 800 {n:06d}",
                    available_24_7=True,
                    order=2,
                )
            )
        for code in rng.sample(LANGUAGES, rng.randint(1, 3)):
            language_rows.append(through(contactpoint_id=cp.pk, language_id=code))
    sizes.channels = len(ContactChannel.objects.bulk_create(channel_rows, batch_size=batch))
    sizes.languages = len(through.objects.bulk_create(language_rows, batch_size=batch))

    # An Annex II-sized contact list per country: several bodies per procedure, one or two per
    # national function, half of them with a named contact point.
    contacts_by_org: dict[int, list[ContactPoint]] = {}
    for cp in contact_points:
        contacts_by_org.setdefault(cp.organisation_id, []).append(cp)
    orgs_by_country: dict[int, list[Organisation]] = {}
    for org in all_organisations:
        if org.is_active:
            orgs_by_country.setdefault(org.country_id, []).append(org)
    responsibility_rows = []
    for country in countries:
        for function in Function:
            per_function = 4 if function in Function.procedures() else rng.randint(1, 2)
            for order, org in enumerate(rng.sample(orgs_by_country[country.pk], per_function)):
                contact = rng.choice(contacts_by_org[org.pk]) if rng.random() < 0.5 else None
                responsibility_rows.append(
                    Responsibility(
                        country=country,
                        function=function.value,
                        organisation=org,
                        contact_point=contact,
                        order=order,
                    )
                )
    sizes.responsibilities = len(
        Responsibility.objects.bulk_create(responsibility_rows, batch_size=batch)
    )
    return sizes


def make_member() -> Any:
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.roles import Role
    from opentrm.directory.models import Organisation

    user = User.objects.create_user(username="bench.member", password=None)
    organisation = Organisation.objects.filter(is_active=True).order_by("pk")[0]
    Membership.objects.create(user=user, organisation=organisation, role=Role.CASEWORKER)
    return user


@dataclass
class Result:
    url: str
    median: float
    p95: float
    queries: int


def measure(client: Any, url: str, *, runs: int, warmup: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        client.get(url)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return Result(url, statistics.median(timings), p95, len(captured.captured_queries))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10_000)
    parser.add_argument("--contacts-per-organisation", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory/database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-"))
    configure(workdir)
    from django.db import connection
    from django.test import Client

    old_name = create_scratch_database(workdir, label="bench")
    try:
        started = time.perf_counter()
        sizes = generate(
            organisations=args.organisations,
            contacts_per_organisation=args.contacts_per_organisation,
            seed=args.seed,
        )
        print(
            f"Generated in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
            f"{sizes.countries} countries, {sizes.organisations} organisations, "
            f"{sizes.contact_points} contact points, {sizes.channels} channels, "
            f"{sizes.languages} contact languages, {sizes.responsibilities} responsibilities."
        )
        client = Client()
        client.force_login(make_member())
        last_page = max(1, (sizes.organisations - 1) // 50)
        pages = [
            "/directory/search/",
            f"/directory/search/?page={last_page // 2}",
            "/directory/AL/",
            "/directory/RS/",
        ]
        results = [measure(client, url, runs=args.runs, warmup=args.warmup) for url in pages]
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept {workdir} ({connection.settings_dict['NAME']}).")

    print(
        f"\n{args.runs} runs after {args.warmup} warm-up, target median < {TARGET_MEDIAN_MS:.0f} ms"
    )
    print(f"{'page':<36} {'median':>9} {'p95':>9} {'queries':>8}")
    for r in results:
        print(f"{r.url:<36} {r.median:>6.1f} ms {r.p95:>6.1f} ms {r.queries:>8}")

    problems = []
    if results[0].queries != results[1].queries:
        problems.append(
            f"search page 1 runs {results[0].queries} queries, a later page {results[1].queries}"
        )
    if results[2].queries != results[3].queries:
        problems.append(f"contact lists run {results[2].queries} and {results[3].queries} queries")
    problems += [
        f"{r.url} median {r.median:.1f} ms" for r in results if r.median >= TARGET_MEDIAN_MS
    ]
    if problems:
        print("\nFAIL: " + "; ".join(problems))
        return 1
    print("\nOK: fixed number of queries per page, every median under target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
