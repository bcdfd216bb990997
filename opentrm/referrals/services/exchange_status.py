"""What the referral page shows of a referral's packages between nodes (issue 13 §3): each
package this node sent about it, whether it was delivered, and what the other node answered it
did with it (applied, or refused and why) instead of a bare "delivered"."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from opentrm.exchange import outcomes
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Outcome
from opentrm.referrals.models import Delivery, Referral


@dataclass(frozen=True)
class PackageLine:
    type_label: str
    sequence: int | None
    state: str  # what a person reads: delivered and applied, refused with the reason, queued …
    refused: bool
    at: datetime | None


def _state(message: OutboxMessage) -> tuple[str, bool]:
    if message.outcome == Outcome.REFUSED:
        reason = (
            outcomes.reason(message.outcome_code)
            if message.outcome_code in outcomes.REASONS
            else message.outcome_reason or message.outcome_code
        )
        return _("Refused by the receiving node: %(reason)s") % {"reason": reason}, True
    if message.outcome == Outcome.APPLIED:
        return _("Delivered and applied by the receiving node"), False
    if message.status == OutboxStatus.DELIVERED:
        return _("Delivered, not yet applied by the receiving node"), False
    return str(message.get_status_display()), message.status == OutboxStatus.DEAD


def referral_packages(referral: Referral) -> list[PackageLine]:
    """The packages this node sent about ``referral``, oldest first (none for a referral that
    does not travel between nodes)."""
    if referral.delivery != Delivery.NODE_EXCHANGE:
        return []
    sent = OutboxMessage.objects.filter(referral_id=referral.pk).order_by("created_at", "id")
    lines = []
    for message in sent.defer("body", "sealed", "receipt"):
        state, refused = _state(message)
        lines.append(
            PackageLine(
                type_label=str(message.get_type_display()),
                sequence=message.sequence,
                state=state,
                refused=refused,
                at=message.outcome_at or message.delivered_at or message.created_at,
            )
        )
    return lines
