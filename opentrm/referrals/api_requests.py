"""Referrals API: transnational requests, forwarding, the country's time limits and calendar,
and the metadata of exports (issue 4 §4, §7-§9).

The same services as the screens. The exported files themselves are downloaded through the
screens only (a password typed into a form); the API lists the exports (their hashes) and
records dispatches. 404 for a referral not the caller's, 403 for the wrong side or role, 409
on a stale version, 422 naming the field.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.access import access_case
from opentrm.core.api import Routes, payload_view, versioned_step
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, own_fields
from opentrm.directory.models import Organisation
from opentrm.referrals import schemas_requests as schemas
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral, is_receiver, is_sender
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.services import export as export_service
from opentrm.referrals.services import forwarding, requests, timelines
from opentrm.referrals.services import settings as settings_service

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="referrals_")
_case_settings_edit_route = _route.having(auth=member_auth(Action.CASE_SETTINGS_EDIT))
_referral_respond_route = _route.having(auth=member_auth(Action.REFERRAL_RESPOND))
_referral_send_route = _route.having(auth=member_auth(Action.REFERRAL_SEND))


# RequestOut's fields that depend on who asks.
_WORKED_OUT = frozenset(
    {
        "forwarded_from",
        "overdue",
        "shared_groups",
        "withheld_groups",
        "data",
        "escalated_from",
        "escalations",
    }
)


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
        **own_fields(schemas.RequestOut, referral, besides=_WORKED_OUT),
        "forwarded_from": referral.forwarded_from.reference if referral.forwarded_from else None,
        "escalated_from": referral.escalated_from.reference if referral.escalated_from else None,
        "escalations": [formal.reference for formal in referral.escalations.order_by("pk")],
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
    payload: schemas.VersionIn,
) -> dict[str, Any]:
    """Take ``step`` on the request from ``side``, with what the payload carries besides the
    version; the answer is the request as it is then."""
    actor, referral = _request(request, public_id, side)
    versioned_step(step, payload, actor=actor, referral=referral)
    return _request_out(actor, referral)


@_referral_send_route("POST", "/requests/", schemas.RequestOut, status=201)
def request_create(request: HttpRequest, payload: schemas.RequestIn) -> Any:
    """Draft a transnational request (from a case, or thematic without one)"""
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
        formality=payload.formality,
        legal_basis=payload.legal_basis,
        channel=payload.channel,
    )
    return Status(201, _request_out(actor, referral))


@_route("GET", "/{uuid:public_id}/request", schemas.RequestOut)
def request_detail(request: HttpRequest, public_id: PublicId) -> Any:
    """A request, with the person's fields the caller may see (audited)"""
    actor, referral = _request(request, public_id, "any")
    return _request_out(actor, referral)


# The steps, which differ only in data: (name, who may, side, service, payload).
_STEPS = (
    ("send", Action.REFERRAL_SEND, "sender", requests.request_send, schemas.SendIn),
    (
        "acknowledge",
        Action.REFERRAL_RESPOND,
        "receiver",
        requests.request_acknowledge,
        schemas.VersionIn,
    ),
    ("answer", Action.REFERRAL_RESPOND, "receiver", requests.request_answer, schemas.AnswerIn),
    ("decline", Action.REFERRAL_RESPOND, "receiver", requests.request_decline, schemas.ReasonIn),
)
_STEP_SUMMARIES = {
    "send": "Send a drafted request (the gate decides what travels)",
    "acknowledge": "Acknowledge a request received",
    "answer": "Answer a request received",
    "decline": "Decline a request received, with the reason",
}
for _tail, _action, _side, _take, _schema in _STEPS:
    _route(
        "POST",
        f"/{{uuid:public_id}}/request/{_tail}",
        schemas.RequestOut,
        f"referrals_request_{_tail}",
        auth=member_auth(_action),
    )(
        payload_view(
            f"request_{_tail}",
            _STEP_SUMMARIES[_tail],
            partial(_step, side=_side, step=_take),
            module=__name__,
            public_id=PublicId,
            payload=_schema,
        )
    )


@_referral_respond_route(
    "POST",
    "/{uuid:public_id}/forward",
    schemas.RequestOut,
    "referrals_forward",
    status=201,
)
def referral_forward(request: HttpRequest, public_id: PublicId, payload: schemas.ForwardIn) -> Any:
    """Forward what reached the focal point to the competent body; returns the new one"""
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


@_case_settings_edit_route("GET", "/settings/time-limits", list[schemas.TimeLimitOut])
def time_limits(request: HttpRequest) -> Any:
    """The time limits of the coordinator's country, per kind"""
    country = settings_service.settings_country(acting(request))
    return timelines.all_limits(country.code)


@_case_settings_edit_route("PUT", "/settings/time-limits/{kind}", schemas.TimeLimitOut)
def time_limit_set(request: HttpRequest, kind: str, payload: schemas.TimeLimitIn) -> Any:
    """Set the time limits of one kind in the coordinator's country"""
    actor = acting(request)
    country = settings_service.settings_country(actor)
    if kind not in ReferralKind.values:
        raise Http404
    settings_service.time_limit_set(actor=actor, country=country, kind=kind, **payload.dict())
    return timelines.limits_for(country.code, kind)


def _calendar_out(country_code: str, record: Any) -> schemas.CalendarOut:
    view = timelines.calendar_from(record)
    return schemas.CalendarOut(
        country=country_code,
        version=record.version if record else 0,
        weekend_days=sorted(view.weekend_days),
        holidays=sorted(view.holidays),
        allow_direct_routes=bool(record and record.allow_direct_routes),
    )


@_case_settings_edit_route("GET", "/settings/calendar", schemas.CalendarOut)
def calendar(request: HttpRequest) -> Any:
    """The working calendar and direct-route setting of the coordinator's country"""
    country = settings_service.settings_country(acting(request))
    return _calendar_out(country.code, settings_service.calendar_of(country))


@_case_settings_edit_route("PUT", "/settings/calendar", schemas.CalendarOut)
def calendar_set(request: HttpRequest, payload: schemas.CalendarIn) -> Any:
    """Set the weekend days, public holidays and direct routes"""
    actor = acting(request)
    country = settings_service.settings_country(actor)
    values = payload.model_dump(exclude={"version"})
    record = settings_service.calendar_update(
        actor=actor, country=country, expected_version=payload.version, **values
    )
    return _calendar_out(country.code, record)


# --- exports ----------------------------------------------------------------------------------


def _sender_referral(request: HttpRequest, public_id: PublicId) -> tuple[Actor, Referral]:
    actor = acting(request)
    referral = access_referral(actor, str(public_id))
    if not is_sender(actor, referral):
        raise PermissionDenied
    return actor, referral


@_referral_send_route("GET", "/{uuid:public_id}/exports", schemas.ExportsOut)
def exports(request: HttpRequest, public_id: PublicId) -> Any:
    """The exports of a referral (their SHA-256) and how they were sent; the files are downloaded
    through the screens"""
    actor, referral = _sender_referral(request, public_id)
    return {
        "exportable": can(actor, Action.REFERRAL_EXPORT, referral),
        "delivery": referral.delivery,
        "exports": export_service.exports_of(referral),
        "dispatches": list(referral.dispatches.all()),
    }


@_referral_send_route("POST", "/{uuid:public_id}/dispatches", schemas.DispatchOut, status=201)
def dispatch_record(request: HttpRequest, public_id: PublicId, payload: schemas.DispatchIn) -> Any:
    """Record how and when the latest exported files were sent"""
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
