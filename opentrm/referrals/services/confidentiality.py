"""SOP-P14 / DP-21: the sender of a referral or request asks the receiver to keep it confidential.

A confidential referral is not forwarded and not used beyond the purpose it was sent for
(``opentrm.catalogue.guards``). Only the sender marks it or lifts the mark; a refused forward
is audited (``GUARD_BLOCKED``, in a transaction of its own, kept whatever the caller does).
The one override the seeds allow (CoE Convention Art. 33, S4:618): a person's life, freedom or
physical integrity in immediate danger, on a referral sent as an immediate-danger one, with a
written reason (audited ``GUARD_OVERRIDDEN``).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.catalogue import guards
from opentrm.core.concurrency import save_if_unchanged
from opentrm.core.errors import DomainError
from opentrm.referrals import states
from opentrm.referrals.access import is_sender
from opentrm.referrals.models import Referral, Urgency

GUARD = "SOP-P14"
MAX_REASON = 2000


class ConfidentialRefusedError(DomainError):
    """The sender marked the referral confidential: the step is refused (SOP-P14)."""

    code = "confidential"


@transaction.atomic
def referral_mark_confidential(
    *, actor: Actor, referral: Referral, expected_version: int, confidential: bool
) -> Referral:
    """Mark ``referral`` confidential (or lift the mark). The sender's decision alone: anyone
    else is refused (403), and so is a referral that has ended."""
    require(actor, Action.REFERRAL_SEND)
    if not is_sender(actor, referral):
        raise PermissionDenied
    if referral.status in states.FINAL:
        raise ValidationError(
            {"confidential": _("This referral has ended; its confidentiality no longer changes.")}
        )
    if referral.confidential == confidential:
        return referral
    referral.confidential = confidential
    save_if_unchanged(
        referral, expected_version=expected_version, fields=["confidential"], actor=actor.user
    )
    record_event(
        event_type=EventType.REFERRAL_CONFIDENTIALITY_CHANGED,
        actor=actor,
        target=referral,
        changed_fields=["confidential"],
        detail={"referral": referral.reference, "confidential": confidential},
    )
    return referral


def forward_check(*, actor: Actor, referral: Referral, danger_reason: str = "") -> str:
    """Refuse (ConfidentialRefusedError, audited) the forward of a confidential referral; the
    override's cleaned reason ("" when none was needed). Call it outside a transaction: the
    refusal's audit row is committed before it raises."""
    if not referral.confidential:
        return ""
    # Its length was refused with the rest of the input (``forwarding.forward_errors``).
    reason = (danger_reason or "").strip()
    if reason and referral.urgency == Urgency.IMMEDIATE:
        return reason
    with transaction.atomic(durable=True):
        record_event(
            event_type=EventType.GUARD_BLOCKED,
            actor=actor,
            target=referral,
            detail={
                "guard": GUARD,
                "referral": referral.reference,
                "case_id": referral.case_id,
                "step": "forward",
            },
        )
    message = guards.refusal(GUARD)
    if referral.urgency == Urgency.IMMEDIATE:
        message += " " + _(
            "A person is in immediate danger: to forward it all the same, write why."
        )
    raise ConfidentialRefusedError(message)


def record_override(*, actor: Actor, referral: Referral, forward: Referral) -> None:
    """The forward of a confidential referral in immediate danger, in the forward's
    transaction: the reason stays on the forward's note, the trail holds the ids."""
    record_event(
        event_type=EventType.GUARD_OVERRIDDEN,
        actor=actor,
        target=referral,
        detail={
            "guard": GUARD,
            "referral": referral.reference,
            "forwarded_to": forward.reference,
            "case_id": referral.case_id,
        },
    )
