"""``opentrm load_demo_cases``: the demo's agreements, cases and referrals, then its walk."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.referrals.demo import load_demo_cases, walk


class Command(BaseCommand):
    help = (
        "Load fictional demo agreements, cases and referrals (after load_demo) and print a "
        "short walk through them. Refuses on a production node."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even on a production node")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("This is a production node: demo cases are not loaded.")
        try:
            data = load_demo_cases()
        except LookupError as error:
            raise CommandError(str(error)) from error
        if data.created:
            self.stdout.write(
                f"Demo cases loaded: {data.cases.created} new cases, "
                f"{data.created_referrals} new referrals."
            )
        else:
            self.stdout.write("Demo cases already loaded: nothing changed.")
        # The dashboards read only the pre-aggregated statistics (opentrm/stats).
        call_command("fill_stats", stdout=self.stdout)
        self.stdout.write("")
        for line in walk(data):
            self.stdout.write(line)
