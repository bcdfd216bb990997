"""Who answers a person's data-protection request: the controller, i.e. the organisation that
owns the case, through its case managers and its data-protection officer (GDPR art. 12, 15-18).

A partner organisation that received a referral answers for what it holds itself, on its own
node; it does not answer for the owner's record, so it is told the case does not exist.
"""

import uuid
from typing import TYPE_CHECKING

from django.http import Http404

from opentrm.accounts.policy import Action, Actor, can, require, rule
from opentrm.cases.models import Case

if TYPE_CHECKING:
    from opentrm.dataprotection.models import Breach


@rule(Action.SUBJECT_ACCESS, Case)
def _answer_for(actor: Actor, case: Case) -> bool:
    return (
        actor.may(Action.SUBJECT_ACCESS)
        and actor.membership is not None
        and case.owner_organisation_id == actor.membership.organisation_id
    )


def access_case_as_controller(actor: Actor, public_id: uuid.UUID) -> Case:
    """The case whose person asks, soft-deleted or not (a deleted case is still held);
    404 for missing and not-ours alike, 403 for a role that never answers requests.
    ``public_id`` comes from the ``<uuid:...>`` route: a malformed one never reaches here."""
    require(actor, Action.SUBJECT_ACCESS)
    case = (
        Case._base_manager.select_related("person", "owner_organisation")
        .filter(public_id=public_id)
        .first()
    )
    if case is None or not can(actor, Action.SUBJECT_ACCESS, case):
        raise Http404
    return case


def access_breach(actor: Actor, public_id: uuid.UUID) -> "Breach":
    """A breach of the actor's own organisation; 404 for missing and not-ours alike."""
    from opentrm.dataprotection.models import Breach

    require(actor, Action.DATA_PROTECTION_MANAGE)
    assert actor.membership is not None
    breach = Breach.objects.filter(
        public_id=public_id, organisation_id=actor.membership.organisation_id
    ).first()
    if breach is None:
        raise Http404
    return breach
