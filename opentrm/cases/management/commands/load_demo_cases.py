from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.cases.demo import load_demo_cases


class Command(BaseCommand):
    help = "Load three fictional demo cases (after load_demo). Refuses on a production node."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even on a production node")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("This is a production node: demo cases are not loaded.")
        try:
            result = load_demo_cases()
        except LookupError as error:
            raise CommandError(str(error)) from error
        if result.created:
            self.stdout.write(f"Demo cases loaded: {result.created} new.")
        else:
            self.stdout.write("Demo cases already loaded: nothing changed.")
