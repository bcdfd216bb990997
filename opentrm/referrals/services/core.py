"""What every kind of referral shares: its number. Its steps: ``services.transitions`` and
the state machine in ``opentrm.referrals.states``."""

from django.db import transaction
from django.utils import timezone

from opentrm.referrals.models import ReferralNumberSequence


def next_reference(country_code: str) -> str:
    """``REF-AL-2026-000001``: per node and year, gapless, taken under a row lock."""
    year = timezone.localdate().year
    # No savepoint of its own inside the caller's transaction: a failure fails the caller's.
    with transaction.atomic(savepoint=False):
        sequence = ReferralNumberSequence.objects.select_for_update().filter(year=year).first()
        if sequence is None:  # the first referral of the year
            ReferralNumberSequence.objects.get_or_create(year=year)
            sequence = ReferralNumberSequence.objects.select_for_update().get(year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"REF-{country_code}-{year}-{sequence.last:06d}"
