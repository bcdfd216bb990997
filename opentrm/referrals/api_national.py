"""Referrals API: the inbox and outbox, one referral, referring a case within the country, and
the steps every referral shares (acknowledge, accept, decline, withdraw). The same services as
the screens."""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Query as QueryParam

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors as case_selectors
from opentrm.cases.access import access_case
from opentrm.cases.models import CaseParticipant
from opentrm.cases.sharing import prime_sharing
from opentrm.core.api import Routes, payload_view, versioned_step
from opentrm.core.schemas import CASE_WORK_ERRORS, MAX_PAGE, IdQuery, own_fields
from opentrm.directory.models import Organisation
from opentrm.referrals import schemas_national as schemas
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral, is_sender
from opentrm.referrals.models import Referral
from opentrm.referrals.services import national, received, sharing

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS)
_referral_send_route = _route.having(auth=member_auth(Action.REFERRAL_SEND))
PAGE_SIZE = 50


# ReferralOut's fields that depend on who asks.
_WORKED_OUT = frozenset({"overdue", "offer", "shared_groups", "case_public_id", "steps"})


def _referral_out(
    actor: Actor, referral: Referral, *, on_case: set[int], steps: bool = False
) -> dict[str, Any]:
    """What ``ReferralOut`` reads: the referral's own fields, and what the caller may see."""
    takes_part = referral.case_id in on_case
    return {
        **own_fields(schemas.ReferralOut, referral, besides=_WORKED_OUT),
        "overdue": national.is_overdue(referral),
        "offer": national.minimal_offer(
            referral, shows_person=national.offer_shows_person(actor, referral, on_case=takes_part)
        ),
        "shared_groups": list(referral.shared_groups),
        "case_public_id": referral.case.public_id
        if referral.case is not None and takes_part
        else None,
        "steps": list(referral.events.all()) if steps else [],
    }


def _cases_taken_part(actor: Actor, referrals: list[Referral]) -> set[int]:
    """The cases among the referrals' that the actor's organisation takes part in (one query)."""
    case_ids = {r.case_id for r in referrals if r.case_id is not None}
    if not case_ids:
        return set()
    return set(
        CaseParticipant.objects.filter(
            case_id__in=case_ids,
            organisation_id=actor.organisation_id or 0,
            is_active=True,
            case__deleted_at__isnull=True,
        ).values_list("case_id", flat=True)
    )


@_route("GET", "/", schemas.ReferralPageOut, "referrals_list")
def referral_list(
    request: HttpRequest,
    box: str = "inbox",
    status: str = "",
    kind: str = "",
    urgency: str = "",
    overdue: bool = False,
    case: str = "",
    page: int = QueryParam(1, ge=1, le=MAX_PAGE),
) -> Any:
    """The acting organisation's inbox or outbox, with filters, 50 a page"""
    actor = acting(request)
    filters = selectors.Filters.parse(
        box=box, status=status, kind=kind, urgency=urgency, overdue=overdue, case=case
    )
    referrals = selectors.referral_list(actor, filters).prefetch_related("case__person__languages")
    start = (page - 1) * PAGE_SIZE
    served = list(referrals[start : start + PAGE_SIZE])
    counts = selectors.status_counts(actor, filters)
    selectors.referrals_listed(actor=actor, box=filters.box, referrals=served, via="api")
    on_case = _cases_taken_part(actor, served)
    received.prime_received_offers(served)
    # What each case shares with the caller's organisation, for all rows at once (the offer
    # shows the person only to those who may see her identity).
    prime_sharing(
        actor,
        [
            r.case
            for r in served
            if r.case is not None and (r.case_id in on_case or is_sender(actor, r))
        ],
    )
    return {
        "count": sum(counts.values()) if not filters.status else counts.get(filters.status, 0),
        "page": page,
        "counts": counts,
        "items": [_referral_out(actor, r, on_case=on_case) for r in served],
    }


@_referral_send_route(
    "GET",
    "/preview",
    schemas.PreviewOut,
    "referrals_preview",
)
def referral_preview(request: HttpRequest, case: uuid.UUID, receiver: IdQuery) -> Any:
    """What a receiver would see of a case referred to it: the minimal offer, and after acceptance
    the shared groups, or what is missing"""
    actor = acting(request)
    the_case = access_case(actor, str(case))
    assert actor.membership is not None
    organisation = Organisation.objects.select_related("country").filter(pk=receiver).first()
    target = national.check_receiver(actor.membership.organisation, organisation)
    gate = national.preview(the_case, target)
    case_selectors.case_read(
        actor=actor,
        case=the_case,
        via="api",
        groups=[FieldGroup.IDENTITY.value],
        view="referral_preview",
    )
    return {
        "receiver_organisation_id": target.pk,
        "offer": national.offer_for(
            the_case, shows_person=national.preview_shows_person(actor, the_case), reference=""
        ),
        "shared_groups": [g.value for g in gate.groups],
        "missing": gate.missing,
        "agreement_id": gate.agreement.pk if gate.agreement else None,
    }


@_referral_send_route(
    "POST",
    "/",
    schemas.ReferralOut,
    "referrals_create",
    status=201,
)
def referral_create(request: HttpRequest, payload: schemas.NationalReferralIn) -> Any:
    """Refer a case to an organisation of the same country, and send it"""
    actor = acting(request)
    case = access_case(actor, str(payload.case_public_id))
    receiver = (
        Organisation.objects.select_related("country")
        .filter(pk=payload.receiver_organisation_id)
        .first()
    )
    referral = national.referral_send_national(
        actor=actor,
        case=case,
        receiver=receiver,
        reason=payload.reason,
        urgency=payload.urgency,
        measure_code=payload.measure_code,
        service_type=payload.service_type or "",
        needs=[need.value for need in payload.needs],
    )
    return Status(201, _referral_out(actor, referral, on_case={case.pk}, steps=True))


@_route("GET", "/{uuid:public_id}", schemas.ReferralOut, "referrals_detail")
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> Any:
    """One referral: before acceptance a receiver sees only the minimal offer"""
    actor = acting(request)
    referral = selectors.referral_detail(actor=actor, public_id=str(public_id), via="api")
    return _out(actor, referral)


def _out(actor: Actor, referral: Referral) -> dict[str, Any]:
    fresh = access_referral(actor, str(referral.public_id))
    return _referral_out(actor, fresh, on_case=_cases_taken_part(actor, [fresh]), steps=True)


def _receiver(actor: Actor, public_id: uuid.UUID) -> Referral:
    referral = access_referral(actor, str(public_id))
    if not can(actor, Action.REFERRAL_RESPOND, referral):
        raise PermissionDenied
    return referral


def _step(
    request: HttpRequest,
    public_id: uuid.UUID,
    side: Callable[[Actor, uuid.UUID], Referral],
    step: Callable[..., object],
    payload: schemas.ReferralStepIn | schemas.ReferralReasonIn | schemas.ReferralSharingIn,
) -> dict[str, Any]:
    """Take ``step`` on the referral from ``side`` (``_receiver``, ``_sender``), with what the
    payload carries besides the version; the answer is the referral as it is then."""
    actor = acting(request)
    referral = side(actor, public_id)
    versioned_step(step, payload, actor=actor, referral=referral)
    return _out(actor, referral)


def _sender(actor: Actor, public_id: uuid.UUID) -> Referral:
    referral = access_referral(actor, str(public_id))
    if not can(actor, Action.REFERRAL_WITHDRAW, referral):
        raise PermissionDenied
    return referral


def _sharer(actor: Actor, public_id: uuid.UUID) -> Referral:
    referral = access_referral(actor, str(public_id))
    if not can(actor, Action.REFERRAL_SHARE, referral):
        raise PermissionDenied
    return referral


# The steps, which differ only in data: (name, who may, side, service, payload).
_STEPS = (
    (
        "acknowledge",
        Action.REFERRAL_RESPOND,
        _receiver,
        national.referral_acknowledge,
        schemas.ReferralStepIn,
    ),
    (
        "accept",
        Action.REFERRAL_RESPOND,
        _receiver,
        national.referral_accept,
        schemas.ReferralStepIn,
    ),
    (
        "decline",
        Action.REFERRAL_RESPOND,
        _receiver,
        national.referral_decline,
        schemas.ReferralReasonIn,
    ),
    (
        "withdraw",
        Action.REFERRAL_SEND,
        _sender,
        national.referral_withdraw,
        schemas.ReferralReasonIn,
    ),
    (
        "sharing",
        Action.REFERRAL_SEND,
        _sharer,
        sharing.referral_sharing_change,
        schemas.ReferralSharingIn,
    ),
)
_STEP_SUMMARIES = {
    "acknowledge": "The receiver acknowledges the referral",
    "accept": "The receiver accepts; within the country it joins the case",
    "decline": "The receiver declines, with a reason",
    "withdraw": "The sender withdraws, with a reason: the receiver loses the case at once",
    "sharing": "The case owner changes what the receiver of an accepted referral is shared",
}
for _tail, _action, _side, _take, _schema in _STEPS:
    _route(
        "POST",
        f"/{{uuid:public_id}}/{_tail}",
        schemas.ReferralOut,
        f"referrals_{_tail}",
        auth=member_auth(_action),
    )(
        payload_view(
            f"referral_{_tail}",
            _STEP_SUMMARIES[_tail],
            partial(_step, side=_side, step=_take),
            module=__name__,
            public_id=uuid.UUID,
            payload=_schema,
        )
    )
