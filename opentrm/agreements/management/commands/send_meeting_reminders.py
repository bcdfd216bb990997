from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opentrm.agreements.services import meeting_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail the national coordinators and case managers of every party of an agreement "
        "about its meetings coming up, once per meeting. Run it daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.OPENTRM_MEETING_REMINDER_DAYS,
            help="Remind of meetings within this many days (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = meeting_reminders_send(days=max(options["days"], 0))
        self.stdout.write(
            f"Meeting reminders: {result.emails} e-mails about {result.meetings} meetings; "
            f"{result.no_address} recipients skipped (no e-mail address); "
            f"{result.failed} e-mails failed."
        )
