"""Where every referral list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from opentrm.referrals.models import Referral  # noqa: F401 (string annotations)


class ReferralReader(Protocol):
    """The part of ``accounts.policy.Actor`` that referral lists need."""

    @property
    def organisation_id(self) -> int | None: ...

    def may(self, action: Any) -> bool: ...


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, actor: ReferralReader | None) -> ReferralQuerySet:
        """Referrals the actor's organisation sent or received (drafts only to the sender),
        for roles that do case work."""
        from opentrm.accounts.policy import Action

        if actor is None or not actor.may(Action.CASE_VIEW) or actor.organisation_id is None:
            return self.none()
        org = actor.organisation_id
        return self.filter(
            Q(sender_organisation_id=org) | (Q(receiver_organisation_id=org) & ~Q(status="draft"))
        )
