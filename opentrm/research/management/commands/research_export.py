import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opentrm.accounts.policy import Action
from opentrm.core.errors import DomainError
from opentrm.directory.management.commands.import_contacts import command_actor
from opentrm.research import kanon, services, synthetic


class Command(BaseCommand):
    help = (
        "Generate a research dataset of the country of a national coordinator or statistician: "
        "k-anonymous records (--kind kanon) or a differentially private synthetic dataset "
        "(--kind synthetic), in the CTDC column layout (docs/research-datasets.md). The dataset "
        "is stored (listed on /research/) and audited; --output also writes its CSV."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=["kanon", "synthetic"], required=True)
        parser.add_argument(
            "--as", dest="username", required=True, help="user name of a member (audit trail)"
        )
        parser.add_argument("--membership", type=int, help="membership id, if the user has several")
        parser.add_argument("--k", type=int, default=kanon.DEFAULT_K, help="default: 11")
        parser.add_argument(
            "--max-suppression",
            type=float,
            default=kanon.DEFAULT_MAX_SUPPRESSION,
            help="share of records that may be left out before generalising further (0.05)",
        )
        parser.add_argument(
            "--epsilon", type=float, default=synthetic.DEFAULT_EPSILON, help="default: 4.0"
        )
        parser.add_argument("--output", type=Path, help="also write the CSV to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_actor(options["username"], options["membership"], Action.RESEARCH_EXPORT)
        try:
            if options["kind"] == "kanon":
                dataset = services.kanon_generate(
                    actor=actor, k=options["k"], max_suppression=options["max_suppression"]
                )
            else:
                dataset = services.synthetic_generate(actor=actor, epsilon=options["epsilon"])
        except DomainError as error:
            raise CommandError(error.message) from error
        output: Path | None = options["output"]
        if output is not None:
            try:
                output.write_bytes(services.download(actor=actor, dataset=dataset))
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        sys.stderr.write(
            f"Dataset {dataset.pk} ({dataset.kind}): {dataset.records_in} records read, "
            f"{dataset.records_out} in the dataset, {dataset.suppressed} left out"
            f" ({dataset.suppressed_share:.1%}).\n"
        )
        for row in dataset.utility:
            sys.stderr.write(
                f"  {row['column']}: total variation {row['total_variation']}, "
                f"largest difference {row['max_difference']}\n"
            )
