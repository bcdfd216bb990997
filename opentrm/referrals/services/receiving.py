"""A referral that arrives from outside this node: one service for both ways in (issue 10).

The node exchange (``exchange_link``: a ``referral`` or ``request`` package of a peer) and the
file import (``importing``: the JSON of an export) each read and check what they got, then hand
it here as an :class:`Incoming`. :func:`referral_receive` stores it the one way a received
referral is stored: a ``Referral`` with status "sent" and the origin's identity in indexed
columns (``origin_node``, ``origin_reference``; a unique constraint refuses a second copy), its
``TemplateInstance``, the first ``ReferralEvent`` and the ``REFERRAL_CREATED`` audit event, all
in the caller's transaction. The receiving country's time limits count from the arrival.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory.models import Organisation
from opentrm.referrals.event_notes import Note
from opentrm.referrals.models import (
    Delivery,
    Formality,
    Referral,
    ReferralEvent,
    ReferralStatus,
    RequestChannel,
    TemplateInstance,
)
from opentrm.referrals.services import core


class AlreadyReceivedError(Exception):
    """The origin's referral is here already (``existing``); nothing was stored."""

    def __init__(self, existing: Referral) -> None:
        super().__init__(existing.reference)
        self.existing = existing


@dataclass(frozen=True)
class Incoming:
    """What the receiver stores of a referral that arrived (already checked by its reader)."""

    kind: str
    sender: Organisation
    receiver: Organisation
    origin_node: str
    origin_reference: str
    delivery: str
    routing: str
    urgency: str
    sent_at: datetime
    shared_groups: Sequence[str]
    # The template instance: its data (``imported``, ``remote``, ``sent``, ...) and versions.
    data: Mapping[str, Any]
    sender_language: str
    # The first step's organisation and note (no personal data).
    event_organisation: Organisation
    note: Note
    measure_code: str = ""
    service_type: str = ""
    document_type: str = ""
    needs: Sequence[str] = ()
    reason: str = ""
    # SOP-P14: the sender asked that its copy here be kept confidential (never forwarded).
    confidential: bool = False
    # A request's formality, legal basis, channel and the informal request it follows up.
    formality: str = Formality.INFORMAL
    legal_basis: str = ""
    channel: str = RequestChannel.NODE
    escalated_from: Referral | None = None
    template_version: int = 1
    profile_country: str = ""
    profile_version: int = 0
    # Ids, codes and counts added to the audit event (the way in, message id, fields...).
    audit: Mapping[str, Any] = field(default_factory=dict)


def origin_match(incoming: Incoming) -> Referral | None:
    """The referral already received from the same origin, as the unique constraints see it."""
    if not incoming.origin_reference:
        return None
    found = Referral.objects.filter(
        delivery=incoming.delivery, origin_reference=incoming.origin_reference
    )
    if incoming.delivery == Delivery.NODE_EXCHANGE:
        found = found.filter(origin_node=incoming.origin_node)
    else:
        found = found.filter(
            sender_organisation=incoming.sender, receiver_organisation=incoming.receiver
        )
    return found.order_by("pk").first()


def _create(actor: Actor, incoming: Incoming, country: str) -> Referral:
    from opentrm.referrals.services.timelines import due_dates

    acknowledge_by, answer_by = due_dates(
        kind=incoming.kind, receiver_country=country, sent_at=timezone.now()
    )
    try:
        with transaction.atomic():
            return Referral.objects.create(
                reference=core.next_reference(country),
                kind=incoming.kind,
                case=None,
                sender_organisation=incoming.sender,
                receiver_country=country,
                receiver_organisation=incoming.receiver,
                routing=incoming.routing,
                delivery=incoming.delivery,
                origin_node=incoming.origin_node,
                origin_reference=incoming.origin_reference,
                measure_code=incoming.measure_code,
                service_type=incoming.service_type,
                document_type=incoming.document_type,
                needs=list(incoming.needs),
                reason=incoming.reason,
                urgency=incoming.urgency,
                confidential=incoming.confidential,
                formality=incoming.formality,
                legal_basis=incoming.legal_basis,
                channel=incoming.channel,
                escalated_from=incoming.escalated_from,
                status=ReferralStatus.SENT,
                shared_groups=sorted(incoming.shared_groups),
                sent_at=incoming.sent_at,
                acknowledge_due_at=acknowledge_by,
                answer_due_at=answer_by,
                updated_by=actor.user,
            )
    except IntegrityError:
        # A second copy that raced the caller's check: the constraint decides.
        existing = origin_match(incoming)
        if existing is None:
            raise
        raise AlreadyReceivedError(existing) from None


# No savepoint of its own inside the caller's transaction (two round trips per package): the
# only error it lets out after writing is one that fails the caller's transaction anyway.
@transaction.atomic(savepoint=False)
def referral_receive(*, actor: Actor, incoming: Incoming, origin_checked: bool = False) -> Referral:
    """Store ``incoming`` in the receiver's inbox; AlreadyReceivedError if its origin is here.

    Runs inside the caller's transaction when there is one (the package's handler, the
    import's ``_store``), so the referral exists only if the caller's own writes commit too.
    ``origin_checked``: the caller looked for the origin's referral already (the exchange's
    handler, with the same filter as :func:`origin_match`), so it is not looked up again; a
    copy that raced it is still refused by the unique constraint.
    """
    from opentrm.referrals.services.transnational import country_language

    existing = None if origin_checked else origin_match(incoming)
    if existing is not None:
        raise AlreadyReceivedError(existing)
    country = incoming.receiver.country.code
    referral = _create(actor, incoming, country)
    TemplateInstance.objects.create(
        referral=referral,
        template_version=incoming.template_version,
        profile_country=incoming.profile_country,
        profile_version=incoming.profile_version,
        data=dict(incoming.data),
        sender_language=incoming.sender_language,
        receiver_language=country_language(country),
        updated_by=actor.user,
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=ReferralStatus.SENT,
        at=timezone.now(),
        by=actor.user,
        organisation=incoming.event_organisation,
        **incoming.note.fields(),
    )
    origin = {"source_reference": incoming.origin_reference, "sender_id": incoming.sender.pk}
    detail = {"referral": referral.reference, "kind": incoming.kind, **origin}
    detail["groups"] = sorted(incoming.shared_groups)
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=actor,
        target=referral,
        detail={**detail, **incoming.audit},
    )
    return referral


__all__ = ["AlreadyReceivedError", "Incoming", "origin_match", "referral_receive"]
