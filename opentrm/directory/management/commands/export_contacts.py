import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import translation

from opentrm.accounts.policy import Action
from opentrm.core.pdf import PdfUnavailableError
from opentrm.directory import exporting
from opentrm.directory.access import access_country
from opentrm.directory.management.commands.import_contacts import command_actor


class Command(BaseCommand):
    help = "Export a country's contact list as CSV, XLSX (the import layout) or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. AL")
        parser.add_argument("--format", choices=exporting.ExportFormat.values, default="csv")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument(
            "--as", dest="username", required=True, help="user name of a member (audit trail)"
        )
        parser.add_argument("--membership", type=int, help="membership id, if the user has several")
        parser.add_argument(
            "--language", default="en", help="language of the PDF's labels, e.g. sr"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["username"], options["membership"], Action.DIRECTORY_EXPORT)
        fmt = exporting.ExportFormat(options["format"])
        output: Path | None = options["output"]
        binary_out = getattr(getattr(self.stdout, "_out", None), "buffer", None)
        if output is None and fmt != exporting.ExportFormat.CSV and binary_out is None:
            raise CommandError("Give --output for XLSX and PDF.")
        try:
            country = access_country(actor, options["country"])
        except Http404 as error:
            raise CommandError(f"No country “{options['country']}” in the directory.") from error
        try:
            with translation.override(options["language"]):
                export = exporting.contacts_export(actor=actor, country=country, fmt=fmt)
        except PermissionDenied as error:
            raise CommandError("This user may not export contacts.") from error
        except PdfUnavailableError as error:
            raise CommandError(error.message) from error
        if output is not None:
            try:
                output.write_bytes(export.content)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
            sys.stderr.write(f"{export.rows} rows written to {output}.\n")
        elif binary_out is not None:
            binary_out.write(export.content)
            binary_out.flush()
        else:
            self.stdout.write(export.content.decode("utf-8-sig"), ending="")
