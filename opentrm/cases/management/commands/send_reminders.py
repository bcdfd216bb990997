from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opentrm.cases.services.task_reminders import task_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail each assignee one digest of their open tasks due soon or overdue, at most once "
        "a day per task. Run it daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.OPENTRM_TASK_REMINDER_DAYS,
            help="Remind of tasks due within this many days (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = task_reminders_send(days=max(options["days"], 0))
        self.stdout.write(
            f"Reminders sent: {result.emails} e-mails about {result.tasks} tasks; "
            f"{result.no_address} tasks skipped (assignee without an e-mail address); "
            f"{result.failed} e-mails failed."
        )
