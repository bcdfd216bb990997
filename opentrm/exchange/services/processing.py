"""Processing: the receiving side's counterpart of delivery (issue 10).

The inbox stores a package and, after the commit, hands it to its type's handler
(:func:`handle`). A handler that fails leaves the message stored and unprocessed; here the
attempt is counted and the next one scheduled with the outbox's backoff
(``retries.backoff``: ``OPENTRM_EXCHANGE_RETRY_BASE_SECONDS`` doubled per attempt, at most
``OPENTRM_EXCHANGE_RETRY_CAP_SECONDS``), audited ``EXCHANGE_FAILED`` with ``"stage":
"handler"``. After ``OPENTRM_EXCHANGE_MAX_ATTEMPTS`` attempts the message is a dead letter
(``dead_at``, audited ``EXCHANGE_DEAD``) and shown on the dead-letters page. The worker
(``opentrm exchange_worker``) calls :func:`process_due` on every pass: it claims the due
messages like ``delivery`` claims the outbox's (a conditional update that pushes
``next_attempt_at`` to the end of a lease) and tries them again. A message whose first hand-over
never ran (the process stopped right after the commit) is due once its lease has passed.
``last_error`` is the exception's class name, never its text (it may quote the package).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.errors import DomainError, NotFoundError
from opentrm.exchange import clock, handlers
from opentrm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus, Peer
from opentrm.exchange.services import delivery
from opentrm.exchange.services.retries import (
    audit_detail,
    backoff,
    claim_rows,
    lease_seconds,
    max_attempts,
    requeue,
    setting,
)

logger = logging.getLogger("opentrm.exchange")


@dataclass
class Summary:
    """What one pass did: how many messages ended in each outcome (counts only)."""

    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def picked(self) -> int:
        return sum(self.outcomes.values())

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        return f"{self.picked} received picked ({counts})"


@transaction.atomic
def _record_failure(message: InboxMessage, error: str) -> bool:
    """Schedule the next try, or make the message a dead letter (True)."""
    dead = message.attempts >= max_attempts()
    now = clock.now()
    InboxMessage.objects.filter(pk=message.pk, processed_at__isnull=True).update(
        last_error=error[:200],
        next_attempt_at=None if dead else now + backoff(message.attempts),
        dead_at=now if dead else None,
        updated_at=timezone.now(),
    )
    record_event(
        event_type=EventType.EXCHANGE_DEAD if dead else EventType.EXCHANGE_FAILED,
        actor=None,
        target=message,
        detail=audit_detail(message, stage="handler", error=error),
    )
    return dead


def order_wait_seconds() -> float:
    return setting("OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS", 86400)


# How soon the worker looks again at a package waiting for an earlier one. Short, because the
# earlier one's handler may miss a successor stored in a transaction not yet committed (two
# deliveries at once on PostgreSQL): then the worker's next pass applies it.
ORDER_RECHECK_SECONDS = 5


def _waits_for_previous(message: InboxMessage) -> bool:
    """Whether ``message`` must wait: the sender's package before it about the same referral
    (``previous_id``) is not processed here yet. After ``OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS``
    (a day) it waits no more (the earlier package may never come: the sender gave up on it)."""
    if message.previous_id is None:
        return False
    if InboxMessage.objects.filter(
        message_id=message.previous_id, peer_id=message.peer_id, processed_at__isnull=False
    ).exists():
        return False
    waited = (clock.now() - message.created_at).total_seconds()
    if waited < order_wait_seconds():
        return True
    record_event(
        event_type=EventType.EXCHANGE_FAILED,
        actor=None,
        target=message,
        detail=audit_detail(message, stage="order", error="previous_never_came"),
    )
    return False


def _wait(message: InboxMessage) -> str:
    """Leave ``message`` for later (not an attempt): the earlier one applies it when processed,
    else the worker looks again after ``ORDER_RECHECK_SECONDS``."""
    InboxMessage.objects.filter(pk=message.pk, processed_at__isnull=True).update(
        last_error="waiting_for_previous",
        next_attempt_at=clock.now() + timedelta(seconds=ORDER_RECHECK_SECONDS),
        updated_at=timezone.now(),
    )
    return "waiting"


def _successors(message: InboxMessage) -> list[InboxMessage]:
    """The packages stored here that wait for ``message`` (name it as ``previous_id``). Only a
    package in a referral's chain (with a ``sequence``) can be named so: for any other (an
    outcome, a directory change, a ping) nothing is looked up; a package naming one anyway is
    applied by the worker's next look (``ORDER_RECHECK_SECONDS``)."""
    if message.sequence is None:
        return []
    return list(
        InboxMessage.objects.filter(
            previous_id=message.message_id,
            peer_id=message.peer_id,
            processed_at__isnull=True,
            dead_at__isnull=True,
        ).select_related("peer")
    )


def handle(message: InboxMessage) -> str:
    """One attempt at ``message``'s handler: ``processed``, ``failed`` (tried again later),
    ``dead`` (a dead letter now), ``waiting`` (an earlier package about the same referral is
    not applied yet) or ``skipped`` (no handler for its type). Once processed, the packages
    that waited for it are handled in turn."""
    outcome = _handle_one(message)
    pending = _successors(message) if outcome == "processed" else []
    while pending:
        following = pending.pop(0)
        if _handle_one(following) == "processed":
            pending.extend(_successors(following))
    return outcome


def _handle_one(message: InboxMessage) -> str:
    if handlers.handler_for(message.type) is None:
        return "skipped"
    if _waits_for_previous(message):
        return _wait(message)
    InboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    message.attempts += 1
    try:
        handlers.dispatch(message)
    except Exception as error:  # the handler's bug must not stop the inbox or the worker
        logger.exception("exchange handler failed for message %s", message.message_id)
        return "dead" if _record_failure(message, type(error).__name__) else "failed"
    return "processed"


def _claim(now: datetime, limit: int) -> list[InboxMessage]:
    """Claim up to ``limit`` due messages (see the module's docstring)."""
    never_handed = now - timedelta(seconds=lease_seconds())
    due = InboxMessage.objects.filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=never_handed),
        processed_at__isnull=True,
        dead_at__isnull=True,
        type__in=handlers.registered_types(),
    ).order_by("next_attempt_at", "id")
    claimed = claim_rows(
        due,
        match=("next_attempt_at",),
        limit=limit,
        next_attempt_at=now + timedelta(seconds=lease_seconds()),
        updated_at=timezone.now(),
    )
    return list(InboxMessage.objects.filter(pk__in=claimed).select_related("peer").order_by("id"))


def process_due(now: datetime | None = None, limit: int = 100) -> Summary:
    """Try the handlers of the due messages again (at most ``limit``); what happened:
    ``processed``, ``failed`` (tried again later) or ``dead``."""
    summary = Summary()
    for message in _claim(now or clock.now(), limit):
        summary.outcomes[handle(message)] += 1
    return summary


def dead_letters(actor: Actor, *, peer_id: int | None = None) -> QuerySet[InboxMessage]:
    """Received packages whose handler failed too often, newest first (never the body)."""
    require(actor, Action.EXCHANGE_MANAGE)
    messages = InboxMessage.objects.filter(dead_at__isnull=False, processed_at__isnull=True)
    if peer_id is not None:
        messages = messages.filter(peer_id=peer_id)
    return messages.select_related("peer").order_by("-dead_at", "-id")


def all_dead_letters(
    actor: Actor, *, peer_id: int | None = None, limit: int = 500
) -> list[OutboxMessage | InboxMessage]:
    """The dead letters both ways, newest first, at most ``limit``: the packages this node
    could not send (an :class:`OutboxMessage`, dead since its last update) and those it
    received whose handler failed for good (an :class:`InboxMessage`, dead since ``dead_at``)."""
    sent = list(delivery.dead_letters(actor, peer_id=peer_id)[:limit])
    received = list(dead_letters(actor, peer_id=peer_id)[:limit])

    def died(message: OutboxMessage | InboxMessage) -> datetime:
        if isinstance(message, InboxMessage) and message.dead_at is not None:
            return message.dead_at
        return message.updated_at

    both: list[OutboxMessage | InboxMessage] = [*sent, *received]
    return sorted(both, key=died, reverse=True)[:limit]


@transaction.atomic
def retry_dead_letter(
    *, actor: Actor, message_id: uuid.UUID | str, bulk: bool = False
) -> InboxMessage:
    """Hand a received dead letter to its handler again on the worker's next pass (after the
    cause was fixed): attempts from zero, due now. Audits EXCHANGE_RETRIED."""
    require(actor, Action.EXCHANGE_MANAGE)
    message = (
        InboxMessage.objects.select_for_update()
        .filter(message_id=message_id, dead_at__isnull=False, processed_at__isnull=True)
        .first()
    )
    if message is None:
        raise NotFoundError(_("No such package."))
    message.dead_at = None
    extra = {"bulk": True} if bulk else {}
    requeue(message, actor=actor, fields=["dead_at"], stage="handler", **extra)
    return message


def retry_any_dead_letter(
    *, actor: Actor, message_id: uuid.UUID | str, bulk: bool = False
) -> OutboxMessage | InboxMessage:
    """Retry the dead letter of that id, one this node sends (``delivery``) or one it
    received (an :class:`InboxMessage`)."""
    try:
        return delivery.retry_dead_letter(actor=actor, message_id=message_id, bulk=bulk)
    except NotFoundError:
        return retry_dead_letter(actor=actor, message_id=message_id, bulk=bulk)


BULK_RETRY_LIMIT = 500


def dead_letter_peers(actor: Actor) -> QuerySet[Peer]:
    """The peers with dead letters either way (for "retry all of one node")."""
    require(actor, Action.EXCHANGE_MANAGE)
    sent = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).values("peer_id")
    received = InboxMessage.objects.filter(dead_at__isnull=False, processed_at__isnull=True).values(
        "peer_id"
    )
    return Peer.objects.filter(Q(pk__in=sent) | Q(pk__in=received)).order_by("country_code", "name")


@dataclass
class BulkRetry:
    """What a bulk retry did: dead letters queued again, and those left (their node is not
    active, or another administrator retried them first)."""

    retried: int = 0
    skipped: int = 0


def retry_dead_letters(
    *,
    actor: Actor,
    peer_id: int | None = None,
    message_ids: list[uuid.UUID] | None = None,
) -> BulkRetry:
    """Queue again every dead letter (both ways) of one peer, or all, or the ``message_ids``
    selected (at most ``BULK_RETRY_LIMIT``). Each is audited ``EXCHANGE_RETRIED`` like a single
    retry (with ``bulk: true``); a dead letter whose node is not active is left, counted as
    skipped. Each retry commits on its own: one that cannot be retried never undoes another."""
    require(actor, Action.EXCHANGE_MANAGE)
    if message_ids is not None:
        chosen = list(dict.fromkeys(message_ids))[:BULK_RETRY_LIMIT]
    else:
        letters = all_dead_letters(actor, peer_id=peer_id, limit=BULK_RETRY_LIMIT)
        chosen = [message.message_id for message in letters]
    result = BulkRetry()
    for message_id in chosen:
        try:
            retry_any_dead_letter(actor=actor, message_id=message_id, bulk=True)
        except (DomainError, ValidationError):
            result.skipped += 1
        else:
            result.retried += 1
    return result
