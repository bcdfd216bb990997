"""Cases API: assessments, health and plans (issue 3 §7, §13). The same services as the screens.

After the case (404 for cases of organisations not taking part), the field group decides: 403
for a role that may not see (or change) assistance or health data.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import schemas_assessments as schemas
from opentrm.cases import selectors
from opentrm.cases.access import access_case
from opentrm.cases.lookups import access_plan
from opentrm.cases.models import (
    Assessment,
    AssessmentKind,
    AssistancePlan,
    Case,
    HealthRecord,
    RiskManagementPlan,
)
from opentrm.cases.services import assessments as assessment_services
from opentrm.cases.services import plans as plan_services
from opentrm.cases.services.measures import GuardBlockedError
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="cases_")


def _case(request: HttpRequest, public_id: PublicId, *, health: bool = False, edit: bool) -> Case:
    """The case (404 if not the caller's), then the field group (403)."""
    actor = acting(request)
    case = access_case(actor, public_id)
    if health:
        allowed = (
            can(actor, Action.HEALTH_EDIT, case) if edit else can(actor, Action.HEALTH_VIEW, case)
        )
    else:
        allowed = (
            can(actor, Action.ASSISTANCE_EDIT, case)
            if edit
            else can(actor, Action.ASSISTANCE_VIEW, case)
        )
    if not allowed:
        raise PermissionDenied
    return case


def _viewed(actor: Actor, case: Case, view: str) -> None:
    selectors.assistance_read(actor=actor, case=case, via="api", view=view)


# --- Assessments ------------------------------------------------------------------------------


@_route("GET", "/{public_id}/assessments", list[schemas.AssessmentOut], "cases_assessments")
def assessment_list(
    request: HttpRequest, public_id: PublicId, kind: AssessmentKind | None = None
) -> Any:
    """The case's assessments, newest first (optionally of one kind)"""
    case = _case(request, public_id, edit=False)
    assessments = Assessment.objects.filter(case=case, deleted_at__isnull=True)
    if kind is not None:
        assessments = assessments.filter(kind=kind)
    _viewed(acting(request), case, "assessment_list")
    return list(assessments.order_by("-assessed_on", "-id"))


@_route("POST", "/{public_id}/assessments", schemas.AssessmentOut, status=201)
def assessment_record(
    request: HttpRequest, public_id: PublicId, payload: schemas.AssessmentIn
) -> Any:
    """Record an assessment (only the fields of its kind)"""
    case = _case(request, public_id, edit=True)
    assessment = assessment_services.assessment_record(
        actor=acting(request), case=case, **payload.model_dump()
    )
    return Status(201, assessment)


# --- Health -----------------------------------------------------------------------------------

# What a case without a health record answers.
_NO_HEALTH = dict.fromkeys(assessment_services.HEALTH_FIELDS, "") | {"version": 0}


@_route("GET", "/{public_id}/health", schemas.HealthOut, "cases_health")
def health_detail(request: HttpRequest, public_id: PublicId) -> Any:
    """The health record (restricted; every read is audited)"""
    case = _case(request, public_id, health=True, edit=False)
    record = HealthRecord.objects.filter(case=case).first()
    assessment_services.health_record_viewed(actor=acting(request), case=case, record=record)
    return record or _NO_HEALTH


@_route("PUT", "/{public_id}/health", schemas.HealthOut)
def health_update(request: HttpRequest, public_id: PublicId, payload: schemas.HealthIn) -> Any:
    """Replace the health record (send the version you read; 0 when there was none)"""
    case = _case(request, public_id, health=True, edit=True)
    record = assessment_services.health_update(
        actor=acting(request),
        case=case,
        expected_version=payload.version,
        changes={name: getattr(payload, name) for name in assessment_services.HEALTH_FIELDS},
    )
    return record if record.pk else _NO_HEALTH


# --- The assistance plan ----------------------------------------------------------------------


def _activities(rows: list[schemas.ActivityIn]) -> list[plan_services.ActivityData]:
    ids = {row.provider_id for row in rows if row.provider_id is not None}
    providers = Organisation.objects.in_bulk(ids)
    errors = [
        _("Activity %(number)d: there is no organisation with this id.") % {"number": number}
        for number, row in enumerate(rows, start=1)
        if row.provider_id is not None and row.provider_id not in providers
    ]
    if errors:
        raise ValidationError({"activities": errors})
    return [
        plan_services.ActivityData(
            description=row.description,
            service_type=row.service_type,
            provider=providers.get(row.provider_id) if row.provider_id is not None else None,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
        )
        for row in rows
    ]


@_route("GET", "/{public_id}/plans", list[schemas.PlanOut], "cases_plans")
def plan_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The individual assistance plan's revisions, newest first"""
    case = _case(request, public_id, edit=False)
    plans = list(
        AssistancePlan.objects.filter(case=case)
        .prefetch_related("activities")
        .order_by("-revision")
    )
    _viewed(acting(request), case, "plans")
    for plan in plans:
        plan.case = case
    return plans


@_route("POST", "/{public_id}/plans", schemas.PlanOut, status=201)
def plan_draft(request: HttpRequest, public_id: PublicId, payload: schemas.PlanIn) -> Any:
    """Draft a plan (while one is active, revise it in the web interface)"""
    case = _case(request, public_id, edit=True)
    plan = plan_services.plan_draft(
        actor=acting(request),
        case=case,
        goals=payload.goals,
        activities=_activities(payload.activities),
        review_on=payload.review_on,
    )
    return Status(201, access_plan(acting(request), case, plan.pk))


@_route("POST", "/{public_id}/plans/{plan_id}/acknowledge", schemas.PlanOut)
def plan_acknowledge(
    request: HttpRequest, public_id: PublicId, plan_id: int, payload: schemas.AcknowledgeIn
) -> Any:
    """Record that the person acknowledged the draft"""
    case = _case(request, public_id, edit=True)
    plan = access_plan(acting(request), case, plan_id)
    plan_services.plan_acknowledge(
        actor=acting(request),
        plan=plan,
        expected_version=payload.version,
        acknowledged_on=payload.acknowledged_on,
        how=payload.how,
    )
    return plan


@_route("POST", "/{public_id}/plans/{plan_id}/activate", schemas.PlanOut)
def plan_activate(
    request: HttpRequest, public_id: PublicId, plan_id: int, payload: schemas.VersionIn
) -> Any:
    """Put the draft into force: refused (422, with every reason) until the person acknowledged
    it and consent to implement it is in force"""
    case = _case(request, public_id, edit=True)
    plan = access_plan(acting(request), case, plan_id)
    try:
        plan_services.plan_activate(
            actor=acting(request), plan=plan, expected_version=payload.version
        )
    except GuardBlockedError as blocked:
        # Every reason, as messages of the request (422), like any other refused input.
        raise ValidationError({"__all__": blocked.reasons}) from None
    return plan


# --- The risk management plan -----------------------------------------------------------------


@_route("GET", "/{public_id}/risk-plan", schemas.RiskPlanPageOut, "cases_risk_plan")
def risk_plan_detail(request: HttpRequest, public_id: PublicId) -> Any:
    """The risk management plan and its reviews (plan is null when there is none)"""
    case = _case(request, public_id, edit=False)
    plan = RiskManagementPlan.objects.filter(case=case).first()
    _viewed(acting(request), case, "risk_plan")
    return {"plan": plan}


@_route("PUT", "/{public_id}/risk-plan", schemas.RiskPlanOut)
def risk_plan_save(request: HttpRequest, public_id: PublicId, payload: schemas.RiskPlanIn) -> Any:
    """Write the risk management plan (send the version you read; 0 when there was none)"""
    case = _case(request, public_id, edit=True)
    return plan_services.risk_plan_save(
        actor=acting(request),
        case=case,
        expected_version=payload.version,
        risks=payload.risks,
        measures=payload.measures,
        review_every_days=payload.review_every_days,
        next_review_on=payload.next_review_on,
    )


@_route("POST", "/{public_id}/risk-plan/reviews", schemas.RiskReviewOut, status=201)
def risk_plan_review(
    request: HttpRequest, public_id: PublicId, payload: schemas.RiskReviewIn
) -> Any:
    """Record a review; the next review falls review_every_days after it"""
    case = _case(request, public_id, edit=True)
    plan = RiskManagementPlan.objects.filter(case=case).first()
    if plan is None:
        raise ValidationError({"__all__": _("Make the risk management plan first.")})
    values = payload.model_dump(exclude={"version"})
    review = plan_services.risk_plan_review(
        actor=acting(request), plan=plan, expected_version=payload.version, **values
    )
    return Status(
        201,
        schemas.RiskReviewOut(
            id=review.pk,
            reviewed_on=review.reviewed_on,
            with_person=review.with_person,
            notes=review.notes,
        ),
    )
