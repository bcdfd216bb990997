from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opentrm.dataprotection.erasure import apply_retention

REASONS = {
    "proceedings_pending": "proceedings are not concluded or a hearing is to come",
    "person_has_another_case": "the person has another case still kept",
}


class Command(BaseCommand):
    help = (
        "Erase the data of closed cases whose retention period (OPENTRM_RETENTION_YEARS, per "
        "category) has run out; hold back, with the reason, what proceedings still need. "
        "Run daily. Prints case numbers and categories only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be erased; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = apply_retention(dry_run=options["dry_run"])
        verb = "would erase" if options["dry_run"] else "erased"
        for outcome in outcomes:
            for category, records in sorted(outcome.records.items()):
                rows = ", ".join(f"{label} {count}" for label, count in records.items())
                self.stdout.write(f"{outcome.case.number}: {verb} {category} ({rows})")
            for category, reason in sorted(outcome.held.items()):
                self.stdout.write(
                    f"{outcome.case.number}: kept {category}: {REASONS.get(reason, reason)}"
                )
        self.stdout.write(f"Retention applied to {len(outcomes)} case(s).")
