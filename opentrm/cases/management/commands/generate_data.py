"""``opentrm generate_data --cases N --seed S``: a synthetic register for load tests."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from opentrm.cases.generator import Generated, generate


class Command(BaseCommand):
    help = (
        "Add N generated cases (persons with names in several scripts, measures, tasks, "
        "consents, audit events) to this node's database. For test and load-test nodes only: "
        "every value is fictional. See docs/deployment.md, 'Sizing'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="how many cases to add")
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument("--batch", type=int, default=2000, help="cases per transaction")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="processes writing at once (PostgreSQL only; the same data as one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        total = options["cases"]

        def progress(done: Generated) -> None:
            if options["verbosity"] > 1 or done.cases == total or done.cases % 20000 == 0:
                self.stdout.write(f"{done.cases} cases, {done.rate:.0f}/s")

        done = generate(
            cases=total,
            seed=options["seed"],
            batch=options["batch"],
            jobs=options["jobs"],
            progress=progress,
        )
        minutes = 1_000_000 / done.rate / 60 if done.rate else 0.0
        self.stdout.write(
            f"Added {done.cases} cases, {done.persons} persons ({done.names} names), "
            f"{done.measures} measures, {done.tasks} tasks, {done.consents} consents, "
            f"{done.events} audit events in {done.seconds:.1f} s ({done.cpu_seconds:.1f} s of "
            f"the generating processes' CPU): {done.rate:.0f} cases/s (1,000,000 cases in about "
            f"{minutes:.1f} min at this rate)."
        )
