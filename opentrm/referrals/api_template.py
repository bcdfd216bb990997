"""Referrals API: the transnational referral and its template (issue 4 §3, §5, §6). The same
services as the screens: the gate decides which fields a receiver gets, owner sides decide who
writes which field."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor
from opentrm.cases.access import access_case
from opentrm.cases.models import Case
from opentrm.core.api import Routes
from opentrm.core.schemas import PublicId, error_responses
from opentrm.referrals import schemas_template as schemas
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.services import documents, profiles
from opentrm.referrals.services import transnational as tn

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
_route = Routes(router, _ERRORS, url_prefix="referrals_")
_case_settings_edit_route = _route.having(auth=member_auth(Action.CASE_SETTINGS_EDIT))
_referral_respond_route = _route.having(auth=member_auth(Action.REFERRAL_RESPOND))
_referral_send_route = _route.having(auth=member_auth(Action.REFERRAL_SEND))


def _referral(actor: Actor, public_id: PublicId) -> Referral:
    referral = access_referral(actor, public_id)
    if referral.kind != ReferralKind.TRANSNATIONAL:
        from django.http import Http404

        raise Http404
    return referral


def _out(
    actor: Actor, referral: Referral, view: tn.TemplateView | None = None
) -> schemas.TemplateOut:
    view = view or tn.template_view(actor, referral)
    if view is None:
        from django.http import Http404

        raise Http404
    instance = view.instance
    own = tn.own_definition(actor)
    return schemas.TemplateOut(
        referral=referral.public_id,
        reference=referral.reference,
        status=referral.status,
        version=referral.version,
        template_row_version=instance.version,
        template_version=instance.template_version,
        profile_country=instance.profile_country,
        profile_version=instance.profile_version,
        side=view.side,
        sender_language=instance.sender_language,
        receiver_language=instance.receiver_language,
        values=view.visible_values(),
        withheld=view.withheld_codes(),
        editable=[c.field.code for s in view.sections for c in s.cells if c.editable],
        unknown_fields=[
            schemas.FieldDefOut(**f.as_dict())
            for f in view.definition.fields
            if own.field(f.code) is None
        ],
        sections=[
            schemas.SectionOut(
                code=s.section.code,
                heading=s.section.heading,
                filled=s.filled,
                total=s.total,
                withheld=s.withheld,
                missing_fields=[f.code for f in s.missing],
            )
            for s in view.sections
        ],
    )


@_referral_send_route("POST", "/transnational", schemas.TemplateOut, status=201)
def transnational_create(request: HttpRequest, payload: schemas.TransnationalIn) -> Any:
    """Draft a transnational referral of a case, its template pre-filled"""
    actor = acting(request)
    case: Case = access_case(actor, str(payload.case))
    referral = tn.transnational_create(
        actor=actor,
        case=case,
        country_code=payload.country,
        urgency=payload.urgency,
        reason=payload.reason,
    )
    return Status(201, _out(actor, referral))


@_case_settings_edit_route(
    "GET",
    "/template/profile",
    schemas.ProfileOut,
    "referrals_template_profile",
)
def profile_get(request: HttpRequest) -> Any:
    """The acting organisation's country template profile"""
    actor = acting(request)
    return _profile_out(actor)


def _profile_out(actor: Actor) -> schemas.ProfileOut:
    assert actor.membership is not None
    country = actor.membership.organisation.country
    profile = profiles.profile_of(country.pk)
    definition = profiles.definition_for(profile)
    return schemas.ProfileOut(
        country=country.code,
        version=profile.version if profile else 0,
        added_fields=[schemas.FieldDefOut(**f.as_dict()) for f in definition.fields if f.added],
        disabled_fields=list(profile.disabled_fields) if profile else [],
    )


@_case_settings_edit_route(
    "PUT",
    "/template/profile",
    schemas.ProfileOut,
    "referrals_template_profile_change",
)
def profile_put(request: HttpRequest, payload: schemas.ProfileIn) -> Any:
    """Change the country's template profile: add, disable, enable or remove a field"""
    actor = acting(request)
    if payload.op == "add":
        profiles.profile_add_field(
            actor=actor, expected_version=payload.version, values=payload.dict()
        )
    else:
        change = {
            "disable": profiles.profile_disable_field,
            "enable": profiles.profile_enable_field,
            "remove": profiles.profile_remove_added_field,
        }.get(payload.op)
        if change is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"op": "add, disable, enable or remove"})
        change(actor=actor, expected_version=payload.version, code=payload.code)
    return _profile_out(actor)


@_route("GET", "/{public_id}/template", schemas.TemplateOut)
def template_get(request: HttpRequest, public_id: PublicId) -> Any:
    """The template as the acting organisation may see it (withheld fields listed)"""
    actor = acting(request)
    referral = _referral(actor, public_id)
    return _out(actor, referral, selectors.template_read(actor=actor, referral=referral, via="api"))


def _changed(
    request: HttpRequest,
    public_id: PublicId,
    change: Callable[..., object],
    payload: schemas.TemplateIn | schemas.VersionIn | schemas.StepIn,
    **values: Any,
) -> schemas.TemplateOut:
    """``change`` the template referral with what the payload carries besides the version; the
    answer is the template as it is then (of the referral ``change`` returns, if it does)."""
    actor = acting(request)
    referral = _referral(actor, public_id)
    sent = payload.model_dump(exclude={"version"})
    result = change(
        actor=actor, referral=referral, expected_version=payload.version, **sent, **values
    )
    return _out(actor, result if isinstance(result, Referral) else referral)


@_route("PUT", "/{public_id}/template", schemas.TemplateOut)
def template_put(request: HttpRequest, public_id: PublicId, payload: schemas.TemplateIn) -> Any:
    """Write fields of the template (only those the acting side owns)"""
    return _changed(request, public_id, tn.template_update, payload)


@_referral_send_route("POST", "/{public_id}/template/send", schemas.TemplateOut)
def template_send(request: HttpRequest, public_id: PublicId, payload: schemas.VersionIn) -> Any:
    """Send the draft: only the field groups consent and agreement allow"""
    return _changed(request, public_id, tn.transnational_send, payload)


@_route("POST", "/{public_id}/template/steps/{step}", schemas.TemplateOut)
def template_step(
    request: HttpRequest, public_id: PublicId, step: str, payload: schemas.StepIn
) -> Any:
    """A step: acknowledge, accept, decline, return_arranged, arrival_confirmed, close"""
    return _changed(request, public_id, tn.transnational_step, payload, step=step)


@_referral_respond_route(
    "POST", "/{public_id}/template/follow-ups", schemas.FollowUpOut, status=201
)
def template_follow_up(
    request: HttpRequest, public_id: PublicId, payload: schemas.FollowUpIn
) -> Any:
    """A follow-up report from the receiving side (template sections 6 and 7)"""
    actor = acting(request)
    referral = _referral(actor, public_id)
    report = tn.follow_up_add(actor=actor, referral=referral, **payload.model_dump())
    return Status(
        201,
        schemas.FollowUpOut(
            id=report.pk, reported_on=report.reported_on, fields=sorted(report.data["values"])
        ),
    )


@_route("GET", "/{public_id}/template/pdf", None)
def template_pdf(request: HttpRequest, public_id: PublicId) -> Any:
    """The bilingual PDF of the template (audited as an export)"""
    actor = acting(request)
    referral = _referral(actor, public_id)
    content = documents.referral_pdf(actor=actor, referral=referral)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
