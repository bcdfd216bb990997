from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.accounts import mfa
from opentrm.accounts.models import User


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app and recovery codes (a lost phone and lost codes), "
        "after checking in person who asks. The next log-in sets up a new app. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("No such user.")
        removed = mfa.reset(user)
        self.stdout.write(f"{removed} second-factor devices removed.")
