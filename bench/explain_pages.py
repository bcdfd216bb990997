"""EXPLAIN ANALYZE of the list pages' page queries, read-only (issue 18).

For the case manager of the organisation owning most cases (or ``--organisation ID``), runs
each page's query with its ``LIMIT`` under ``EXPLAIN ANALYZE`` (SELECTs only: nothing is
written) and prints the execution time and any sequential scan; ``-v`` prints the plans.
Compare a small and a large database: a page whose plan reads more rows as the register grows
is a bug.

    DATABASE_URL=postgres://.../opentrm_1m OPENTRM_HOME=/tmp/home \\
        python bench/explain_pages.py [-v] [--organisation 14]
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", action="store_true", help="print the plans")
    parser.add_argument("--organisation", type=int)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from opentrm.accounts.models import Membership
    from opentrm.accounts.policy import Actor
    from opentrm.cases import selectors
    from opentrm.cases.services.tasks import TaskView, task_list
    from opentrm.directory.models import Organisation
    from opentrm.referrals import selectors as referrals

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_case'")
        print("cases (planner's estimate):", cursor.fetchone()[0])
    owner_id = args.organisation or (
        Organisation.objects.annotate(n=Count("owned_cases"))
        .order_by("-n")
        .values_list("pk", flat=True)
        .first()
    )
    assert owner_id is not None, "no organisation owns a case: generate data first"
    membership = (
        Membership.objects.filter(organisation_id=owner_id, role="case_manager", is_active=True)
        .select_related("user", "organisation__country")
        .first()
    )
    assert membership is not None, "no case manager in that organisation"
    actor = Actor(user=membership.user, membership=membership)
    print(f"organisation {owner_id}, user {membership.user_id}")
    inbox = referrals.Filters.parse()
    pages = {
        "/cases/": selectors.case_list(actor=actor, first_name_only=True)[:51],
        "/cases/?mine=1": selectors.case_list(actor=actor, mine_only=True, first_name_only=True)[
            :51
        ],
        "/cases/tasks/": task_list(actor=actor, view=TaskView.MINE, today=timezone.localdate())[
            :51
        ],
        "/referrals/": referrals.referral_list(actor, inbox)[:50],
    }
    for name, queryset in pages.items():
        lines = queryset.explain(analyze=True).splitlines()
        scans = [line.strip() for line in lines if "Seq Scan" in line]
        print(f"== {name}: {lines[-1]} | {lines[-2]} | sequential scans: {scans or 'none'}")
        if args.v:
            print("\n".join(lines))
    started = time.perf_counter()
    counts = referrals.status_counts(actor, inbox)
    print(f"/referrals/ status counts: {counts} in {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
