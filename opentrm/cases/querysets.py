"""Where every case list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.db import models

if TYPE_CHECKING:
    from opentrm.cases.models import Case  # noqa: F401 (string annotations)


class CaseReader(Protocol):
    """The part of ``accounts.policy.Actor`` that case lists need."""

    @property
    def organisation_id(self) -> int | None: ...

    def may_view_cases(self) -> bool: ...


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, actor: CaseReader | None) -> CaseQuerySet:
        """Cases the actor's organisation takes part in, for roles that do case work.

        Deleted cases are hidden from everyone here; the audit trail keeps their history.
        """
        if actor is None or not actor.may_view_cases() or actor.organisation_id is None:
            return self.none()
        return self.filter(
            deleted_at__isnull=True,
            participants__organisation_id=actor.organisation_id,
            participants__is_active=True,
        )
