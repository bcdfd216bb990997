from typing import Any

from django.core.management.base import BaseCommand

from opentrm.cases.services.statuses import statuses_refresh_after_hearings


class Command(BaseCommand):
    help = (
        "Derive again the witness status of cases whose interviews or hearings took place "
        "since the last run. Run it daily (cron or a systemd timer)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = statuses_refresh_after_hearings()
        self.stdout.write(f"Witness status derived again on {changed} cases.")
