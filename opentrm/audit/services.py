"""Writing audit events. Called by every service, inside the service's own transaction."""

from collections.abc import Iterable
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from opentrm.audit.chain import GENESIS_HASH, prepare_hash
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
    prepared = prepare_hash(event)  # all but the place in the chain, before the lock
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
