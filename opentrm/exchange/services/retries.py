"""Retrying, the same on both sides of the exchange: the sender's outbox (``delivery``) and the
receiver's handlers (``processing``) count attempts, wait with the same backoff, claim due rows
for one worker for a lease, and queue a dead letter again the same way.

Settings: ``OPENTRM_EXCHANGE_RETRY_BASE_SECONDS`` (30 s, doubled per attempt, at most
``OPENTRM_EXCHANGE_RETRY_CAP_SECONDS`` 1 h, each delay drawn between half and all of it),
``OPENTRM_EXCHANGE_MAX_ATTEMPTS`` (12) attempts before a dead letter,
``OPENTRM_EXCHANGE_LEASE_SECONDS`` (300) before a claimed row may be claimed again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange import clock
from opentrm.exchange.models import InboxMessage, OutboxMessage

_random = secrets.SystemRandom()


def setting(name: str, default: float) -> float:
    """A number from the settings module (which reads the environment), else ``default``."""
    value = getattr(settings, name, None)
    return float(value) if value is not None else float(default)


def retry_base_seconds() -> float:
    return setting("OPENTRM_EXCHANGE_RETRY_BASE_SECONDS", 30)


def retry_cap_seconds() -> float:
    return setting("OPENTRM_EXCHANGE_RETRY_CAP_SECONDS", 3600)


def max_attempts() -> int:
    return int(setting("OPENTRM_EXCHANGE_MAX_ATTEMPTS", 12))


def lease_seconds() -> float:
    """How long a claimed message is left to its worker before another may send it again."""
    return setting("OPENTRM_EXCHANGE_LEASE_SECONDS", 300)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones ("equal jitter")."""
    ceiling = min(retry_cap_seconds(), retry_base_seconds() * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling / 2 + _random.uniform(0, ceiling / 2))


def claim_rows(
    due: QuerySet[Any], *, match: tuple[str, ...], limit: int, **update: Any
) -> list[int]:
    """Claim up to ``limit`` rows of ``due`` for this worker: read (on PostgreSQL locking them
    and skipping rows another worker holds, then all updated at once: nobody else can change
    them before the commit), else one conditional update per row that still has the ``match``
    values read; the ids of the rows won."""
    claimed: list[int] = []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            locked = due.select_for_update(skip_locked=True, of=("self",))
            claimed = list(locked.values_list("pk", flat=True)[:limit])
            due.model._default_manager.filter(pk__in=claimed).update(**update)
            return claimed
        for row in due.values("pk", *match)[:limit]:
            if due.model._default_manager.filter(**row).update(**update):
                claimed.append(row["pk"])
    return claimed


def audit_detail(message: OutboxMessage | InboxMessage, **more: Any) -> dict[str, Any]:
    return {
        "message_id": str(message.message_id),
        "peer_id": message.peer_id,
        "type": message.type,
        "attempts": message.attempts,
        **more,
    }


def requeue(
    message: OutboxMessage | InboxMessage, *, actor: Actor, fields: list[str], **detail: Any
) -> None:
    """A dead letter due again now, attempts from zero (``fields`` also changed by the caller);
    audited EXCHANGE_RETRIED with the previous error."""
    previous_error = message.last_error
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.save(update_fields=[*fields, "attempts", "next_attempt_at", "updated_at"])
    record_event(
        event_type=EventType.EXCHANGE_RETRIED,
        actor=actor,
        target=message,
        detail=audit_detail(message, previous_error=previous_error, **detail),
    )
