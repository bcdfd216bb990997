"""Cases API: the case's own data (countries, exploitation, references), the assistance and
witness status, closure and reopening, the information given to the person (issue 14 A).

The same services as the screens: 403 without the field group or the right, 404 for cases of
organisations not taking part, 409 on a stale version, 422 naming the field."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import schemas_casedata as schemas
from opentrm.cases import selectors, services
from opentrm.cases.access import access_case, visible_groups
from opentrm.cases.models import Case, CaseClosure, InformationGiven
from opentrm.cases.services.case_data import Exploitation, case_countries
from opentrm.cases.services.closure import case_closures
from opentrm.cases.services.statuses import ASSISTANCE, WITNESS, status_history
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_route = Routes(router, CASE_WORK_ERRORS, url_prefix="cases_")

_G = FieldGroup
_STATUS = {
    "assistance": (ASSISTANCE, _G.ASSISTANCE, Action.ASSISTANCE_EDIT),
    "witness": (WITNESS, _G.PROCEEDINGS, Action.PROCEEDINGS_EDIT),
}


def _case(request: HttpRequest, public_id: PublicId) -> tuple[Actor, Case]:
    actor = acting(request)
    return actor, access_case(actor, public_id)


def _data_out(actor: Actor, case: Case) -> dict[str, Any]:
    groups = visible_groups(actor, case)
    case.refresh_from_db()
    return {
        "version": case.version,
        "countries": case_countries(case) if _G.TRAVEL in groups else None,
        "exploitation": {
            "types": list(case.exploitation_types.all()),
            "began_on": case.exploitation_began_on,
            "ended_on": case.exploitation_ended_on,
            "previously_trafficked": case.previously_trafficked,
        }
        if _G.ASSISTANCE in groups
        else None,
        "references": case if _G.PROCEEDINGS in groups else None,
    }


@_route("GET", "/{public_id}/data", schemas.CaseDataOut)
def case_data(request: HttpRequest, public_id: PublicId) -> Any:
    """Countries by role, exploitation and references (each part null without its group)"""
    actor, case = _case(request, public_id)
    shown = visible_groups(actor, case) & {_G.TRAVEL, _G.ASSISTANCE, _G.PROCEEDINGS}
    selectors.case_read(actor=actor, case=case, via="api", groups=sorted(shown), view="case_data")
    return _data_out(actor, case)


@_route("PUT", "/{public_id}/data", schemas.CaseDataOut)
def case_data_update(request: HttpRequest, public_id: PublicId, payload: schemas.CaseDataIn) -> Any:
    """Change the parts sent (null or left out: unchanged); each needs its field group"""
    actor, case = _case(request, public_id)
    exploitation = None
    if payload.exploitation is not None:
        exploitation = Exploitation(**payload.exploitation.model_dump())
    services.case_data_update(
        actor=actor,
        case=case,
        expected_version=payload.version,
        countries=payload.countries,
        exploitation=exploitation,
        references=payload.references.model_dump() if payload.references else None,
    )
    return _data_out(actor, case)


def _status_out(actor: Actor, case: Case, word: str) -> dict[str, Any]:
    attribute, group, _edit = _STATUS[word]
    shown = group in visible_groups(actor, case)
    return {
        "status": word,
        "value": getattr(case, attribute),
        "overridden": getattr(case, f"{attribute}_overridden"),
        "history": status_history(case, attribute) if shown else None,
    }


@_route("GET", "/{public_id}/statuses", list[schemas.StatusOut])
def case_statuses(request: HttpRequest, public_id: PublicId) -> Any:
    """The assistance and witness status, set by hand or derived, with their history"""
    actor, case = _case(request, public_id)
    return [_status_out(actor, case, word) for word in _STATUS]


def _status_case(request: HttpRequest, public_id: PublicId, word: str) -> tuple[Actor, Case, str]:
    actor, case = _case(request, public_id)
    attribute, _group, edit = _STATUS[word]
    if not can(actor, edit, case):
        raise PermissionDenied
    return actor, case, attribute


@_route("POST", "/{public_id}/statuses/{status}", schemas.StatusOut)
def case_status_override(
    request: HttpRequest,
    public_id: PublicId,
    status: schemas.StatusWord,
    payload: schemas.StatusOverrideIn,
) -> Any:
    """Set the status by hand, with the reason; it is no longer derived"""
    actor, case, attribute = _status_case(request, public_id, status)
    case = services.status_override(actor=actor, case=case, attribute=attribute, **payload.dict())
    return _status_out(actor, case, status)


@_route("POST", "/{public_id}/statuses/{status}/derive", schemas.StatusOut)
def case_status_derive(
    request: HttpRequest, public_id: PublicId, status: schemas.StatusWord
) -> Any:
    """End a status set by hand: it follows what happens on the case again"""
    actor, case, attribute = _status_case(request, public_id, status)
    case = services.status_override_end(actor=actor, case=case, attribute=attribute)
    return _status_out(actor, case, status)


def _closure_out(actor: Actor, case: Case, closure: CaseClosure) -> dict[str, Any]:
    shown = _G.ASSISTANCE in visible_groups(actor, case)
    return {
        "id": closure.pk,
        "closed_at": closure.closed_at,
        "reason": closure.reason,
        "details": closure.details if shown else None,
        "reopened_at": closure.reopened_at,
        "reopen_reason": closure.reopen_reason if shown else None,
    }


def _closure_state(actor: Actor, case: Case) -> dict[str, Any]:
    case.refresh_from_db(fields=["case_status"])
    return {
        "case_status": case.case_status,
        "closures": [_closure_out(actor, case, c) for c in case_closures(case)],
    }


@_route("GET", "/{public_id}/closures", schemas.CaseClosureStateOut)
def case_closure_list(request: HttpRequest, public_id: PublicId) -> Any:
    """Whether the case is closed, and its closures and reopenings"""
    actor, case = _case(request, public_id)
    return _closure_state(actor, case)


@_route("POST", "/{public_id}/close", schemas.CaseClosureStateOut)
def case_close(request: HttpRequest, public_id: PublicId, payload: schemas.CloseIn) -> Any:
    """Close the case with the reason (a case manager of the owner); it becomes read-only"""
    actor, case = _case(request, public_id)
    services.case_close(actor=actor, case=case, reason=payload.reason, details=payload.details)
    return _closure_state(actor, case)


@_route("POST", "/{public_id}/reopen", schemas.CaseClosureStateOut)
def case_reopen(request: HttpRequest, public_id: PublicId, payload: schemas.ReopenIn) -> Any:
    """Reopen a closed case, saying why (a case manager of the owner)"""
    actor, case = _case(request, public_id)
    services.case_reopen(actor=actor, case=case, reason=payload.reason)
    return _closure_state(actor, case)


def _information_case(
    request: HttpRequest, public_id: PublicId, action: Action
) -> tuple[Actor, Case]:
    actor, case = _case(request, public_id)
    if not can(actor, action, case):
        raise PermissionDenied
    return actor, case


@_route("GET", "/{public_id}/information", list[schemas.InformationOut])
def information_list(request: HttpRequest, public_id: PublicId) -> Any:
    """What the person was told, when, by whom, in which language and format (assistance)"""
    actor, case = _information_case(request, public_id, Action.ASSISTANCE_VIEW)
    selectors.assistance_read(actor=actor, case=case, via="api", view="information")
    return list(InformationGiven.objects.filter(case=case))


@_route("POST", "/{public_id}/information", schemas.InformationOut, status=201)
def information_record(
    request: HttpRequest, public_id: PublicId, payload: schemas.InformationIn
) -> Any:
    """Record that the caller informed the person (SOP-II-1/2, DP-29)"""
    actor, case = _information_case(request, public_id, Action.ASSISTANCE_EDIT)
    record = services.information_given_record(
        actor=actor,
        case=case,
        given_on=payload.given_on,
        language=payload.language,
        format=payload.format,
        topics=payload.topics,
    )
    return Status(201, record)
