"""opentrm exchange_keys list|announce|revoke: this node's keys and their announcement to the
peers (docs/exchange.md, "Keys and rotation")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opentrm.exchange import continuity
from opentrm.exchange.models import NodeKey


class Command(BaseCommand):
    help = (
        "list: this node's keys (active, retired until, revoked). announce: queue this node's "
        "current keys to every peer again. revoke KID...: a compromised key is never "
        "used or accepted again (an active one is rotated first); the peers are told at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="This node's keys.")
        sub.add_parser("announce", help="Announce the current keys to every peer.")
        revoke = sub.add_parser("revoke", help="Revoke compromised keys and announce it.")
        revoke.add_argument("kids", nargs="+", help="The key ids (kid) to revoke.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for key in NodeKey.objects.order_by("use", "-created_at", "-id"):
                state = "active" if key.active else "retired"
                if key.revoked_at is not None:
                    state = f"revoked {key.revoked_at.isoformat(timespec='minutes')}"
                elif key.retire_after is not None:
                    state = (
                        f"retired, accepted until {key.retire_after.isoformat(timespec='minutes')}"
                    )
                self.stdout.write(f"{key.use}  {key.kid}  {state}")
            return
        if action == "announce":
            with transaction.atomic():
                queued = continuity.announce(reason="command")
            self.stdout.write(f"Key announcement queued for {len(queued)} peer(s).")
            return
        try:
            result = continuity.revoke(kids=list(options["kids"]))
        except ValueError as error:
            raise CommandError(str(error)) from None
        if result.rotated:
            self.stdout.write("An active key was among them: new keys were made first.")
        self.stdout.write(
            f"Revoked {len(result.kids)} key(s); announced to {result.announcements} peer(s). "
            "A peer that held no other key of this node must compare the new fingerprint "
            "again (opentrm init_node prints it)."
        )
