"""Rebuild the matching index from the persons (after a restore, an import, or a change of the
normalisation rules)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from opentrm.matching.rebuild import index_all


class Command(BaseCommand):
    help = "Rebuild the matching index (normalised names and blocking keys) of every person."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = index_all()
        self.stdout.write(f"{count} persons indexed in {time.monotonic() - started:.1f} s")
