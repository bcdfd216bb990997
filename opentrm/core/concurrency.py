"""Optimistic locking: a save made from a stale form is refused, never silently applied."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from opentrm.core.errors import ConflictError
from opentrm.core.models import VersionedModel

M = TypeVar("M", bound=VersionedModel)


def save_if_unchanged(obj: M, *, expected_version: int, fields: list[str], actor: Any) -> M:
    """Write ``fields`` of ``obj`` only if the row still has ``expected_version``.

    The check and the write are one UPDATE statement, so two concurrent saves cannot both pass.
    """
    manager = type(obj)._default_manager
    values = {name: getattr(obj, name) for name in fields}
    updated = manager.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, updated_by=actor, updated_at=timezone.now(), **values
    )
    if updated != 1:
        current = manager.select_related("updated_by").filter(pk=obj.pk).first()
        if current is None or current.updated_by is None:
            raise ConflictError(
                _(
                    "This record was changed after you opened it. Reload it and apply your "
                    "changes again."
                )
            )
        raise ConflictError(
            _(
                "This record was changed by %(name)s at %(time)s. Reload it and apply your "
                "changes again."
            )
            % {
                "name": current.updated_by.get_full_name() or current.updated_by.get_username(),
                "time": formats.date_format(
                    timezone.localtime(current.updated_at), "DATETIME_FORMAT"
                ),
            }
        )
    obj.refresh_from_db(fields=["version", "updated_at", "updated_by"])
    return obj


def change_if_unchanged(
    obj: M,
    values: Mapping[str, Any],
    *,
    fields: Iterable[str],
    expected_version: int,
    actor: Any,
) -> list[str]:
    """Apply the ``values`` named in ``fields`` that differ from ``obj``, validate, and write them
    only if the row still has ``expected_version`` (see ``save_if_unchanged``); the names of
    the fields changed, for the audit event."""
    changed = [name for name in fields if name in values and getattr(obj, name) != values[name]]
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    save_if_unchanged(obj, expected_version=expected_version, fields=changed, actor=actor)
    return changed


def save_first_or_if_unchanged(
    obj: M, *, is_new: bool, expected_version: int, fields: list[str], actor: Any
) -> M:
    """Save a one-of-a-kind record (one per parent, held by a unique constraint): its first
    version with an INSERT, refused (ConflictError) when someone else inserted it at the same
    moment; a later version only if the row still has ``expected_version``. A stale form is
    refused even when it would change nothing: its reader did not see what the other person
    recorded."""
    if is_new:
        obj.updated_by = actor
        obj.full_clean()
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError:
            raise ConflictError(
                _("This record was created by someone else meanwhile. Reload the page.")
            ) from None
    elif fields or expected_version != obj.version:
        obj.full_clean()
        save_if_unchanged(obj, expected_version=expected_version, fields=fields, actor=actor)
    return obj


def soft_delete_if_unchanged(obj: M, *, expected_version: int, reason: str, actor: Any) -> M:
    """Mark ``obj`` (a ``SoftDeletable``) deleted by ``actor`` (a user) for ``reason``, only if
    the row still has ``expected_version``."""
    marks = {"deleted_at": timezone.now(), "deleted_by": actor, "deletion_reason": reason}
    for name, value in marks.items():
        setattr(obj, name, value)
    return save_if_unchanged(obj, expected_version=expected_version, fields=[*marks], actor=actor)
