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
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for scratch
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository

from scratch import configure, create_scratch_database

BATCH = 5000


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _fill(count: int, seed: int) -> list:  # type: ignore[type-arg]
    from opentrm.cases.models import Person, PersonCitizenship, PersonName, TravelDocument

    from .generator import _person

    rng = random.Random(seed)
    sample = []
    for start in range(0, count, BATCH):
        people = [_person(rng, i) for i in range(start, min(start + BATCH, count))]
        rows = Person.objects.bulk_create(
            [
                Person(
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
        sample.extend(rng.sample(people, min(len(people), 20)))
        if start % (BATCH * 20) == 0:
            print(f"  loaded {start + len(people)} persons; {_load()}", flush=True)
    return sample


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-matching-"))
    configure(workdir)
    from django.db import connection

    old_name = create_scratch_database(workdir, label="matching")
    try:
        from opentrm.matching import index
        from opentrm.matching.models import MatchKey
        from opentrm.matching.scoring import prepare, rank

        from .generator import _again, _person

        print(f"{connection.vendor}; {args.persons} persons; {_load()}")
        started = time.perf_counter()
        sample = _fill(args.persons, args.seed)
        print(f"loaded in {time.perf_counter() - started:.0f} s (not the index)")
        started = time.perf_counter()
        filed = index.index_all()
        built = time.perf_counter() - started
        keys = MatchKey.objects.count()
        print(f"index build: {filed} persons, {keys} keys in {built:.0f} s; {_load()}")
        rng = random.Random(args.seed + 1)
        queries = [_again(rng, rng.choice(sample))[0] for _ in range(args.queries * 2 // 3)]
        queries += [_person(rng, i).data for i in range(args.queries - len(queries))]
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
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
