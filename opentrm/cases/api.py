"""Cases API: the same services and selectors as the case screens."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.params.functions import Query as QueryParam

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, can
from opentrm.cases import schemas, selectors, services
from opentrm.cases.access import access_case, may_search_names, require_widening
from opentrm.cases.forms_search import CaseSearchForm
from opentrm.cases.lookups import access_consent
from opentrm.cases.models import Case, ConsentRecord
from opentrm.cases.sharing import prime_sharing
from opentrm.core.api import Routes
from opentrm.core.pagination import ProbePaginator, capped_count
from opentrm.core.schemas import CASE_WORK_ERRORS, MAX_PAGE, PublicId
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="cases_")
_case_register_route = _route.having(auth=member_auth(Action.CASE_REGISTER))
_consent_record_route = _route.having(auth=member_auth(Action.CONSENT_RECORD))


PAGE_SIZE = 50


def _organisation(organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    found = Organisation.objects.filter(pk=organisation_id, is_active=True).first()
    if found is None:
        raise ValidationError(
            {"referrer_organisation_id": _("There is no active organisation with this id.")}
        )
    return found


@_route("GET", "/", schemas.CasePageOut, "cases_list")
def case_list(
    request: HttpRequest, page: int = QueryParam(1, ge=1, le=MAX_PAGE), mine: bool = False
) -> Any:
    """Cases the acting organisation takes part in, newest first, 50 a page"""
    actor = acting(request)
    cases = selectors.case_list(actor=actor, mine_only=mine).prefetch_related(
        "person__citizenships", "person__languages"
    )
    # Never counted: one row past the page tells whether there is a next (core.pagination).
    paginator = ProbePaginator(cases, PAGE_SIZE)
    shown = paginator.get_page(page)
    served = list(shown)
    prime_sharing(actor, served)  # what is shared of cases owned elsewhere, for every row
    selectors.cases_listed(actor=actor, cases=served, via="api")
    return {
        "count": paginator.count,
        "count_capped": paginator.capped,
        "page": shown.number,
        "items": [selectors.case_view(actor=actor, case=case) for case in served],
    }


@_route("POST", "/search", schemas.CasePageOut, "cases_search")
def case_search(request: HttpRequest, payload: schemas.CaseSearchIn) -> Any:
    """Find cases: by number, a name or alias, status, identification, child or adult, case
    manager, registration period; sorted; 50 a page. Posted, so no name is in a URL; audited
    as the case list's search is (the name typed is never recorded)"""
    actor = acting(request)
    if payload.name and not may_search_names(actor):
        raise ValidationError({"name": _("Your role does not search cases by name.")})
    form = CaseSearchForm(
        {key: "" if value is None else value for key, value in payload.dict().items()},
        actor=actor,
    )
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    search = form.search()
    cases = selectors.case_list(actor=actor, mine_only=payload.mine, search=search)
    cases = cases.prefetch_related("person__citizenships", "person__languages")
    start = (payload.page - 1) * PAGE_SIZE
    served = list(cases[start : start + PAGE_SIZE])
    prime_sharing(actor, served)
    selectors.cases_listed(actor=actor, cases=served, via="api", search=search.audit_detail())
    count, capped = capped_count(cases, offset=start)
    return {
        "count": count,
        "count_capped": capped,
        "page": payload.page,
        "items": [selectors.case_view(actor=actor, case=case) for case in served],
    }


@_case_register_route(
    "POST",
    "/",
    schemas.CaseOut,
    "cases_register",
    status=201,
    also={200: schemas.CaseOut},
)
def case_register(request: HttpRequest, payload: schemas.CaseIn) -> Any:
    """Register a presumed victim (idempotent with a client-generated public_id)"""
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
        notification=services.Notification(
            referrer_type=payload.referrer_type,
            referrer_organisation=_organisation(payload.referrer_organisation_id),
            channel=payload.referral_channel,
            notified_at=payload.notified_at,
        ),
    )
    view = selectors.case_view(actor=actor, case=access_case(actor, str(case.public_id)))
    return Status(200 if existed else 201, view)


@_route("GET", "/{public_id}", schemas.CaseOut, "cases_detail")
def case_detail(request: HttpRequest, public_id: PublicId) -> Any:
    """One case, with the field groups the caller may see of it"""
    actor = acting(request)
    case = access_case(actor, public_id)
    return selectors.case_detail(actor=actor, case=case, via="api")


@_route("GET", "/{public_id}/consents", list[schemas.ConsentOut], "cases_consents")
def consent_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The case's consent register"""
    actor = acting(request)
    case = access_case(actor, public_id)
    return selectors.consent_register(actor=actor, case=case, via="api")


@_consent_record_route("POST", "/{public_id}/consents", schemas.ConsentOut, status=201)
def consent_record(request: HttpRequest, public_id: PublicId, payload: schemas.ConsentIn) -> Any:
    """Record a consent decision"""
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
    return Status(201, consent)


@_consent_record_route("POST", "/{public_id}/consents/{consent_id}/withdraw", schemas.ConsentOut)
def consent_withdraw(request: HttpRequest, public_id: PublicId, consent_id: int) -> Any:
    """The person withdraws a consent: it stops counting at once"""
    actor = acting(request)
    case = access_case(actor, public_id)
    consent = access_consent(actor, case, consent_id)
    return services.consent_withdraw(actor=actor, consent=consent)
