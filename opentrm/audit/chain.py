"""Hashing and verifying the audit chain."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opentrm.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over every recorded field of the event and the hash of the event before it."""
    payload: dict[str, Any] = {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.isoformat(),
        "event_type": event.event_type,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organisation_id": event.organisation_id,
        "organisation_label": event.organisation_label,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "request_id": event.request_id,
        "changed_fields": event.changed_fields,
        "detail": event.detail,
        "previous_hash": event.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


def find_first_problem() -> ChainProblem | None:
    """Walk the whole chain in order; return the first broken link, or None if it is intact."""
    expected_sequence = 1
    previous = GENESIS_HASH
    events: Iterator[AuditEvent] = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        if event.sequence != expected_sequence:
            return ChainProblem(expected_sequence, "missing (deleted)")
        if event.previous_hash != previous:
            return ChainProblem(event.sequence, "does not link to the event before it")
        if event_hash(event) != event.hash:
            return ChainProblem(event.sequence, "content does not match its hash (edited)")
        previous = event.hash
        expected_sequence += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_sequence = expected_sequence - 1
    if head is not None and head.last_sequence > last_sequence:
        return ChainProblem(last_sequence + 1, "missing (deleted)")
    if head is not None and head.last_sequence == last_sequence > 0 and head.last_hash != previous:
        return ChainProblem(last_sequence, "does not match the chain head (edited)")
    return None
