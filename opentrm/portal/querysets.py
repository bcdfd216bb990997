"""Where every library list starts: ``Resource.objects.visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.db.models import Q

from opentrm.core.models import SoftDeletableQuerySet

if TYPE_CHECKING:
    from opentrm.portal.models import Resource  # noqa: F401 (string annotations)


class Reader(Protocol):
    """The part of ``accounts.policy.Actor`` that a library list needs."""

    @property
    def is_member(self) -> bool: ...

    @property
    def organisation_id(self) -> int | None: ...


class ResourceQuerySet(SoftDeletableQuerySet["Resource"]):
    def visible_to(self, actor: Reader | None) -> ResourceQuerySet:
        """Public items for everyone; members' items for any member; items for named
        organisations to those organisations and to the owner."""
        items = self.live()
        if actor is None or not actor.is_member:
            return items.filter(visibility="public")
        org = actor.organisation_id
        return items.filter(
            Q(visibility__in=["public", "members"])
            | Q(visibility="organisations", organisations=org)
            | Q(owner_id=org)
        ).distinct()
