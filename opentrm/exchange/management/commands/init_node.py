"""opentrm init_node [--rotate]: this node's key pairs for the node-to-node exchange."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from opentrm.exchange import continuity, crypto, keys


def _require_migrated() -> None:
    """A clear message, not a traceback, on a database not (fully) migrated yet."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        raise CommandError(
            f"The database cannot be read ({type(error).__name__}): check DATABASE_URL."
        ) from None
    if unapplied:
        raise CommandError(
            "The database is not migrated yet: run `opentrm migrate` first, then "
            '`opentrm init_node` (docs/exchange.md, "How a country joins").'
        )


class Command(BaseCommand):
    help = (
        "Generate this node's signing and encryption keys (private keys as files in "
        "OPENTRM_KEY_DIR, public keys published at /.well-known/opentrm-node.json) and print "
        "the fingerprint to read out to a peer's administrator. --rotate replaces the keys; "
        "the old ones stay accepted for OPENTRM_EXCHANGE_KEY_OVERLAP_DAYS, and the new ones are "
        "announced to the active peers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace existing keys; the old ones stay published during the overlap.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _require_migrated()
        try:
            result = continuity.rotate() if options["rotate"] else keys.init_node()
        except keys.NodeAlreadyInitialised as error:
            raise CommandError(str(error)) from None
        write = self.stdout.write
        write(f"Node id:     {crypto.node_id()}")
        write(f"Country:     {settings.OPENTRM_NODE_COUNTRY or '(not set: OPENTRM_NODE_COUNTRY)'}")
        write(f"Address:     {settings.OPENTRM_BASE_URL}")
        write(f"Key files:   {keys.key_dir()}")
        write(f"Fingerprint: {crypto.fingerprint()}")
        if result.retired:
            retire_after = result.retired[0].retire_after
            assert retire_after is not None
            write(
                f"Rotated: the old keys stay published and accepted until "
                f"{retire_after.isoformat(timespec='minutes')}. The new keys are announced to "
                "every peer, signed with the key it holds: nothing to compare again."
            )
        write(
            self.style.SUCCESS(
                "Read the fingerprint out to each peer's administrator, on a channel you trust."
            )
        )
