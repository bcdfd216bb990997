"""The soft deletion of a row an actor added to a case (a document, a note): the same gate, the
same required reason and the same audit, whatever the row."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.functional import Promise

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.input import required_reason
from opentrm.core.models import SoftDeletable


@dataclass(frozen=True)
class SoftDeletion:
    """How one kind of row is deleted: the actor's role must allow ``gate`` and the actor may
    take ``action`` on the row (403 otherwise); a reason is required (``missing_reason`` says
    so); the deletion is audited as ``event_type``."""

    gate: Action
    action: Action
    event_type: EventType
    missing_reason: str | Promise

    @transaction.atomic
    def __call__(
        self, row: SoftDeletable, actor: Actor, reason: str, detail: dict[str, Any]
    ) -> None:
        """Delete ``row`` softly for ``reason``, audited with ``detail`` (ids only) unless a
        concurrent deletion won."""
        require(actor, self.gate)
        if not can(actor, self.action, row):
            raise PermissionDenied
        reason = required_reason(reason, str(self.missing_reason))
        if row.mark_deleted(by=actor.user, reason=reason):
            record_event(event_type=self.event_type, actor=actor, target=row, detail=detail)
