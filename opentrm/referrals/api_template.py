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
from opentrm.core.schemas import PublicId, error_responses
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.schemas_template import (
    FieldDefOut,
    FollowUpIn,
    FollowUpOut,
    ProfileIn,
    ProfileOut,
    SectionOut,
    StepIn,
    TemplateIn,
    TemplateOut,
    TransnationalIn,
    VersionIn,
)
from opentrm.referrals.services import documents, profiles
from opentrm.referrals.services import transnational as tn

router = Router(tags=["referrals"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _referral(actor: Actor, public_id: PublicId) -> Referral:
    referral = access_referral(actor, public_id)
    if referral.kind != ReferralKind.TRANSNATIONAL:
        from django.http import Http404

        raise Http404
    return referral


def _out(actor: Actor, referral: Referral, view: tn.TemplateView | None = None) -> TemplateOut:
    view = view or tn.template_view(actor, referral)
    if view is None:
        from django.http import Http404

        raise Http404
    instance = view.instance
    own = tn.own_definition(actor)
    return TemplateOut(
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
            FieldDefOut(**f.as_dict()) for f in view.definition.fields if own.field(f.code) is None
        ],
        sections=[
            SectionOut(
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


@router.post(
    "/transnational",
    auth=member_auth(Action.REFERRAL_SEND),
    response={201: TemplateOut, **_ERRORS},
    url_name="referrals_transnational_create",
    summary="Draft a transnational referral of a case, its template pre-filled",
)
def transnational_create(request: HttpRequest, payload: TransnationalIn) -> Any:
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


@router.get(
    "/template/profile",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: ProfileOut, **_ERRORS},
    url_name="referrals_template_profile",
    summary="The acting organisation's country template profile",
)
def profile_get(request: HttpRequest) -> Any:
    actor = acting(request)
    return _profile_out(actor)


def _profile_out(actor: Actor) -> ProfileOut:
    assert actor.membership is not None
    country = actor.membership.organisation.country
    profile = profiles.profile_of(country.pk)
    definition = profiles.definition_for(profile)
    return ProfileOut(
        country=country.code,
        version=profile.version if profile else 0,
        added_fields=[FieldDefOut(**f.as_dict()) for f in definition.fields if f.added],
        disabled_fields=list(profile.disabled_fields) if profile else [],
    )


@router.put(
    "/template/profile",
    auth=member_auth(Action.CASE_SETTINGS_EDIT),
    response={200: ProfileOut, **_ERRORS},
    url_name="referrals_template_profile_change",
    summary="Change the country's template profile: add, disable, enable or remove a field",
)
def profile_put(request: HttpRequest, payload: ProfileIn) -> Any:
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


@router.get(
    "/{public_id}/template",
    response={200: TemplateOut, **_ERRORS},
    url_name="referrals_template_get",
    summary="The template as the acting organisation may see it (withheld fields listed)",
)
def template_get(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    referral = _referral(actor, public_id)
    return _out(actor, referral, selectors.template_read(actor=actor, referral=referral, via="api"))


def _changed(
    request: HttpRequest,
    public_id: PublicId,
    change: Callable[..., object],
    payload: TemplateIn | VersionIn | StepIn,
    **values: Any,
) -> TemplateOut:
    """``change`` the template referral with what the payload carries besides the version; the
    answer is the template as it is then (of the referral ``change`` returns, if it does)."""
    actor = acting(request)
    referral = _referral(actor, public_id)
    sent = payload.model_dump(exclude={"version"})
    result = change(
        actor=actor, referral=referral, expected_version=payload.version, **sent, **values
    )
    return _out(actor, result if isinstance(result, Referral) else referral)


@router.put(
    "/{public_id}/template",
    response={200: TemplateOut, **_ERRORS},
    url_name="referrals_template_put",
    summary="Write fields of the template (only those the acting side owns)",
)
def template_put(request: HttpRequest, public_id: PublicId, payload: TemplateIn) -> Any:
    return _changed(request, public_id, tn.template_update, payload)


@router.post(
    "/{public_id}/template/send",
    auth=member_auth(Action.REFERRAL_SEND),
    response={200: TemplateOut, **_ERRORS},
    url_name="referrals_template_send",
    summary="Send the draft: only the field groups consent and agreement allow",
)
def template_send(request: HttpRequest, public_id: PublicId, payload: VersionIn) -> Any:
    return _changed(request, public_id, tn.transnational_send, payload)


@router.post(
    "/{public_id}/template/steps/{step}",
    response={200: TemplateOut, **_ERRORS},
    url_name="referrals_template_step",
    summary="A step: acknowledge, accept, decline, return_arranged, arrival_confirmed, close",
)
def template_step(request: HttpRequest, public_id: PublicId, step: str, payload: StepIn) -> Any:
    return _changed(request, public_id, tn.transnational_step, payload, step=step)


@router.post(
    "/{public_id}/template/follow-ups",
    auth=member_auth(Action.REFERRAL_RESPOND),
    response={201: FollowUpOut, **_ERRORS},
    url_name="referrals_template_follow_up",
    summary="A follow-up report from the receiving side (template sections 6 and 7)",
)
def template_follow_up(request: HttpRequest, public_id: PublicId, payload: FollowUpIn) -> Any:
    actor = acting(request)
    referral = _referral(actor, public_id)
    report = tn.follow_up_add(
        actor=actor,
        referral=referral,
        reported_on=payload.reported_on,
        values=payload.values,
        summary=payload.summary,
        lang=payload.lang,
    )
    return Status(
        201,
        FollowUpOut(
            id=report.pk, reported_on=report.reported_on, fields=sorted(report.data["values"])
        ),
    )


@router.get(
    "/{public_id}/template/pdf",
    response={200: None, **_ERRORS},
    url_name="referrals_template_pdf",
    summary="The bilingual PDF of the template (audited as an export)",
)
def template_pdf(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    referral = _referral(actor, public_id)
    content = documents.referral_pdf(actor=actor, referral=referral)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{referral.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
