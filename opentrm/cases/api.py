"""Cases API: the same services and selectors as the case screens."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.params.functions import Query as QueryParam

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import selectors, services, states
from opentrm.cases.access import access_case, access_consent, require_widening
from opentrm.cases.models import Case, ConsentRecord
from opentrm.cases.schemas import (
    CaseIn,
    CaseOut,
    CasePageOut,
    ConsentIn,
    ConsentOut,
    ContactOut,
    IdentityOut,
    NameOut,
)
from opentrm.cases.sharing import prime_sharing
from opentrm.core.schemas import MAX_PAGE, PublicId
from opentrm.directory.models import Organisation
from opentrm.directory.schemas import CASE_WORK_ERRORS

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS


def _case_out(view: selectors.CaseView) -> CaseOut:
    case, person = view.case, view.case.person
    identity = None
    if FieldGroup.IDENTITY in view.groups:
        identity = IdentityOut(
            names=[
                NameOut(value=n.value, kind=n.kind, script=n.script) for n in person.names.all()
            ],
            sex=person.sex,
            date_of_birth=person.date_of_birth,
            age_band=person.age_band,
            age_disputed=person.age_disputed,
            citizenships=[c.country_code for c in person.citizenships.all()],
            languages=[language.code for language in person.languages.all()],
        )
    contact = None
    if FieldGroup.CONTACT in view.groups:
        contact = ContactOut(address=person.address, residence_country=person.residence_country)
    return CaseOut(
        public_id=case.public_id,
        number=case.number,
        opened_on=case.opened_on,
        owner_organisation_id=case.owner_organisation_id,
        identification_status=case.identification_status,
        assistance_status=case.assistance_status,
        witness_status=case.witness_status,
        return_status=case.return_status,
        is_child=view.is_child,
        version=case.version,
        visible_groups=sorted(view.groups),
        identity=identity,
        contact=contact,
    )


PAGE_SIZE = 50


@router.get(
    "/",
    response={200: CasePageOut, **_ERRORS},
    url_name="cases_list",
    summary="Cases the acting organisation takes part in, newest first, 50 a page",
)
def case_list(
    request: HttpRequest, page: int = QueryParam(1, ge=1, le=MAX_PAGE), mine: bool = False
) -> Any:
    actor = acting(request)
    cases = selectors.case_list(actor=actor, mine_only=mine).prefetch_related(
        "person__citizenships", "person__languages"
    )
    start = (page - 1) * PAGE_SIZE
    served = list(cases[start : start + PAGE_SIZE])
    prime_sharing(actor, served)  # what is shared of cases owned elsewhere, for every row
    record_event(
        event_type=EventType.CASE_LISTED,
        actor=actor,
        detail={"count": len(served), "case_ids": [case.pk for case in served], "via": "api"},
    )
    return CasePageOut(
        count=cases.count(),
        page=page,
        items=[_case_out(selectors.case_view(actor=actor, case=case)) for case in served],
    )


@router.post(
    "/",
    auth=member_auth(Action.CASE_REGISTER),
    response={201: CaseOut, 200: CaseOut, **_ERRORS},
    url_name="cases_register",
    summary="Register a presumed victim (idempotent with a client-generated public_id)",
)
def case_register(request: HttpRequest, payload: CaseIn) -> Any:
    actor = acting(request)
    existed = (
        payload.public_id is not None and Case.objects.filter(public_id=payload.public_id).exists()
    )
    case = services.case_register(
        actor=actor,
        public_id=payload.public_id,
        names=[
            services.NameData(value=n.value, kind=n.kind, script=n.script) for n in payload.names
        ],
        sex=payload.sex,
        age_band=payload.age_band,
        date_of_birth=payload.date_of_birth,
        languages=payload.languages,
        citizenships=payload.citizenships,
        at_risk_only=payload.at_risk_only,
    )
    view = selectors.case_view(actor=actor, case=access_case(actor, str(case.public_id)))
    return Status(200 if existed else 201, _case_out(view))


@router.get(
    "/{public_id}",
    response={200: CaseOut, **_ERRORS},
    url_name="cases_detail",
    summary="One case, with the field groups the caller may see of it",
)
def case_detail(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    view = selectors.case_view(
        actor=actor, case=case, is_child=states.is_child_case(case, timezone.localdate())
    )
    record_event(
        event_type=EventType.CASE_VIEWED,
        actor=actor,
        target=case,
        detail={"groups": sorted(view.groups), "via": "api"},
    )
    return _case_out(view)


def _consent_out(consent: ConsentRecord, *, counted: bool) -> ConsentOut:
    return ConsentOut(
        id=consent.pk,
        purpose=consent.purpose,
        decision=consent.decision,
        decided_on=consent.decided_on,
        expires_on=consent.expires_on,
        recipient_organisation_id=consent.recipient_organisation_id,
        recipient_country=consent.recipient_country,
        withdrawn_at=consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
        in_force=counted and selectors.decision_in_force(consent, timezone.localdate()),
        recorded_for_organisation_id=consent.taken_for_id,
        recorded_by_user_id=consent.taken_by_id,
        withdrawn_for_organisation_id=consent.withdrawn_for_id,
        supersedes_id=consent.supersedes_id,
    )


def _counts(consent: ConsentRecord) -> bool:
    return selectors.counted_consents().filter(pk=consent.pk).exists()


@router.get(
    "/{public_id}/consents",
    response={200: list[ConsentOut], **_ERRORS},
    url_name="cases_consents",
    summary="The case's consent register",
)
def consent_list(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    record_event(
        event_type=EventType.CASE_VIEWED,
        actor=actor,
        target=case,
        detail={"view": "consents", "via": "api"},
    )
    counted = set(selectors.counted_consents().filter(case=case).values_list("pk", flat=True))
    return [_consent_out(consent, counted=consent.pk in counted) for consent in case.consents.all()]


@router.post(
    "/{public_id}/consents",
    auth=member_auth(Action.CONSENT_RECORD),
    response={201: ConsentOut, **_ERRORS},
    url_name="cases_consent_record",
    summary="Record a consent decision",
)
def consent_record(request: HttpRequest, public_id: PublicId, payload: ConsentIn) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    require_widening(can(actor, Action.CONSENT_RECORD, case), actor, case, action="consent.record")
    supersedes = None
    if payload.supersedes_id is not None:
        supersedes = ConsentRecord.objects.filter(pk=payload.supersedes_id, case=case).first()
        if supersedes is None:
            raise ValidationError(
                {"supersedes_id": _("There is no consent record with this id on the case.")}
            )
    recipient = None
    if payload.recipient_organisation_id is not None:
        recipient = Organisation.objects.filter(
            pk=payload.recipient_organisation_id, is_active=True
        ).first()
        if recipient is None:
            raise ValidationError(
                {"recipient_organisation_id": _("There is no active organisation with this id.")}
            )
    consent = services.consent_record(
        actor=actor,
        case=case,
        purpose=payload.purpose,
        decision=payload.decision,
        decided_on=payload.decided_on,
        explained_in=payload.explained_in,
        information_given=payload.information_given,
        recipient_organisation=recipient,
        recipient_country=payload.recipient_country.upper(),
        expires_on=payload.expires_on,
        interpreter=payload.interpreter,
        supersedes=supersedes,
    )
    return Status(201, _consent_out(consent, counted=_counts(consent)))


@router.post(
    "/{public_id}/consents/{consent_id}/withdraw",
    auth=member_auth(Action.CONSENT_RECORD),
    response={200: ConsentOut, **_ERRORS},
    url_name="cases_consent_withdraw",
    summary="The person withdraws a consent: it stops counting at once",
)
def consent_withdraw(request: HttpRequest, public_id: PublicId, consent_id: int) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    consent = access_consent(actor, case, consent_id)
    consent = services.consent_withdraw(actor=actor, consent=consent)
    return _consent_out(consent, counted=_counts(consent))
