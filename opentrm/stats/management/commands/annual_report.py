"""``opentrm annual_report``: the annual report for the national rapporteur (issue 15 §5)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from opentrm.accounts.policy import Action
from opentrm.core.errors import DomainError
from opentrm.directory.management.commands.import_contacts import command_actor
from opentrm.stats.services.report import annual_report_pdf


class Command(BaseCommand):
    help = (
        "Write the annual statistics report (PDF) of one year for the country of a national "
        "coordinator or evaluator, with the year before beside it. Read from the filled "
        "statistics (run fill_stats first); audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument(
            "--as", dest="username", required=True, help="user name of a member (audit trail)"
        )
        parser.add_argument("--membership", type=int, help="membership id, if the user has several")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="the report's language",
        )
        parser.add_argument("--output", type=Path, required=True, help="the PDF file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["username"], options["membership"], Action.STATS_REPORT)
        try:
            with translation.override(options["language"]):
                content = annual_report_pdf(actor=actor, year=options["year"])
        except DomainError as error:
            raise CommandError(error.message) from error
        output: Path = options["output"]
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stdout.write(f"Annual report {options['year']} written to {output}.")
