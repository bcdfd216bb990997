"""Cases API (issue 14): best-interests assessments of a child's case and the interpreters
assigned to a case. The same services as the screens.

After the case (404 for cases not visible to the caller), the permission decides: 403 for a
role that may not see (or change) child-protection data, or, for interpreters, for anyone but
the owner's case managers (whose refusals the services audit).
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.cases.models import Case, SignificantAction
from opentrm.cases.services.child_records import best_interests_assessment_record
from opentrm.cases.services.interpreters import (
    active_interpreters,
    interpreter_assign,
    interpreter_unassign,
)
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, Schema

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_route = Routes(router, CASE_WORK_ERRORS, url_prefix="cases_")
_managers_route = _route.having(auth=member_auth(Action.CASE_PARTICIPANTS_MANAGE))


class BestInterestsIn(Schema):
    action: SignificantAction
    action_detail: str = ""
    assessed_on: date
    child_participated: bool
    child_views: str = ""
    participants: str = ""
    conclusion: str


class BestInterestsOut(Schema):
    id: int
    action: SignificantAction
    action_detail: str
    assessed_on: date
    child_participated: bool
    child_views: str
    participants: str
    conclusion: str
    organisation_id: int


class InterpreterIn(Schema):
    interpreter_id: int
    undertaking_signed_on: date
    languages: str = ""


class InterpreterOut(Schema):
    id: int
    interpreter_id: int
    organisation_id: int
    languages: str
    undertaking_signed_on: date
    ended_at: datetime | None


def _child_case(request: HttpRequest, public_id: PublicId, *, edit: bool) -> Case:
    actor = acting(request)
    case = access_case(actor, public_id)
    action = Action.CHILD_PROTECTION_EDIT if edit else Action.CHILD_PROTECTION_VIEW
    if not can(actor, action, case):
        raise PermissionDenied
    return case


@_route(
    "GET",
    "/{public_id}/best-interests-assessments",
    list[BestInterestsOut],
    "cases_best_interests_assessments",
)
def best_interests_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The child's best-interests assessments, newest first (child protection; audited)"""
    case = _child_case(request, public_id, edit=False)
    selectors.case_read(
        actor=acting(request),
        case=case,
        via="api",
        groups=[FieldGroup.CHILD_PROTECTION.value],
        view="best_interests_assessments",
    )
    return list(case.best_interests_assessments.all())


@_route("POST", "/{public_id}/best-interests-assessments", BestInterestsOut, status=201)
def best_interests_create(
    request: HttpRequest, public_id: PublicId, payload: BestInterestsIn
) -> Any:
    """Record a best-interests assessment for a significant action for the child"""
    case = _child_case(request, public_id, edit=True)
    assessment = best_interests_assessment_record(
        actor=acting(request), case=case, **payload.model_dump()
    )
    return Status(201, assessment)


@_route("GET", "/{public_id}/interpreters", list[InterpreterOut], "cases_interpreters")
def interpreter_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The interpreters assigned to the case now (not shown to an interpreter)"""
    actor = acting(request)
    case = access_case(actor, public_id)
    if actor.sees_assigned_cases_only:
        raise PermissionDenied
    return list(active_interpreters(case))


@_managers_route("POST", "/{public_id}/interpreters", InterpreterOut, status=201)
def interpreter_create(request: HttpRequest, public_id: PublicId, payload: InterpreterIn) -> Any:
    """Assign an interpreter who signed the confidentiality undertaking (owner's case managers)"""
    case = access_case(acting(request), public_id)
    assignment = interpreter_assign(
        actor=acting(request),
        case=case,
        interpreter=User.objects.filter(pk=payload.interpreter_id).first(),
        undertaking_signed_on=payload.undertaking_signed_on,
        languages=payload.languages,
    )
    return Status(201, assignment)


@_managers_route("POST", "/{public_id}/interpreters/{assignment_id}/end", InterpreterOut)
def interpreter_end(request: HttpRequest, public_id: PublicId, assignment_id: int) -> Any:
    """End an interpreter's assignment: the interpreter no longer sees the case"""
    case = access_case(acting(request), public_id)
    assignment = get_object_or_404(case.interpreters, pk=assignment_id)
    return interpreter_unassign(actor=acting(request), case=case, assignment=assignment)
