"""Answers (docs/exchange.md, "Outcomes"): the receiving node tells the sender what it did with
a package it stored, in an ``outcome`` package: ``applied`` (with what happened, e.g.
``created``, ``applied``, ``unchanged``) or ``refused`` with a code and a plain reason. The
sender keeps it on its outbox row (``OutboxMessage.outcome*``) and shows it on the referral and
the exchange dashboard instead of "delivered".

Handlers call :func:`record` in the transaction that marks the package processed, so the answer
is queued if and only if the outcome is recorded. Outcomes are never answered (no loops).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange import outbox
from opentrm.exchange.models import (
    InboxMessage,
    MessageType,
    OutboxMessage,
    Outcome,
    PeerStatus,
)

logger = logging.getLogger("opentrm.exchange")

# The packages whose outcome the sender hears.
ANSWERED_TYPES = frozenset(
    {
        MessageType.REFERRAL,
        MessageType.REQUEST,
        MessageType.STATUS_UPDATE,
        MessageType.FOLLOW_UP,
        MessageType.CONSENT_WITHDRAWAL,
    }
)

REASONS: dict[str, Promise] = {
    "wrong_country": _(
        "The referral is addressed to another country than the receiving node's, or comes "
        "from another country than the sending node's. Its personal data was not kept."
    ),
    "no_focal_point": _(
        "The receiving country has no national focal point in its directory to receive it."
    ),
    "duplicate_reference": _("A referral with this reference was received from this node before."),
    "unknown_referral": _("The receiving node has no referral of this reference from this node."),
    "not_their_step": _("This step is not one the sending side may report."),
    "transition_refused": _("The referral's current status does not allow this step."),
    "not_their_report": _("Only the node that received the referral reports its follow-up."),
    "no_template": _("The referral has no template to record the report in."),
    "unknown_template": _("The receiving node does not know the referral's template."),
}


def reason(code: str) -> str:
    """The plain reason of a refusal ``code`` in the current language (the code itself when the
    code is unknown here)."""
    text = REASONS.get(code)
    return str(text) if text is not None else code


RECORDED_FIELDS = ["outcome", "outcome_code"]


def record(message: InboxMessage, *, outcome: str, code: str) -> None:
    """Call in the handler's transaction, when ``message`` is marked processed: set the outcome
    on the inbox row (the caller saves ``RECORDED_FIELDS`` with ``processed_at``) and queue the
    answer to its sender (when it is still an active peer)."""
    applied = Outcome.REFUSED if outcome == "refused" else Outcome.APPLIED
    message.outcome, message.outcome_code = applied, code[:40]
    if message.type not in ANSWERED_TYPES or message.peer.status != PeerStatus.ACTIVE:
        return
    with translation.override("en"):  # for the other node's administrator
        plain = reason(code) if applied == Outcome.REFUSED else ""
    body: dict[str, Any] = {
        "message_id": str(message.message_id),
        "outcome": str(applied),
        "code": code[:40],
    }
    if plain:
        body["reason"] = plain[:300]
    outbox.enqueue(peer=message.peer, type=MessageType.OUTCOME, body=body)


def receive_outcome(message: InboxMessage) -> None:
    """The handler of ``outcome`` packages: the answer lands on the outbox row it is about (only
    one this node sent to that same peer)."""
    with transaction.atomic():
        locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.processed_at is not None:
            return
        body = locked.body
        sent = (
            OutboxMessage.objects.select_for_update()
            .filter(message_id=uuid.UUID(body["message_id"]), peer_id=locked.peer_id)
            .first()
        )
        found = sent is not None and sent.type in ANSWERED_TYPES
        if sent is not None and found:
            sent.outcome = body["outcome"]
            sent.outcome_code = body["code"]
            sent.outcome_reason = str(body.get("reason") or "")[:300]
            sent.outcome_at = timezone.now()
            sent.save(
                update_fields=[
                    "outcome",
                    "outcome_code",
                    "outcome_reason",
                    "outcome_at",
                    "updated_at",
                ]
            )
            record_event(
                event_type=EventType.EXCHANGE_OUTCOME,
                actor=None,
                target=sent,
                detail={
                    "message_id": str(sent.message_id),
                    "peer_id": sent.peer_id,
                    "type": sent.type,
                    "referral_id": sent.referral_id,
                    "outcome": sent.outcome,
                    "code": sent.outcome_code,
                },
            )
        InboxMessage.objects.filter(pk=locked.pk).update(
            processed_at=timezone.now(),
            outcome=Outcome.APPLIED if found else Outcome.REFUSED,
            outcome_code="" if found else "unknown_message",
            updated_at=timezone.now(),
        )
        record_event(
            event_type=EventType.EXCHANGE_PROCESSED,
            actor=None,
            target=locked,
            detail={
                "message_id": str(locked.message_id),
                "peer_id": locked.peer_id,
                "type": locked.type,
                "outcome": "applied" if found else "refused",
            },
        )


def audit_processed(message: InboxMessage, outcome: str, **detail: Any) -> None:
    """The audit event of a package processed here: ids, type and outcome, never its content."""
    record_event(
        event_type=EventType.EXCHANGE_PROCESSED,
        actor=None,
        target=message,
        detail={
            "message_id": str(message.message_id),
            "peer_id": message.peer_id,
            "type": message.type,
            "outcome": outcome,
            **detail,
        },
    )
