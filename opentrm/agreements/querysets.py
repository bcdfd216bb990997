"""Where every agreement list starts: ``visible_to(actor)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.db import models
from django.db.models import Exists, OuterRef, Q

if TYPE_CHECKING:
    from opentrm.agreements.models import Agreement  # noqa: F401 (string annotations)


class AgreementReader(Protocol):
    """The part of ``accounts.policy.Actor`` that agreement lists need."""

    @property
    def organisation_id(self) -> int | None: ...

    @property
    def country_id(self) -> int | None: ...

    def may(self, action: Any) -> bool: ...


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def visible_to(self, actor: AgreementReader | None) -> AgreementQuerySet:
        """Agreements the actor's organisation is party to (in any version, drafts included)
        or registered; national coordinators also see those of their country's organisations.
        """
        from opentrm.accounts.policy import Action
        from opentrm.agreements.models import AgreementParty

        if actor is None or not actor.may(Action.AGREEMENT_VIEW) or actor.organisation_id is None:
            return self.none()
        parties = AgreementParty.objects.filter(version__agreement_id=OuterRef("pk"))
        scope = Q(Exists(parties.filter(organisation_id=actor.organisation_id))) | Q(
            registered_by_id=actor.organisation_id
        )
        if actor.may(Action.AGREEMENT_VIEW_COUNTRY) and actor.country_id is not None:
            scope |= Q(Exists(parties.filter(organisation__country_id=actor.country_id)))
        return self.filter(scope)
