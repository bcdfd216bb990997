"""Writing audit events. Called by every service, inside the service's own transaction."""

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from django.db import models, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from opentrm.audit.chain import GENESIS_HASH, PreparedHash, prepare_hash
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.core.request_context import current_request_id


class AuditActor(Protocol):
    """What the trail needs to know about whoever acted (see accounts.policy.Actor)."""

    @property
    def user_id(self) -> int | None: ...

    @property
    def user_label(self) -> str: ...

    @property
    def organisation_id(self) -> int | None: ...

    @property
    def organisation_label(self) -> str: ...


def record_event(
    *,
    event_type: EventType,
    actor: AuditActor | None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    changed_fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. If this fails, the caller's whole transaction fails.

    ``detail`` must hold ids, counts and codes only, never personal data.
    """
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    event = AuditEvent(
        occurred_at=timezone.now(),
        event_type=event_type.value,
        actor_id=actor.user_id if actor else None,
        actor_label=actor.user_label if actor else "",
        organisation_id=actor.organisation_id if actor else None,
        organisation_label=actor.organisation_label if actor else "",
        target_type=target_type,
        target_id=str(target_id),
        request_id=current_request_id(),
        changed_fields=sorted(set(changed_fields)),
        detail=detail or {},
    )
    # The object itself, for the receivers of the event's post_save (the notifications), so
    # they need not read again what the caller holds; never saved.
    event.target_instance = target
    prepared = prepare_hash(event)  # all but the place in the chain, before the lock
    pending: list[tuple[AuditEvent, PreparedHash]] | None = getattr(_batch, "events", None)
    if pending is not None:  # inside events_batched(): appended when the block ends
        pending.append((event, prepared))
        return event
    # No savepoint inside the caller's transaction (two round trips per event): a failure here
    # fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        # The chain's one lock: held from here to the end of the caller's transaction, so
        # only the sequence, the previous hash and two writes happen after it is taken.
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
        event.sequence = head.last_sequence + 1
        event.previous_hash = head.last_hash
        event.hash = prepared.seal(sequence=event.sequence, previous_hash=event.previous_hash)
        event.save(force_insert=True)
        head.last_sequence = event.sequence
        head.last_hash = event.hash
        head.save(update_fields=["last_sequence", "last_hash"])
    return event


_batch = threading.local()


@contextmanager
def events_batched() -> Iterator[None]:
    """Inside a transaction: the events recorded in the block are appended to the chain
    together when it ends, in the order recorded, with one lock of the chain's head, one
    INSERT and one write of the head (instead of a lock, an insert and a write each); the head
    is locked only from the block's end to the commit. Each event's ``post_save`` (the
    notifications' receiver) is sent once all are in the chain. An event recorded in the block
    has no primary key until the block ends. Nothing is appended when the block raises (the
    caller's transaction is undone with it); so use it only around code that lets errors out
    (an event recorded in a savepoint rolled back while the block goes on would still be
    appended). Nested blocks append with the outermost one.
    """
    if getattr(_batch, "events", None) is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError("events_batched() must run inside a transaction.")
    events: list[tuple[AuditEvent, PreparedHash]] = []
    _batch.events = events
    try:
        yield
    finally:
        _batch.events = None
    if events:
        _append(events)


def _append(events: list[tuple[AuditEvent, PreparedHash]]) -> None:
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditChainHead.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
        sequence, previous = head.last_sequence, head.last_hash
        for event, prepared in events:
            sequence += 1
            event.sequence, event.previous_hash = sequence, previous
            event.hash = previous = prepared.seal(sequence=sequence, previous_hash=previous)
        AuditEvent.objects.bulk_create([event for event, _prepared in events])
        head.last_sequence, head.last_hash = sequence, previous
        head.save(update_fields=["last_sequence", "last_hash"])
    using = transaction.get_connection().alias
    for event, _prepared in events:
        post_save.send(
            sender=AuditEvent,
            instance=event,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
