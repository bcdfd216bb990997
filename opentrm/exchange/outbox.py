"""The transactional outbox: a package to send is one row written with the change it reports.

Call :func:`enqueue` INSIDE the transaction of the domain change (a service decorated with
``@transaction.atomic``): it only writes the outbox row (and its audit event), so the package
exists if and only if the change was committed. It never talks to the network; the worker
(``opentrm exchange_worker``, :mod:`opentrm.exchange.services.delivery`) seals and posts it
later, and retries until the peer has answered with a signed receipt.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext as _

from opentrm.audit.events import EventType
from opentrm.audit.services import AuditActor, record_event
from opentrm.exchange import clock, crypto
from opentrm.exchange.models import (
    MessageType,
    OutboxMessage,
    OutboxStatus,
    Peer,
    PeerStatus,
)

# Packages about a referral, applied by the receiver in the order they were queued.
CHAINED_TYPES = frozenset(
    {
        MessageType.REFERRAL,
        MessageType.REQUEST,
        MessageType.STATUS_UPDATE,
        MessageType.FOLLOW_UP,
        MessageType.CONSENT_WITHDRAWAL,
    }
)


def _place_in_chain(
    peer: Peer, type: str, referral_id: int | None
) -> tuple[int | None, uuid.UUID | None]:
    """(sequence, previous message id) of a new package about ``referral_id`` to ``peer``: the
    next number after the last one queued for the same referral and peer (docs/exchange.md,
    "Order"). The caller's transaction holds the referral's row, so two steps of one referral
    do not take the same number."""
    if referral_id is None or type not in CHAINED_TYPES:
        return None, None
    last = (
        OutboxMessage.objects.filter(
            peer=peer, referral_id=referral_id, type__in=CHAINED_TYPES, sequence__isnull=False
        )
        .order_by("-sequence", "-id")
        .values_list("sequence", "message_id")
        .first()
    )
    if last is None or last[0] is None:
        return 1, None
    return last[0] + 1, last[1]


def enqueue(
    *,
    peer: Peer,
    type: str,
    body: dict[str, Any],
    referral_id: int | None = None,
    actor: AuditActor | None = None,
) -> OutboxMessage:
    """Queue ``body`` as a package of ``type`` for ``peer``; return the outbox row.

    Must run inside the caller's transaction (raises ``TransactionManagementError`` otherwise).
    Refuses a peer that is not active (pending confirmation, or suspended) except for a key
    announcement (it waits there until the peer is active again), an unknown type and
    a body that breaks its type's schema with a ``ValidationError``; nothing is written then
    (so the caller's change fails with it rather than leaving a dead letter behind). Audits
    ``EXCHANGE_SENT`` with the message id (the id the receiver's trail records too).
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "enqueue() must be called inside the transaction of the change it reports."
        )
    if peer.status != PeerStatus.ACTIVE and type != MessageType.KEY_ANNOUNCEMENT:
        if peer.status == PeerStatus.SUSPENDED:
            refusal = _("This node is suspended: nothing can be sent to it.")
        else:
            refusal = _("This node is not confirmed yet: compare its fingerprint first.")
        raise ValidationError({"peer": refusal})
    if type not in MessageType.values:
        raise ValidationError({"type": _("Unknown package type.")})
    # Every schema wants an object: a body of another JSON type is refused here too.
    problems = crypto.schema_errors(type, body)  # JSON paths and rules only, never values
    if problems:
        raise ValidationError(
            {
                "body": _("The package breaks its schema: %(problems)s")
                % {"problems": "; ".join(problems)}
            }
        )
    sequence, previous_id = _place_in_chain(peer, type, referral_id)
    message = OutboxMessage.objects.create(
        peer=peer,
        type=type,
        body=body,
        referral_id=referral_id,
        status=OutboxStatus.QUEUED,
        next_attempt_at=clock.now(),
        sequence=sequence,
        previous_id=previous_id,
    )
    record_event(
        event_type=EventType.EXCHANGE_SENT,
        actor=actor,
        target=message,
        detail={
            "message_id": str(message.message_id),
            "peer_id": peer.pk,
            "type": type,
            "referral_id": referral_id,
        },
    )
    return message
