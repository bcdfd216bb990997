"""Fetching one agreement for an actor: 404 when it does not exist or is not theirs, 403 when
it is theirs to see but not to change; and the agreement rule of ``accounts.policy``."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Action, Actor, can, rule
from opentrm.agreements import selectors
from opentrm.agreements.models import Agreement

Intent = Literal["view", "edit"]


@rule(Action.AGREEMENT_EDIT, Agreement)
def _edit_agreement(actor: Actor, agreement: Agreement) -> bool:
    """Coordinators and case managers of an organisation that is a party (in any version)."""
    return (
        actor.may(Action.AGREEMENT_EDIT)
        and actor.organisation_id is not None
        and actor.organisation_id in selectors.party_org_ids(agreement)
    )


def access_agreement(actor: Actor, agreement_id: int, *, action: Intent = "view") -> Agreement:
    """The agreement, with everything its page needs, if the actor may see it."""
    if not Agreement.objects.visible_to(actor).filter(pk=agreement_id).exists():
        raise Http404
    agreement = selectors.agreement_detail(agreement_id)
    if action == "edit" and not can(actor, Action.AGREEMENT_EDIT, agreement):
        raise PermissionDenied
    return agreement
