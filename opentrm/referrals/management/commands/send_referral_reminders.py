from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from opentrm.referrals.services.feedback import feedback_reminders_send
from opentrm.referrals.services.timelines import referral_reminders_send


class Command(BaseCommand):
    help = (
        "E-mail the members of each receiving organisation who respond to referrals about "
        "the referrals and requests due within a day or overdue, and about feedback after a "
        "return that is overdue, once per referral a day. "
        "Run it daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "OPENTRM_BASE_URL", ""),
            help="The node's address, put before the link to the referral "
            "(e.g. https://trm.example.org).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = referral_reminders_send(base_url=options["base_url"] or "")
        self.stdout.write(
            f"Referral reminders: {result.emails} e-mails about {result.referrals} referrals; "
            f"{result.no_address} recipients skipped (no e-mail address); "
            f"{result.failed} e-mails failed."
        )
        feedback = feedback_reminders_send(base_url=options["base_url"] or "")
        self.stdout.write(
            f"Feedback after return: {feedback.emails} e-mails about "
            f"{feedback.referrals} referrals."
        )
