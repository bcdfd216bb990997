"""opentrm exchange_verify: re-check the senders' signatures of the packages stored here."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.exchange.models import InboxMessage
from opentrm.exchange.reverify import reverify_stored


class Command(BaseCommand):
    help = (
        "Re-verify the signed packages kept in the inbox with each sender's published keys "
        "(docs/exchange.md, Retention). Prints message ids and codes only; exits with an error "
        "when a signature no longer verifies."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_ids", nargs="*", help="Only these message ids.")

    def handle(self, *args: Any, **options: Any) -> None:
        messages = InboxMessage.objects.select_related("peer").order_by("id")
        if options["message_ids"]:
            messages = messages.filter(message_id__in=options["message_ids"])
        failed = 0
        for message in messages.iterator():
            code = reverify_stored(
                peer=message.peer, signed=message.signed, digest_expected=message.digest
            )
            self.stdout.write(f"{message.message_id}\t{message.peer.node_id}\t{code}")
            failed += code not in ("ok", "no_token")
        if failed:
            raise CommandError(f"{failed} stored package(s) do not verify.")
