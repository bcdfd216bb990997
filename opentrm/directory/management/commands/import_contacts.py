from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, active_memberships, actor_for
from opentrm.directory import importing


def command_actor(username: str, membership_id: int | None, action: Action) -> Actor:
    """The actor a command works as: the user's membership that may do ``action``."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user “{username}”.")
    if membership_id is None:
        allowed = [m for m in active_memberships(user) if Actor(user, m).may(action)]
        if len(allowed) > 1:
            ids = ", ".join(f"{m.pk} ({m.organisation})" for m in allowed)
            raise CommandError(
                f"“{username}” has several memberships; choose one with --membership: {ids}."
            )
        membership_id = allowed[0].pk if allowed else None
    actor = actor_for(user, membership_id)
    if not actor.may(action):
        raise CommandError(
            f"“{username}” may not do this ({action.value}) through that membership."
        )
    return actor


class Command(BaseCommand):
    help = (
        "Import a contact list (CSV or XLSX, layout in docs/directory-import.md) for the "
        "country of a directory editor. Every row is checked first; on any problem nothing "
        "is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV (UTF-8, , or ;) or XLSX file")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="user name of the directory editor (audit trail)",
        )
        parser.add_argument("--membership", type=int, help="membership id, if the user has several")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["username"], options["membership"], Action.DIRECTORY_IMPORT)
        path: Path = options["file"]
        try:
            size = path.stat().st_size
            importing.check_size(size)
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except importing.ContactImportError as refusal:
            raise CommandError(str(refusal.errors[0])) from refusal
        try:
            result = importing.contacts_import(actor=actor, data=data)
        except importing.ContactImportError as refusal:
            for problem in refusal.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Import refused: {len(refusal.errors)} problem(s); nothing was changed."
            ) from refusal
        except PermissionDenied as error:
            raise CommandError("This user may not import contacts.") from error
        self.stdout.write(result.summary())
