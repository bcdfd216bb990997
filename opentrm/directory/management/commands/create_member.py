"""Create a user with a membership from the command line, e.g. a node's first administrator."""

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opentrm.accounts.roles import Role
from opentrm.accounts.services import member_create_by_operator
from opentrm.directory.models import Organisation, OrganisationType
from opentrm.directory.services import node_bootstrap_organisation


class Command(BaseCommand):
    help = (
        "Create a user who is a member of an organisation with a role. The password is read from "
        "$OPENTRM_NEW_PASSWORD or asked for twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--organisation", type=int, help="id of an existing organisation")
        where.add_argument(
            "--new-organisation",
            metavar="NAME",
            help="create this organisation (with --country and --type) if it does not exist",
        )
        parser.add_argument("--country", help="ISO 3166 code, with --new-organisation")
        parser.add_argument(
            "--type",
            choices=OrganisationType.values,
            default=OrganisationType.NATIONAL_COORDINATION.value,
            help="organisation type, with --new-organisation",
        )
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["organisation"] is not None:
            if not Organisation.objects.filter(pk=options["organisation"]).exists():
                raise CommandError(f"No organisation with id {options['organisation']}.")
        elif not options["country"]:
            raise CommandError("--new-organisation needs --country.")
        password = os.environ.get("OPENTRM_NEW_PASSWORD") or self._ask_password()
        try:
            with transaction.atomic():
                organisation = self._organisation(options)
                membership = member_create_by_operator(
                    username=options["username"],
                    full_name=options["full_name"],
                    email=options["email"],
                    organisation_id=organisation.pk,
                    role=Role(options["role"]),
                    password=password,
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Created {membership.user.username}: {membership.get_role_display()} "
            f"of {organisation.name}."
        )

    def _organisation(self, options: dict[str, Any]) -> Organisation:
        if options["organisation"] is not None:
            return Organisation.objects.get(pk=options["organisation"])
        return node_bootstrap_organisation(
            country_code=options["country"], name=options["new_organisation"], type=options["type"]
        )

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
