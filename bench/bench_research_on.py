"""Time the research datasets on an existing database (read-only: each run is rolled back).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opentrm bench/bench_research_on.py \\
        <database> kanon|synthetic [--country AL]

Reads every research case of the country (the most cases if none is given), then makes the
k-anonymous export (k = 11) or the synthetic dataset (epsilon 4) through the services a user's
click calls, inside a transaction that is rolled back: nothing stays in the database. Prints
wall clock, this process's CPU, the database backend's CPU and the load average. Results in
bench/README.md ("Research datasets").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_stats import Cost
from scratch import configure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("kind", choices=["kanon", "synthetic"])
    parser.add_argument("--country", help="ISO code; default: the country with most cases")
    args = parser.parse_args()
    configure(Path(tempfile.mkdtemp(prefix="opentrm-bench-research-")))
    from django.db import connection, transaction
    from django.db.models import Count

    connection.settings_dict["NAME"] = args.database
    from opentrm.directory.models import Country
    from opentrm.research import services

    found: Country | None
    if args.country:
        found = Country.objects.get(code=args.country)
    else:
        found = (
            Country.objects.annotate(n=Count("organisations__owned_cases")).order_by("-n").first()
        )
    assert found is not None
    country = found
    with transaction.atomic():
        cost = Cost()
        if args.kind == "kanon":
            made = services.kanon_generate(actor=None, country=country)
        else:
            made = services.synthetic_generate(actor=None, country=country)
        print(
            f"{args.kind} of {country.code}: {made.records_in:,} records in, "
            f"{made.records_out:,} out, {made.suppressed:,} suppressed: {cost}"
        )
        transaction.set_rollback(True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
