from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.audit.checkpoints import HMAC_ALG, CheckpointRefused, checkpoint_write


class Command(BaseCommand):
    help = (
        "Sign the audit chain head (sequence, hash, number of events, time) with the node's "
        "signing key and write it to a new file in OPENTRM_AUDIT_CHECKPOINT_DIR. Run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="Write here instead of the configured directory."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Anchor the head even though it does not match the table (after investigating).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = checkpoint_write(directory=options["dir"], force=options["force"])
        except FileNotFoundError as missing:
            raise CommandError(
                f"The node's signing key file is missing ({missing.filename}): restore it from "
                "the key backup, or rotate with `opentrm init_node --rotate`."
            ) from missing
        except CheckpointRefused as refused:
            raise CommandError(
                f"{refused} No checkpoint written: run `opentrm verify_audit`; --force anchors "
                "the chain as it is."
            ) from refused
        self.stdout.write(
            f"Audit checkpoint written: {checkpoint.path} (#{checkpoint.sequence}, "
            f"{checkpoint.count} events, {checkpoint.alg} key {checkpoint.kid})."
        )
        if checkpoint.alg == HMAC_ALG:
            self.stdout.write(
                "This node has no signing key yet, so the checkpoint carries an HMAC with a key "
                "of its own; after `opentrm init_node` checkpoints are signed with the node key."
            )
