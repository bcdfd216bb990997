"""``opentrm exchange_peer``: register, confirm, suspend, resume, list and test peer nodes.

The same services as the peers pages, for operators at the console (and for scripts that set
up a node): each change names the system administrator it is done as (``--as``), and is
audited as theirs.

    opentrm exchange_peer add "Romania" --url https://trm.example.ro --as admin
    opentrm exchange_peer confirm ro-node --fingerprint "K7QW M2XD …" --as admin
    opentrm exchange_peer ping ro-node --as admin     # queue a connection test
    opentrm exchange_peer list
"""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, active_memberships
from opentrm.exchange import outbox
from opentrm.exchange.models import MessageType, OutboxMessage, OutboxStatus, Peer, PeerStatus
from opentrm.exchange.services import peers


def node_administrator(username: str) -> Actor:
    """The actor a console command acts as: ``username`` as a system administrator who manages
    the node's exchange (the commands of other apps about peers use it too)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user {username!r}.")
    for membership in active_memberships(user):
        actor = Actor(user=user, membership=membership)
        if actor.may(Action.EXCHANGE_MANAGE):
            return actor
    raise CommandError(f"{username!r} is not a system administrator of any organisation.")


class Command(BaseCommand):
    help = "Manage the peer nodes this node exchanges packages with."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)

        def with_actor(sub: CommandParser) -> CommandParser:
            sub.add_argument(
                "--as",
                dest="username",
                required=True,
                help="The login of the system administrator doing this (audited as theirs).",
            )
            return sub

        add = with_actor(commands.add_parser("add", help="Register a node (pending)."))
        add.add_argument("name", help="A name for the node, e.g. the country's referral office.")
        source = add.add_mutually_exclusive_group(required=True)
        source.add_argument("--url", help="The node's address; its document is fetched.")
        source.add_argument(
            "--document",
            help="A file with the node's /.well-known/opentrm-node.json (- for standard input).",
        )
        add.add_argument(
            "--fingerprint",
            help="The fingerprint the other administrator read out: confirm at once if it matches.",
        )
        confirm = with_actor(commands.add_parser("confirm", help="Confirm a pending node."))
        confirm.add_argument("node_id")
        confirm.add_argument(
            "--fingerprint",
            required=True,
            help="The fingerprint the other administrator read out (compared with the keys).",
        )
        for name, text in (("suspend", "Suspend a node."), ("resume", "Resume a node.")):
            with_actor(commands.add_parser(name, help=text)).add_argument("node_id")
        ping = with_actor(commands.add_parser("ping", help="Queue a connection test package."))
        ping.add_argument("node_id")
        ping.add_argument("--nonce", default="", help="A marker to find the test package by.")
        commands.add_parser("list", help="The registered nodes with their outbox counts.")

    # --- helpers ---------------------------------------------------------------------------------

    def _actor(self, username: str) -> Actor:
        return node_administrator(username)

    def _peer(self, node_id: str) -> Peer:
        peer = Peer.objects.filter(node_id=node_id).first()
        if peer is None:
            raise CommandError(f"No peer node {node_id!r} (see: opentrm exchange_peer list).")
        return peer

    def _confirm(self, actor: Actor, peer: Peer, fingerprint: str) -> None:
        """Confirm when ``fingerprint`` (as read out) is the peer's; a mismatch never prints
        the expected value (the ValidationError's message does not hold it)."""
        peers.confirm_peer(
            actor=actor, peer=peer, expected_version=peer.version, fingerprint=fingerprint
        )
        self.stdout.write(self.style.SUCCESS(f"Confirmed {peer.node_id}: it is active."))

    # --- actions ---------------------------------------------------------------------------------

    def handle(self, *args: Any, **options: Any) -> None:
        actions = {
            "add": self._add,
            "confirm": self._confirm_action,
            "suspend": self._suspend,
            "resume": self._resume,
            "ping": self._ping,
            "list": self._list,
        }
        try:
            actions[options["action"]](options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def _add(self, options: dict[str, Any]) -> None:
        actor = self._actor(options["username"])
        document = ""
        if options["document"] == "-":
            document = sys.stdin.read()
        elif options["document"]:
            document = Path(options["document"]).read_text(encoding="utf-8")
        peer = peers.register_peer(
            actor=actor, name=options["name"], base_url=options["url"] or "", document_json=document
        )
        self.stdout.write(f"Registered {peer.node_id} ({peer.country_code}) at {peer.base_url}.")
        if options["fingerprint"]:
            self._confirm(actor, peer, options["fingerprint"])
        else:
            self.stdout.write(
                "Pending: ask the other node's administrator to read out its fingerprint, then run "
                f"opentrm exchange_peer confirm {peer.node_id} --fingerprint '…' --as …"
            )

    def _confirm_action(self, options: dict[str, Any]) -> None:
        self._confirm(
            self._actor(options["username"]), self._peer(options["node_id"]), options["fingerprint"]
        )

    def _suspend(self, options: dict[str, Any]) -> None:
        peer = self._peer(options["node_id"])
        actor = self._actor(options["username"])
        peers.suspend_peer(actor=actor, peer=peer, expected_version=peer.version)
        self.stdout.write(f"Suspended {peer.node_id}.")

    def _resume(self, options: dict[str, Any]) -> None:
        peer = self._peer(options["node_id"])
        actor = self._actor(options["username"])
        peer = peers.resume_peer(actor=actor, peer=peer, expected_version=peer.version)
        self.stdout.write(f"Resumed {peer.node_id}: {peer.get_status_display()}.")

    def _ping(self, options: dict[str, Any]) -> None:
        actor = self._actor(options["username"])
        peer = self._peer(options["node_id"])
        body = {"nonce": options["nonce"]} if options["nonce"] else {}
        with transaction.atomic():
            message = outbox.enqueue(peer=peer, type=MessageType.PING, body=body, actor=actor)
        self.stdout.write(f"Queued {message.message_id}")

    def _list(self, options: dict[str, Any]) -> None:
        for peer in Peer.objects.order_by("country_code", "node_id"):
            counts = {
                status: OutboxMessage.objects.filter(peer=peer, status=status).count()
                for status in OutboxStatus.values
            }
            tally = ", ".join(f"{n} {status}" for status, n in counts.items())
            self.stdout.write(
                f"{peer.node_id}\t{peer.country_code}\t{peer.status}\t{peer.base_url}\t{tally}"
            )
            if peer.status != PeerStatus.PENDING:  # a pending one's is typed, never shown
                self.stdout.write(f"\tfingerprint {peer.fingerprint}")
