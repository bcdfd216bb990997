"""The soft deletion of a row an actor added to a case (a document, a note): the same gate, the
same required reason and the same audit, whatever the row."""

from typing import Any

from django.core.exceptions import PermissionDenied

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.input import required_reason
from opentrm.core.models import SoftDeletable


def soft_delete_audited(
    row: SoftDeletable,
    *,
    actor: Actor,
    reason: str,
    gate: Action,
    action: Action,
    missing_reason: str,
    event_type: EventType,
    detail: dict[str, Any],
) -> None:
    """Delete ``row`` softly for ``reason`` (``missing_reason`` says it is required): the
    actor's role must allow ``gate`` and the actor may take ``action`` on the row (403
    otherwise). Audited as ``event_type`` with ``detail`` (ids only), unless a concurrent
    deletion won."""
    require(actor, gate)
    if not can(actor, action, row):
        raise PermissionDenied
    reason = required_reason(reason, missing_reason)
    if row.mark_deleted(by=actor.user, reason=reason):
        record_event(event_type=event_type, actor=actor, target=row, detail=detail)
