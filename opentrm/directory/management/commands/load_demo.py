"""``opentrm load_demo``: fictional organisations, contact points and demo logins."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.directory.demo import load_demo
from opentrm.directory.demo_data import DemoSummary


class Command(BaseCommand):
    help = (
        "Load fictional demo data: TRM contact lists for ten countries and, in Albania, Serbia "
        "and Moldova, one login per role plus one at the national focal point, the shelter and "
        "the NGO. Idempotent: existing entries are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Load even on a production node (OPENTRM_ENV=production). "
                "Demo logins share one published password."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "This is a production node (OPENTRM_ENV=production): demo data and demo logins "
                "with a published password do not belong here. Use --force if you really mean it."
            )
        summary = load_demo()
        self._report(summary)

    def _report(self, summary: DemoSummary) -> None:
        if summary.created_anything:
            counts = ", ".join(
                f"{count} {kind.replace('_', ' ')}" for kind, count in summary.created.items()
            )
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {counts}."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        width = max(len(login.username) for login in summary.logins)
        country = ""
        for login in summary.logins:
            if country and login.country_code != country:
                self.stdout.write("")
            country = login.country_code
            where = f"{login.organisation} ({login.country_code})"
            note = f" · {login.note}" if login.note else ""
            self.stdout.write(
                f"  {login.username.ljust(width)}  {login.role.label} · {where}{note}"
            )
