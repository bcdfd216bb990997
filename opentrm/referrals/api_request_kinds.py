"""Referrals API: the kinds of request between countries as data, and the escalation of an
informal request into a formal one (issue 14 part C; OTH-21/22/30, ACT-76, REC-22)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.referrals import schemas_requests as schemas
from opentrm.referrals.api_requests import _request, _request_out
from opentrm.referrals.models import ReferralKind
from opentrm.referrals.services.requests.escalation import request_escalate
from opentrm.referrals.services.requests.kinds import KINDS

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_route = Routes(router, CASE_WORK_ERRORS, url_prefix="referrals_")
_send_route = _route.having(auth=member_auth(Action.REFERRAL_SEND))


@_route("GET", "/request-kinds", list[schemas.RequestKindOut], "referrals_request_kinds")
def request_kinds(request: HttpRequest) -> Any:
    """Every kind of request between countries: legal basis, formalities, competent bodies,
    default time limits (a country's own settings override them)"""
    acting(request)
    return [
        {
            "code": kind.code,
            "label": str(ReferralKind(kind.code).label),
            "category": kind.category.value,
            "note": str(kind.note),
            "legal_basis": kind.legal_basis,
            "formalities": list(kind.formalities),
            "escalates_to": list(kind.escalates_to),
            "competent_body_types": list(kind.bodies),
            "acknowledge_within": kind.limits[0],
            "acknowledge_unit": kind.limits[1],
            "answer_within": kind.limits[2],
            "answer_unit": kind.limits[3],
            "thematic": kind.thematic,
            "person_fields": list(kind.fields),
        }
        for kind in KINDS.values()
    ]


@_send_route(
    "POST",
    "/{uuid:public_id}/request/escalate",
    schemas.RequestOut,
    "referrals_request_escalate",
    status=201,
    description="Drafts the formal request (MLA, letter rogatory, formal request) that follows "
    "the informal one up, linked to it both ways; send it like any draft. 403 for anyone but "
    "the sender; 422 for a request that is not informal, not sent, already escalated, or of a "
    "kind with no formal follow-up.",
)
def request_escalate_route(
    request: HttpRequest, public_id: PublicId, payload: schemas.EscalateIn
) -> Any:
    """Escalate an informal request into a formal one"""
    actor, referral = _request(request, public_id, "sender")
    formal = request_escalate(actor=actor, referral=referral, **payload.model_dump())
    return Status(201, _request_out(actor, formal))
