"""Cases API: follow-up visits after return, and labour inspections (issue 14 part C)."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.cases.models import Case, FollowUpVisit, InspectionTrigger, LabourClassification
from opentrm.cases.services import aftercare, labour
from opentrm.cases.services.labour import access_labour_inspection
from opentrm.core.api import Routes, api_field_names
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId, Schema, one_of
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_route = Routes(router, CASE_WORK_ERRORS, url_prefix="cases_")
labour_router = Router(tags=["labour"], auth=member_auth(Action.CASE_REGISTER))
_labour_route = Routes(labour_router, CASE_WORK_ERRORS, url_prefix="labour_")


class VisitOut(Schema):
    id: int
    organisation_id: int
    due_on: date
    visited_on: date | None
    outcome: str
    overdue: bool
    notes: str
    version: int


class VisitScheduleIn(Schema):
    first_on: date
    every_days: int = Field(30, ge=1, le=365)
    count: int = Field(3, ge=1, le=12)


class VisitRecordIn(Schema):
    version: int
    visited_on: date
    outcome: str = Field(json_schema_extra=one_of(["no_risk", "risk_found", "not_reached"]))
    notes: str = Field("", max_length=4000)


class InspectionIn(Schema):
    inspected_on: date
    trigger: str = Field(json_schema_extra=one_of(InspectionTrigger.values))
    classification: str = Field(json_schema_extra=one_of(LabourClassification.values))
    sector: str = Field("", max_length=120)
    workers_found: int = Field(0, ge=0)
    indicators: str = Field("", max_length=4000)
    notified_to_id: int | None = None
    notified_on: date | None = None


class InspectionOut(Schema):
    id: int
    organisation_id: int
    inspected_on: date
    trigger: str
    classification: str
    sector: str
    workers_found: int
    indicators: str
    notified_to_id: int | None
    notified_on: date | None
    case_public_id: str | None = Field(description="The case registered from the inspection")


def _visit_out(visit: FollowUpVisit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "organisation_id": visit.organisation_id,
        "due_on": visit.due_on,
        "visited_on": visit.visited_on,
        "outcome": visit.outcome,
        "overdue": aftercare.visit_overdue(visit),
        "notes": visit.notes,
        "version": visit.version,
    }


def _case(request: HttpRequest, public_id: PublicId, action: Action) -> tuple[Actor, Case]:
    actor = acting(request)
    case = access_case(actor, public_id)
    if not can(actor, action, case):
        raise PermissionDenied
    return actor, case


@_route("GET", "/{public_id}/visits", list[VisitOut], "cases_visits")
def visit_list(request: HttpRequest, public_id: PublicId) -> Any:
    """Follow-up visits after return, overdue ones flagged (ASSISTANCE field group)"""
    actor, case = _case(request, public_id, Action.ASSISTANCE_VIEW)
    selectors.case_read(
        actor=actor, case=case, via="api", groups=[FieldGroup.ASSISTANCE.value], view="visits"
    )
    return [_visit_out(visit) for visit in case.visits.all()]


@_route("POST", "/{public_id}/visits", list[VisitOut], "cases_visit_schedule", status=201)
def visit_schedule(request: HttpRequest, public_id: PublicId, payload: VisitScheduleIn) -> Any:
    """Schedule follow-up visits after return: each becomes a task with reminders"""
    actor, case = _case(request, public_id, Action.ASSISTANCE_EDIT)
    visits = aftercare.follow_up_visits_schedule(actor=actor, case=case, **payload.model_dump())
    return Status(201, [_visit_out(visit) for visit in visits])


@_route("POST", "/{public_id}/visits/{visit_id}/record", VisitOut, "cases_visit_record")
def visit_record(
    request: HttpRequest, public_id: PublicId, visit_id: int, payload: VisitRecordIn
) -> Any:
    """Record a follow-up visit (its task closes)"""
    actor, case = _case(request, public_id, Action.ASSISTANCE_EDIT)
    visit = get_object_or_404(FollowUpVisit, pk=visit_id, case=case)
    visit.case = case
    values = payload.model_dump()
    visit = aftercare.follow_up_visit_record(
        actor=actor, visit=visit, expected_version=values.pop("version"), **values
    )
    visit.refresh_from_db()
    return _visit_out(visit)


# --- Labour inspections ------------------------------------------------------------------------


def _inspection_out(inspection: Any) -> dict[str, Any]:
    return {
        **{
            name: getattr(inspection, name)
            for name in InspectionOut.model_fields
            if name != "case_public_id"
        },
        "case_public_id": str(inspection.case.public_id) if inspection.case else None,
    }


@_labour_route("GET", "/inspections", list[InspectionOut], "labour_inspections")
def inspection_list(request: HttpRequest) -> Any:
    """The inspections of the caller's labour inspectorate, newest first"""
    return [_inspection_out(i) for i in labour.labour_inspections(acting(request))]


@_labour_route("POST", "/inspections", InspectionOut, "labour_inspection_record", status=201)
def inspection_record(request: HttpRequest, payload: InspectionIn) -> Any:
    """Record a labour inspection: trigger, classification, police unit notified"""
    actor = acting(request)
    values = payload.model_dump()
    notified_id = values.pop("notified_to_id")
    notified = Organisation.objects.filter(pk=notified_id).first() if notified_id else None
    if notified_id and notified is None:
        raise ValidationError({"notified_to_id": _("There is no organisation with this id.")})
    with api_field_names({"notified_to": "notified_to_id"}):
        inspection = labour.labour_inspection_record(
            actor=actor, data=labour.InspectionData(**values, notified_to=notified)
        )
    return Status(201, _inspection_out(inspection))


@_labour_route(
    "POST", "/inspections/{inspection_id}/case", InspectionOut, "labour_inspection_case", status=201
)
def inspection_register_case(request: HttpRequest, inspection_id: int) -> Any:
    """Register a presumed victim from an inspection that found exploitation or forced labour"""
    actor = acting(request)
    inspection = access_labour_inspection(actor, inspection_id)
    labour.labour_inspection_register_case(actor=actor, inspection=inspection)
    return Status(201, _inspection_out(inspection))
