"""Candidate search against a large register, and the index build, in a scratch database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opentrm_match \\
        PYTHONPATH=. python -m bench.matching.scale --persons 1000000

Loads ``--persons`` generated persons (bench.matching.generator: names in Latin and Cyrillic,
citizenship, date of birth, half with a document) as Person, PersonName, PersonCitizenship and
TravelDocument rows with ``bulk_create`` (not timed), then times ``index_all`` (what
``matching_reindex`` runs: read every person, normalise, write profiles and keys), then
``--queries`` searches (re-registrations with errors, and newcomers) through
``index.candidates`` and ``scoring.rank``: what ``find_candidates`` does before the need-to-know
step, which looks at the at most ten candidates found. Prints median and p95 with the load
average. The scratch database is dropped afterwards.
"""

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for scratch
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository

from scratch import configure, create_scratch_database

from .generator import Person, _again, _person

BATCH = 5000


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _batches(count: int, seed: int) -> Iterator[tuple[int, list[Person], list[Person]]]:
    """The generated persons batch by batch, each with its 20 sampled for queries: the same
    sequence whether the database is filled or reused."""
    rng = random.Random(seed)
    for start in range(0, count, BATCH):
        people = [_person(rng, i) for i in range(start, min(start + BATCH, count))]
        yield start, people, rng.sample(people, min(len(people), 20))


def _sample(count: int, seed: int, wanted: int) -> list[Person]:
    """The query sample of a database filled with ``count`` persons and ``seed``, without
    filling it: only the first batches are generated again."""
    sample: list[Person] = []
    for _start, _people, sampled in _batches(count, seed):
        sample.extend(sampled)
        if len(sample) >= wanted:
            break
    return sample


def _fill(count: int, seed: int) -> list[Person]:
    from opentrm.cases.models import Person as PersonRow
    from opentrm.cases.models import PersonCitizenship, PersonName, TravelDocument

    sample: list[Person] = []
    for start, people, sampled in _batches(count, seed):
        rows = PersonRow.objects.bulk_create(
            [
                PersonRow(
                    sex=p.data.sex,
                    date_of_birth=p.data.date_of_birth,
                    place_of_birth=p.data.place_of_birth,
                )
                for p in people
            ]
        )
        PersonName.objects.bulk_create(
            [
                PersonName(person=row, value=p.data.names[0])
                for row, p in zip(rows, people, strict=True)
            ]
        )
        PersonCitizenship.objects.bulk_create(
            [
                PersonCitizenship(person=row, country_code=p.country)
                for row, p in zip(rows, people, strict=True)
            ]
        )
        TravelDocument.objects.bulk_create(
            [
                TravelDocument(person=row, type="passport", number=p.data.documents[0])
                for row, p in zip(rows, people, strict=True)
                if p.data.documents
            ]
        )
        sample.extend(sampled)
        if start % (BATCH * 20) == 0:
            print(f"  loaded {start + len(people)} persons; {_load()}", flush=True)
    return sample


def _database(args: argparse.Namespace, workdir: Path) -> str | None:
    """Create the scratch database (``None``: the caller's database is used and kept)."""
    from django.core.management import call_command
    from django.db import connection

    if args.reuse:
        call_command("migrate", verbosity=0)  # a no-op unless the kept database is older
        return None
    if args.keep:  # the database named in DATABASE_URL, created afresh and kept
        connection.settings_dict.setdefault("TEST", {})["NAME"] = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        return None
    return create_scratch_database(workdir, label="matching")


def _build() -> None:
    from opentrm.matching.models import MatchKey
    from opentrm.matching.rebuild import index_all

    cpu, wall = time.process_time(), time.perf_counter()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    filed = index_all()
    built, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    keys = MatchKey.objects.count()
    print(
        f"index build: {filed} persons, {keys} keys in {built:.0f} s wall, "
        f"{cpu:.0f} s CPU in Python (the database server's not counted); {_load()}",
        flush=True,
    )


def _search(sample: list[Person], count: int, seed: int) -> None:
    from opentrm.matching import index
    from opentrm.matching.scoring import prepare, rank

    rng = random.Random(seed + 1)
    queries = [_again(rng, rng.choice(sample))[0] for _ in range(count * 2 // 3)]
    queries += [_person(rng, i).data for i in range(count - len(queries))]
    rng.shuffle(queries)
    times: list[float] = []
    found = 0
    for data in queries:
        started = time.perf_counter()
        query = prepare(data)
        ranked = rank(query, index.candidates(query))
        times.append((time.perf_counter() - started) * 1000)
        found += bool(ranked)
    times.sort()
    median = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"search: {len(times)} queries, median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"max {times[-1]:.1f} ms; {found} with a candidate; {_load()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=16)
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument(
        "--keep",
        action="store_true",
        help="fill the database named in DATABASE_URL (dropped and created afresh) and keep it",
    )
    kept.add_argument(
        "--reuse",
        action="store_true",
        help="use the database named in DATABASE_URL as filled by --keep (same --persons and "
        "--seed): no fill, the index build and the searches are timed again",
    )
    parser.add_argument("--no-build", action="store_true", help="fill only (with --keep)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-matching-"))
    configure(workdir)
    from django.db import connection

    old_name = _database(args, workdir)
    try:
        print(f"{connection.vendor} {connection.settings_dict['NAME']}; {args.persons} persons")
        if args.reuse:
            sample = _sample(args.persons, args.seed, wanted=300)
        else:
            started = time.perf_counter()
            sample = _fill(args.persons, args.seed)
            print(f"loaded in {time.perf_counter() - started:.0f} s (not the index); {_load()}")
        if not args.no_build:
            _build()
        if args.queries:
            _search(sample, args.queries, args.seed)
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
