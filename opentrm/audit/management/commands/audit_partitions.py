"""``opentrm audit_partitions``: the audit table by month on PostgreSQL."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.audit import partitions
from opentrm.audit.verification import verify_audit_trail


def _chain_problems() -> list[str]:
    return [problem.describe() for problem in verify_audit_trail().problems]


class Command(BaseCommand):
    help = (
        "PostgreSQL only. Without options: create the audit table's partitions from this month "
        "to --ahead months on (run it monthly) and list them. --convert: partition the table by "
        "month in one transaction (appends wait meanwhile: a maintenance window; the chain is "
        "verified before the commit). See docs/deployment.md, 'The audit table by month'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--convert", action="store_true", help="partition the table now")
        parser.add_argument(
            "--drop-old",
            action="store_true",
            help="with --convert: drop the unpartitioned table instead of keeping it renamed",
        )
        parser.add_argument(
            "--ahead", type=int, default=partitions.MONTHS_AHEAD, help="months to create ahead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ahead"] < 0 or options["ahead"] > 120:
            raise CommandError("--ahead takes a number of months from 0 to 120.")
        try:
            if options["convert"]:
                started = time.monotonic()
                moved = partitions.convert(
                    ahead=options["ahead"], drop_old=options["drop_old"], verify=_chain_problems
                )
                self.stdout.write(
                    f"Audit table partitioned by month: {moved} events moved and verified in "
                    f"{time.monotonic() - started:.1f} s."
                )
                if not options["drop_old"]:
                    self.stdout.write(
                        f"The old table is kept as {partitions.OLD_TABLE}; drop it once a backup "
                        "is made."
                    )
            else:
                for name in partitions.ensure_months(ahead=options["ahead"]):
                    self.stdout.write(f"Created {name}.")
        except partitions.PartitionError as error:
            raise CommandError(str(error)) from error
        for partition in partitions.partitions():
            month = partition.month.strftime("%Y-%m") if partition.month else "default"
            self.stdout.write(f"{month}  {partition.name}  ~{partition.rows} events")
