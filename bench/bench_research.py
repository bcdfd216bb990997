"""Research datasets benchmark: the k-anonymous export and the synthetic dataset.

Issue 15 targets: the k-anonymous export of 1,000,000 records under 2 minutes, the synthetic
dataset of 100,000 records under 10 minutes. Builds a scratch database (an SQLite file in a
temporary directory, or ``<name>_bench_research_<pid>`` on the server named by
``DATABASE_URL``, dropped afterwards), fills it with fictional cases in bulk
(``opentrm.research.fictional``: persons, citizenships, countries and types of exploitation,
skewed as a national register is), then times, through the services a user's click calls:

- ``kanon``: reading every case (``case_counts``), generalising and suppressing, writing and
  storing the gzip CSV, the audit event (``services.kanon_generate``);
- ``synthetic``: the same reading, pac-synth's fit and sample at the default epsilon, dropping
  copies of real unique records, the utility report, storing (``services.synthetic_generate``).

Each is run at ``--kanon-cases`` and ``--synthetic-cases`` records (the synthetic dataset on
the first that many cases). When the sizes are below the targets' the script extrapolates
linearly (reading and recoding are linear in the records; pac-synth's fit is linear in records
for a fixed reporting length) and says so. It prints the load average before and after, and
the utility (marginal error per column) of the synthetic dataset at the default epsilon.

    .venv/bin/python bench/bench_research.py --help

Not part of the test suite; results are recorded in bench/README.md and
docs/research-datasets.md. All data is generated.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scratch import configure, create_scratch_database

KANON_TARGET = (1_000_000, 120.0)  # records, seconds
SYNTHETIC_TARGET = (100_000, 600.0)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Timer:
    """Wall-clock time, and the CPU time of this process (the database server's is not in it):
    on a machine shared by many jobs the wall clock mostly measures the waiting."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _report(label: str, size: int, timer: Timer, target: tuple[int, float]) -> bool:
    records, limit = target
    seconds, cpu = timer.stop()
    estimate, cpu_estimate = seconds * records / size, cpu * records / size
    scaled = (
        ""
        if size >= records
        else f"; extrapolated to {records:,}: {estimate:.1f} s wall, {cpu_estimate:.1f} s CPU"
    )
    ok = estimate < limit
    print(
        f"{label}: {size:,} records in {seconds:.1f} s wall, {cpu:.1f} s CPU of this process"
        f"{scaled} (target {limit:.0f} s for {records:,}: {'met' if ok else 'MISSED'} "
        f"on the wall clock)"
    )
    return ok


def _generate(args: argparse.Namespace, owner: Any) -> tuple[Any, Any]:
    """Fictional cases: the synthetic dataset's size first (``owner`` None: a new country and
    organisation), then (given the owner) the rest up to the export's size."""
    from opentrm.directory.models import Country, Organisation
    from opentrm.research.fictional import fictional_cases

    first = min(args.synthetic_cases, args.kanon_cases)
    started = time.perf_counter()
    if owner is None:
        country = Country.objects.create(code="AL")
        owner = Organisation.objects.create(country=country, name="Bench Office", type="ministry")
        fictional_cases(owner, first, seed=args.seed)
        print(f"generated {first:,} cases in {time.perf_counter() - started:.1f} s", flush=True)
    elif args.kanon_cases > first:
        fictional_cases(owner, args.kanon_cases - first, seed=args.seed + 1, first_number=first)
        print(
            f"generated {args.kanon_cases - first:,} more cases in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    return owner.country, owner


def _time_synthetic(country: Any, epsilon: float) -> bool:
    """The synthetic dataset of every case of the country (generate with --synthetic-cases
    = --kanon-cases, or time it on a database of that size)."""
    from opentrm.research import services

    timer = Timer()
    made = services.synthetic_generate(actor=None, country=country, epsilon=epsilon)
    ok = _report("synthetic", made.records_in, timer, SYNTHETIC_TARGET)
    print(
        f"  epsilon {made.epsilon}, {made.records_out:,} synthetic records, "
        f"{made.suppressed} dropped (equal to a unique real record)"
    )
    print("  utility, marginal error per column (total variation / largest difference):")
    for row in made.utility:
        print(f"    {row['column']:<26} {row['total_variation']:.4f}  {row['max_difference']:.4f}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kanon-cases", type=int, default=1_000_000)
    parser.add_argument("--synthetic-cases", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=11)
    parser.add_argument("--epsilon", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory/database")
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="time again on a database kept by --keep (migrated first), no generation",
    )
    parser.add_argument(
        "--no-synthetic", action="store_true", help="time the k-anonymous export only"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="opentrm-bench-research-"))
    configure(workdir)
    from django.db import connection

    from opentrm.directory.models import Country
    from opentrm.research import services

    if args.reuse:
        from django.core.management import call_command

        old_name = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = args.reuse
        args.keep = True  # never drop a database this run did not make
        call_command("migrate", verbosity=0)
    else:
        old_name = create_scratch_database(workdir, label="bench_research")
    ok = True
    try:
        print(
            f"load average before: {_load()} ({os.cpu_count()} CPUs), {connection.vendor}",
            flush=True,
        )
        if args.reuse:  # the synthetic dataset, if timed, of every case kept
            country = Country.objects.get(code="AL")
            if not args.no_synthetic:
                ok &= _time_synthetic(country, args.epsilon)
        else:
            country, owner = _generate(args, None)
            if not args.no_synthetic:
                ok &= _time_synthetic(country, args.epsilon)
            _generate(args, owner)
        timer = Timer()
        export = services.kanon_generate(actor=None, country=country, k=args.k)
        ok &= _report("kanon", export.records_in, timer, KANON_TARGET)
        print(
            f"  k={export.k}: {export.records_out:,} records kept, {export.suppressed:,} "
            f"suppressed ({export.suppressed_share:.2%}), generalised: "
            f"{', '.join(export.parameters['generalised']) or 'nothing'}; "
            f"{len(bytes(export.csv_gz)):,} bytes gzip"
        )
        print(f"load average after: {_load()}")
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept {workdir} ({connection.settings_dict['NAME']}).")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
