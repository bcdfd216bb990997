import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opentrm.audit.verification import verify_audit_trail


class Command(BaseCommand):
    help = (
        "Verify the audit hash chain, its head row and the signed checkpoints "
        "(OPENTRM_AUDIT_CHECKPOINT_DIR); name every fault and exit 1 if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            default=None,
            help="Read checkpoints from here instead (e.g. a copy kept on another machine).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_audit_trail(directory=options["checkpoint_dir"])
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}.")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem.describe())
            self.stderr.write(f"{len(report.problems)} fault(s) found in the audit trail.")
            sys.exit(1)
        anchored = ""
        if report.newest_checkpoint is not None:
            anchored = f"; matches checkpoint {report.newest_checkpoint.label}"
        self.stdout.write(f"Audit chain intact: {report.events} events{anchored}.")
