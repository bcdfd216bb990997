"""Referrals API: transnational requests, forwarding, the country's time limits and calendar,
and the metadata of exports (issue 4 §4, §7-§9).

The same services as the screens. The exported files themselves are downloaded through the
screens only (a password typed into a form); the API lists the exports (their hashes) and
records dispatches. 404 for a referral not the caller's, 403 for the wrong side or role, 409
on a stale version, 422 naming the field.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.access import access_case
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, own_fields
from opentrm.directory.models import Organisation
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral, is_receiver, is_sender
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.schemas_requests import (
    AnswerIn,
    CalendarIn,
    CalendarOut,
    DispatchIn,
    DispatchOut,
    ExportsOut,
    ForwardIn,
    ReasonIn,
    RequestIn,
    RequestOut,
    SendIn,
    TimeLimitIn,
    TimeLimitOut,
    VersionIn,
)
from opentrm.referrals.services import export as export_service
from opentrm.referrals.services import forwarding, requests, timelines
from opentrm.referrals.services import settings as settings_service

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS


# RequestOut's fields that depend on who asks.
_WORKED_OUT = frozenset({"forwarded_from", "overdue", "shared_groups", "withheld_groups", "data"})


def _request_out(actor: Actor, referral: Referral) -> dict[str, Any]:
    groups: frozenset[Any] = frozenset()
    withheld: list[str] = []
    if referral.case is not None:
        if is_sender(actor, referral):
            groups = (
                requests.gate_preview(actor, referral).groups
                if referral.status == "draft"
                else requests.effective_groups(referral)
            )
            withheld = sorted(g.value for g in requests.kind_groups(referral.kind) - groups)
        elif is_receiver(actor, referral):
            groups = requests.receiver_groups(actor, referral)
    values = (
        selectors.request_values(actor=actor, referral=referral, groups=groups, via="api")
        if is_receiver(actor, referral)
        else []
    )
    return {
        **own_fields(RequestOut, referral, besides=_WORKED_OUT),
        "forwarded_from": referral.forwarded_from.reference if referral.forwarded_from else None,
        "overdue": timelines.is_overdue(referral),
        "shared_groups": sorted(g.value for g in groups),
        "withheld_groups": withheld,
        "data": values,
    }


def _request(request: HttpRequest, public_id: PublicId, side: str) -> tuple[Actor, Referral]:
    actor = acting(request)
    referral = access_referral(actor, str(public_id))
    if not requests.is_request(referral):
        raise Http404
    if side == "sender" and not is_sender(actor, referral):
        raise PermissionDenied
    if side == "receiver" and not is_receiver(actor, referral):
        raise PermissionDenied
    return actor, referral


def _step(
    request: HttpRequest,
    public_id: PublicId,
    side: str,
    step: Callable[..., object],
    payload: VersionIn,
) -> dict[str, Any]:
    """Take ``step`` on the request from ``side``, with what the payload carries besides the
    version; the answer is the request as it is then."""
    actor, referral = _request(request, public_id, side)
    values = payload.model_dump(exclude={"version"})
    step(actor=actor, referral=referral, expected_version=payload.version, **values)
    return _request_out(actor, referral)


@router.post(
    "/requests/",
    auth=member_auth(Action.REFERRAL_SEND),
    response={201: RequestOut, **_ERRORS},
    url_name="referrals_request_create",
    summary="Draft a transnational request (from a case, or thematic without one)",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    actor = acting(request)
    case = access_case(actor, str(payload.case_public_id)) if payload.case_public_id else None
    intended = (
        get_object_or_404(Organisation, pk=payload.intended_organisation_id)
        if payload.intended_organisation_id
        else None
    )
    referral = requests.request_create(
        actor=actor,
        case=case,
        kind=payload.kind,
        receiver_country=payload.receiver_country,
        intended=intended,
        urgency=payload.urgency,
        reason=payload.reason,
        document_type=payload.document_type,
    )
    return Status(201, _request_out(actor, referral))


@router.get(
    "/{uuid:public_id}/request",
    response={200: RequestOut, **_ERRORS},
    url_name="referrals_request_detail",
    summary="A request, with the person's fields the caller may see (audited)",
)
def request_detail(request: HttpRequest, public_id: PublicId) -> Any:
    actor, referral = _request(request, public_id, "any")
    return _request_out(actor, referral)


@router.post(
    "/{uuid:public_id}/request/send",
    auth=member_auth(Action.REFERRAL_SEND),
    response={200: RequestOut, **_ERRORS},
    url_name="referrals_request_send",
    summary="Send a drafted request (the gate decides what travels)",
)
def request_send(request: HttpRequest, public_id: PublicId, payload: SendIn) -> Any:
    return _step(request, public_id, "sender", requests.request_send, payload)


@router.post(
    "/{uuid:public_id}/request/acknowledge",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={200: RequestOut, **_ERRORS},
    url_name="referrals_request_acknowledge",
    summary="Acknowledge a request received",
)
def request_acknowledge(request: HttpRequest, public_id: PublicId, payload: VersionIn) -> Any:
    return _step(request, public_id, "receiver", requests.request_acknowledge, payload)


@router.post(
    "/{uuid:public_id}/request/answer",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={200: RequestOut, **_ERRORS},
    url_name="referrals_request_answer",
    summary="Answer a request received",
)
def request_answer(request: HttpRequest, public_id: PublicId, payload: AnswerIn) -> Any:
    return _step(request, public_id, "receiver", requests.request_answer, payload)


@router.post(
    "/{uuid:public_id}/request/decline",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={200: RequestOut, **_ERRORS},
    url_name="referrals_request_decline",
    summary="Decline a request received, with the reason",
)
def request_decline(request: HttpRequest, public_id: PublicId, payload: ReasonIn) -> Any:
    return _step(request, public_id, "receiver", requests.request_decline, payload)


@router.post(
    "/{uuid:public_id}/forward",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={201: RequestOut, **_ERRORS},
    url_name="referrals_forward",
    summary="Forward what reached the focal point to the competent body; returns the new one",
)
def referral_forward(request: HttpRequest, public_id: PublicId, payload: ForwardIn) -> Any:
    actor = acting(request)
    referral = access_referral(actor, str(public_id))
    if not is_receiver(actor, referral):
        raise PermissionDenied
    to = get_object_or_404(
        Organisation.objects.select_related("country"), pk=payload.to_organisation_id
    )
    forward = forwarding.referral_forward(
        actor=actor,
        referral=referral,
        expected_version=payload.version,
        to=to,
        note=payload.note,
    )
    return Status(201, _request_out(actor, forward))


# --- settings ---------------------------------------------------------------------------------


@router.get(
    "/settings/time-limits",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: list[TimeLimitOut], **_ERRORS},
    url_name="referrals_time_limits",
    summary="The time limits of the coordinator's country, per kind",
)
def time_limits(request: HttpRequest) -> Any:
    country = settings_service.settings_country(acting(request))
    return timelines.all_limits(country.code)


@router.put(
    "/settings/time-limits/{kind}",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: TimeLimitOut, **_ERRORS},
    url_name="referrals_time_limit_set",
    summary="Set the time limits of one kind in the coordinator's country",
)
def time_limit_set(request: HttpRequest, kind: str, payload: TimeLimitIn) -> Any:
    actor = acting(request)
    country = settings_service.settings_country(actor)
    if kind not in ReferralKind.values:
        raise Http404
    settings_service.time_limit_set(actor=actor, country=country, kind=kind, **payload.dict())
    return timelines.limits_for(country.code, kind)


def _calendar_out(country_code: str, record: Any) -> CalendarOut:
    view = timelines.calendar_from(record)
    return CalendarOut(
        country=country_code,
        version=record.version if record else 0,
        weekend_days=sorted(view.weekend_days),
        holidays=sorted(view.holidays),
        allow_direct_routes=bool(record and record.allow_direct_routes),
    )


@router.get(
    "/settings/calendar",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: CalendarOut, **_ERRORS},
    url_name="referrals_calendar",
    summary="The working calendar and direct-route setting of the coordinator's country",
)
def calendar(request: HttpRequest) -> Any:
    country = settings_service.settings_country(acting(request))
    return _calendar_out(country.code, settings_service.calendar_of(country))


@router.put(
    "/settings/calendar",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: CalendarOut, **_ERRORS},
    url_name="referrals_calendar_set",
    summary="Set the weekend days, public holidays and direct routes",
)
def calendar_set(request: HttpRequest, payload: CalendarIn) -> Any:
    actor = acting(request)
    country = settings_service.settings_country(actor)
    record = settings_service.calendar_update(
        actor=actor,
        country=country,
        expected_version=payload.version,
        weekend_days=payload.weekend_days,
        holidays=payload.holidays,
        allow_direct_routes=payload.allow_direct_routes,
    )
    return _calendar_out(country.code, record)


# --- exports ----------------------------------------------------------------------------------


def _sender_referral(request: HttpRequest, public_id: PublicId) -> tuple[Actor, Referral]:
    actor = acting(request)
    referral = access_referral(actor, str(public_id))
    if not is_sender(actor, referral):
        raise PermissionDenied
    return actor, referral


@router.get(
    "/{uuid:public_id}/exports",
    auth=member_auth(Action.REFERRAL_SEND),
    response={200: ExportsOut, **_ERRORS},
    url_name="referrals_exports",
    summary="The exports of a referral (their SHA-256) and how they were sent; the files "
    "are downloaded through the screens",
)
def exports(request: HttpRequest, public_id: PublicId) -> Any:
    actor, referral = _sender_referral(request, public_id)
    return {
        "exportable": can(actor, Action.REFERRAL_EXPORT, referral),
        "delivery": referral.delivery,
        "exports": export_service.exports_of(referral),
        "dispatches": list(referral.dispatches.all()),
    }


@router.post(
    "/{uuid:public_id}/dispatches",
    auth=member_auth(Action.REFERRAL_SEND),
    response={201: DispatchOut, **_ERRORS},
    url_name="referrals_dispatch_record",
    summary="Record how and when the latest exported files were sent",
)
def dispatch_record(request: HttpRequest, public_id: PublicId, payload: DispatchIn) -> Any:
    actor, referral = _sender_referral(request, public_id)
    dispatch = export_service.dispatch_record(
        actor=actor,
        referral=referral,
        expected_version=payload.version,
        channel=payload.channel,
        sent_on=payload.sent_on,
        note=payload.note,
    )
    return Status(201, dispatch)
