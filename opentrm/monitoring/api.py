"""Monitoring API (/api/v1/monitoring/): the action plans of the caller's country, read only,
and the feedback report's aggregates (suppressed exactly as on the page)."""

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Literal

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import ErrorOut, Schema
from opentrm.monitoring import feedback
from opentrm.monitoring.access import access_plan
from opentrm.monitoring.models import ActionPlan, Objective, PlanAction

router = Router(tags=["monitoring"], auth=member_auth(Action.ACTION_PLAN_VIEW))
_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_route = Routes(router, _ERRORS, url_prefix="monitoring_")


class ActionPlanOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {"country": "country.code"}
    id: int
    country: str
    title: str
    starts_on: date
    ends_on: date
    version: int


class PlanActionOut(Schema):
    id: int
    code: str
    title: str
    owner_id: int
    owner: str
    due_on: date
    status: str
    overdue: bool
    indicator: str
    target: str
    version: int


class PlanObjectiveOut(Schema):
    id: int
    code: str
    title: str
    description: str
    actions: list[PlanActionOut]


class ActionPlanDetailOut(ActionPlanOut):
    objectives: list[PlanObjectiveOut]


@_route("GET", "/plans", list[ActionPlanOut], "monitoring_plans")
def plan_list(request: HttpRequest) -> Any:
    """The national action plans of your country"""
    return ActionPlan.objects.visible_to(acting(request)).select_related("country")


@_route("GET", "/plans/{plan_id}", ActionPlanDetailOut, "monitoring_plan")
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    """One plan with its objectives and actions; ``overdue``: past due, neither done nor
    cancelled"""
    plan = access_plan(acting(request), plan_id)
    today = timezone.localdate()
    objectives = plan.objectives.prefetch_related(
        Prefetch("actions", queryset=PlanAction.objects.select_related("owner"))
    )
    return {
        "id": plan.pk,
        "country": plan.country.code,
        "title": plan.title,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "version": plan.version,
        "objectives": [_objective(objective, today) for objective in objectives],
    }


def _objective(objective: Objective, today: date) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "code": objective.code,
        "title": objective.title,
        "description": objective.description,
        "actions": [
            {
                **{name: getattr(action, name) for name in _ACTION_ATTRIBUTES},
                "owner": action.owner.name,
                "overdue": action.is_overdue(today),
            }
            for action in objective.actions.all()
        ],
    }


_ACTION_ATTRIBUTES = (
    "id",
    "code",
    "title",
    "owner_id",
    "due_on",
    "status",
    "indicator",
    "target",
    "version",
)


class FeedbackCellOut(Schema):
    answer: str
    count: int | None  # None: suppressed


class FeedbackQuestionOut(Schema):
    question: str
    counts: list[FeedbackCellOut]


class FeedbackRowOut(Schema):
    period: str
    organisation_id: int | None
    answers: int | None
    questions: list[FeedbackQuestionOut]


class FeedbackFilters(Schema):
    period: Literal["month", "quarter", "year"] = "quarter"
    date_from: date | None = None
    date_to: date | None = None
    by_organisation: bool = True


@_route(
    "GET",
    "/feedback",
    list[FeedbackRowOut],
    "monitoring_feedback",
    auth=member_auth(Action.FEEDBACK_REPORT),
)
def feedback_report(request: HttpRequest, filters: Query[FeedbackFilters]) -> Any:
    """The feedback of assisted persons in your country, by period (and organisation): counts
    from 1 to OPENTRM_FEEDBACK_MIN_COUNT (10) and one more of the same question are null"""
    actor = acting(request)
    organisations = feedback.report_organisations(actor)
    rows = feedback.feedback_aggregates(organisations=organisations, **filters.model_dump())
    feedback.record_report_viewed(actor=actor, kind="api")
    return [
        {
            "period": row.period,
            "organisation_id": row.organisation_id,
            "answers": row.answers.value,
            "questions": [
                {
                    "question": question.question,
                    "counts": [
                        {"answer": str(value) if value != "" else "none", "count": cell.value}
                        for (value, _label), (_l, cell) in zip(
                            feedback.question_choices(question.question),
                            question.cells,
                            strict=True,
                        )
                    ],
                }
                for question in row.questions
            ],
        }
        for row in rows
    ]
