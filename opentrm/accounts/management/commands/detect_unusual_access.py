from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opentrm.accounts.alerts import detect_unusual_access


class Command(BaseCommand):
    help = (
        "Flag unusual access in the audit trail for the data-protection officer: many case "
        "files opened by one user in a short time, case files opened outside working hours, "
        "mass exports. Run it hourly (cron or a systemd timer); a second run over the same "
        "events raises nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=24, help="How far back to read (default 24)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raised = detect_unusual_access(hours=options["hours"])
        self.stdout.write(f"{len(raised)} new access alerts.")
