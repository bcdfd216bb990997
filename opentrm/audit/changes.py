"""The audited write of a versioned row: refused when the row changed since the editor opened it
(``core.concurrency``), audited in the same transaction. One helper, so that no service saves a
change it forgets to audit."""

from typing import Any, Protocol, TypeVar

from opentrm.audit.events import EventType
from opentrm.audit.services import AuditActor, record_event
from opentrm.core.concurrency import save_first_or_if_unchanged, save_if_unchanged
from opentrm.core.models import VersionedModel

M = TypeVar("M", bound=VersionedModel)


class ActingUser(AuditActor, Protocol):
    """Whoever acts, with the user the row's ``updated_by`` names (see accounts.policy.Actor)."""

    @property
    def user(self) -> Any: ...


def save_audited(
    obj: M,
    *,
    actor: ActingUser,
    expected_version: int,
    fields: list[str],
    event_type: EventType,
    detail: dict[str, Any],
    is_new: bool | None = None,
) -> M:
    """Write ``fields`` of ``obj`` only if the row still has ``expected_version`` (a
    ``ConflictError`` otherwise), and audit ``event_type`` with the names of those fields and
    ``detail`` (ids and codes only) when there are any. ``is_new`` (not None) is for a
    one-of-a-kind record: its first version is inserted (``save_first_or_if_unchanged``)."""
    if is_new is None:
        save_if_unchanged(obj, expected_version=expected_version, fields=fields, actor=actor.user)
    else:
        save_first_or_if_unchanged(
            obj, is_new=is_new, expected_version=expected_version, fields=fields, actor=actor.user
        )
    if fields:
        record_event(
            event_type=event_type, actor=actor, target=obj, changed_fields=fields, detail=detail
        )
    return obj
