"""Escalating an informal request into a formal one, on the referral page (issue 14 part C;
REC-22, ACT-76). The rule is ``services.requests.escalation``; this is its form and its part of
the request section (the link both ways, the competent body types)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor
from opentrm.core.forms import cleaned
from opentrm.core.views import form_view
from opentrm.referrals.access import access_referral, is_sender
from opentrm.referrals.forms_requests import EscalateForm
from opentrm.referrals.models import Referral
from opentrm.referrals.services.requests import is_request
from opentrm.referrals.services.requests.escalation import escalation_refusal, request_escalate
from opentrm.referrals.services.requests.kinds import KINDS, body_type_labels


def add_to_section(section: Any, actor: Actor, referral: Referral) -> None:
    """The request section's formality part: competent bodies, the escalation link both ways,
    and whether the actor may escalate now."""
    spec = KINDS.get(referral.kind)
    section.bodies = body_type_labels(spec) if spec else []
    section.escalations = list(referral.escalations.order_by("pk"))
    section.may_escalate = (
        is_sender(actor, referral)
        and actor.may(Action.REFERRAL_SEND)
        and escalation_refusal(referral) is None
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def request_escalate_view(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Draft the formal request following an informal one up."""
    actor = request.actor
    referral = access_referral(actor, public_id)
    if not is_request(referral):
        raise Http404
    if not is_sender(actor, referral):
        raise PermissionDenied
    spec = KINDS[referral.kind]
    form = EscalateForm(request.POST or None, formalities=spec.escalates_to)
    return form_view(
        request,
        form,
        save=lambda: request_escalate(
            actor=actor,
            referral=referral,
            **cleaned(form, "formality", "legal_basis", "channel", "reason"),
        ),
        success=_("The formal request is drafted, linked to the informal one: check it, send it."),
        done=lambda formal: redirect(
            reverse("referrals:referral_detail", args=[formal.public_id]) + "#request"
        ),
        template="referrals/request_escalate.html",
        context={
            "referral": referral,
            "refusal": escalation_refusal(referral),
            "legal_basis": spec.legal_basis,
        },
    )
