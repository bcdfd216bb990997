"""``opentrm linkage_key``: the secret this node shares with one peer for the check "do you hold
this person?" (docs/matching-linkage.md, "Keys").

    opentrm linkage_key generate ro-node --as admin   # prints the key to read out to the peer
    opentrm linkage_key set al-node --as admin < key  # the peer's administrator sets the same
    opentrm linkage_key remove ro-node --as admin
    opentrm linkage_key list                           # peers and key ids, never the keys
"""

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.exchange.management.commands.exchange_peer import node_administrator
from opentrm.exchange.models import Peer
from opentrm.linkage.models import LinkageKey
from opentrm.linkage.services import keys


class Command(BaseCommand):
    help = "Manage the linkage keys shared with peer nodes."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("generate", "Make a new key for a peer and print it (once)."),
            ("set", "Set the key a peer's administrator read out (from standard input)."),
            ("remove", "Remove the key shared with a peer."),
        ):
            sub = commands.add_parser(name, help=text)
            sub.add_argument("node_id")
            sub.add_argument("--as", dest="username", required=True)
        commands.add_parser("list", help="Peers with a key, and its key id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for key in LinkageKey.objects.select_related("peer").order_by("peer__node_id"):
                self.stdout.write(f"{key.peer.node_id}\t{key.key_id}")
            return
        actor = node_administrator(options["username"])
        peer = Peer.objects.filter(node_id=options["node_id"]).first()
        if peer is None:
            raise CommandError(f"No peer node {options['node_id']!r}.")
        try:
            if options["action"] == "remove":
                keys.linkage_key_remove(actor=actor, peer=peer)
                self.stdout.write("Removed.")
                return
            secret = keys.new_secret() if options["action"] == "generate" else sys.stdin.read()
            key = keys.linkage_key_set(actor=actor, peer=peer, secret=secret)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        if options["action"] == "generate":
            self.stdout.write(f"Key: {secret}")
        self.stdout.write(f"Key id: {key.key_id}")
