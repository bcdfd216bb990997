"""Escalating an informal request into a formal one (REC-22, ACT-76, OTH-30).

The two-step practice: police or prosecutors ask informally first (liaison officer, police to
police), then send a formal letter of request or an MLA request through the Ministry of Justice,
which lets the answer be used as evidence. The formal request is a new draft of the same kind,
case, country and competent body, linked to the informal one (``escalated_from``); the informal
request keeps its own status and history. Both show the link. Only the sender escalates, once
per request (a withdrawn escalation may be made again).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.directory.models import Organisation
from opentrm.referrals.access import is_sender
from opentrm.referrals.models import (
    Formality,
    Referral,
    ReferralStatus,
    RequestChannel,
    Routing,
)
from opentrm.referrals.services.requests import is_request, request_create
from opentrm.referrals.services.requests.kinds import KINDS

S = ReferralStatus


def escalation_refusal(referral: Referral) -> str | None:
    """Why this request cannot be escalated now, or None."""
    spec = KINDS.get(referral.kind)
    if not is_request(referral) or spec is None or not spec.escalates_to:
        return _("This kind of request has no formal follow-up.")
    if referral.formality != Formality.INFORMAL:
        return _("Only an informal request is escalated into a formal one.")
    if referral.status == S.DRAFT:
        return _("Send the informal request first, or change its formality before sending.")
    if referral.escalations.exclude(status=S.WITHDRAWN).exists():
        return _("This request has already been escalated.")
    return None


def request_escalate(
    *,
    actor: Actor,
    referral: Referral,
    formality: str,
    reason: str,
    legal_basis: str = "",
    channel: str = RequestChannel.CENTRAL_AUTHORITY,
) -> Referral:
    """Draft the formal request that follows the informal ``referral`` up, linked to it.

    Refused (PermissionDenied) for anyone but a member of the sending organisation who may send
    requests; refused (ValidationError) for a request that is not informal, not sent yet, of a
    kind with no formal follow-up or already escalated, and for a formality the kind does not
    take. The new draft is sent like any other request (``request_send``).
    """
    require(actor, Action.REFERRAL_SEND)
    if not is_sender(actor, referral):
        raise PermissionDenied
    refusal = escalation_refusal(referral)
    if refusal:
        raise ValidationError({"__all__": refusal})
    if formality not in KINDS[referral.kind].escalates_to:
        raise ValidationError({"formality": _("Pick a formal kind of request this kind takes.")})
    # The link, its REQUEST_ESCALATED event and the check against a second escalation made
    # meanwhile are written with the draft, in its transaction (``_create_request``).
    return request_create(
        actor=actor,
        kind=referral.kind,
        receiver_country=referral.receiver_country,
        case=referral.case,
        intended=referral.intended_organisation or _direct_receiver(referral),
        urgency=referral.urgency,
        reason=reason,
        document_type=referral.document_type,
        formality=formality,
        legal_basis=legal_basis,
        channel=channel,
        escalated_from=referral,
    )


def _direct_receiver(referral: Referral) -> Organisation | None:
    """The body a direct request went to: the formal one asks the same body."""
    if referral.routing == Routing.DIRECT:
        return referral.receiver_organisation
    return None
