from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opentrm.meetings.services import action_item_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail each owner one digest of their open meeting action items due soon or overdue, "
        "at most once a day per item. Run it daily (cron or a systemd timer), like "
        "send_reminders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.OPENTRM_TASK_REMINDER_DAYS,
            help="Remind of action items due within this many days (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = action_item_reminders_send(days=max(options["days"], 0))
        self.stdout.write(
            f"Reminders sent: {result.emails} e-mails about {result.items} action items; "
            f"{result.no_address} items skipped (owner without an e-mail address); "
            f"{result.failed} e-mails failed."
        )
