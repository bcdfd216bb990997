"""Abstract bases shared by the domain apps. No concrete models live in core."""

from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row that people edit: ``version`` detects concurrent edits (optimistic locking)."""

    version = models.PositiveIntegerField(default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


def recorded_by_field() -> "models.ForeignKey[Any, Any]":
    """The user who recorded a row: kept (as NULL) when the account goes, never edited in forms."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )


_M = TypeVar("_M", bound=models.Model)


class SoftDeletableQuerySet(models.QuerySet[_M]):
    def live(self) -> Self:
        """The rows not deleted: where every list and lookup of a soft-deletable model starts."""
        return self.filter(deleted_at__isnull=True)

    def soft_delete(self, *, by: Any, reason: str) -> int:
        """Mark the live rows deleted by ``by`` (a user) for ``reason``; the number marked.

        One UPDATE guarded by ``deleted_at IS NULL``, so of two concurrent deletions one marks
        the row and the other finds nothing left to mark."""
        return self.live().update(deleted_at=timezone.now(), deleted_by=by, deletion_reason=reason)


class SoftDeletable(models.Model):
    """A row that is deleted by marking it: who, when and why stay on the row (the audit event
    holds the ids). A model may redeclare a field for its own label (a meeting is cancelled)."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    deletion_reason = models.TextField(blank=True, editable=False)

    objects = SoftDeletableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def mark_deleted(self, *, by: Any, reason: str) -> bool:
        """Mark this row deleted by ``by`` (a user) for ``reason`` and read the marks back;
        False when it already was (a concurrent deletion won)."""
        rows: SoftDeletableQuerySet[SoftDeletable] = SoftDeletableQuerySet(model=type(self))
        updated = rows.filter(pk=self.pk).soft_delete(by=by, reason=reason)
        self.refresh_from_db(fields=["deleted_at", "deleted_by", "deletion_reason"])
        return updated == 1
