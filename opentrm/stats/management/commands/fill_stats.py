"""``opentrm fill_stats``: bring the pre-aggregated statistics up to date (issue 15 §2)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opentrm.stats.services.fill import fill


class Command(BaseCommand):
    help = (
        "Fill the statistics tables from the cases and referrals: the cases and referral months "
        "changed since the last run (or all of them with --full). Safe to run again or after "
        "an interruption."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="recompute every case and month")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = int(options.get("verbosity", 1)) > 1
        result = fill(full=options["full"], progress=self.stdout.write if verbose else None)
        kind = "full" if result.full else "incremental"
        self.stdout.write(
            f"Statistics filled ({kind}): {result.cases} cases applied, {result.months} months of "
            f"referrals, {result.cells} cells"
            + (f", {result.resumed} resumed." if result.resumed else ".")
        )
