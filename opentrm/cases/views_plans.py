"""The individual assistance plan and the risk management plan (issue 3 §7).

Views are thin: the action gate (``actor_required``), the case through ``access_case`` (404 for
cases of other organisations), then the field group (403), then the services.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import selectors
from opentrm.cases.forms_plans import (
    AcknowledgeForm,
    ActivityFormSet,
    PlanForm,
    RiskPlanForm,
    RiskReviewForm,
    VersionForm,
    activities_from,
    activity_initial,
)
from opentrm.cases.lookups import access_plan
from opentrm.cases.models import (
    AssistancePlan,
    Case,
    PlanActivity,
    PlanStatus,
    RiskManagementPlan,
    RiskPlanReview,
    ServiceType,
)
from opentrm.cases.services import plans as services
from opentrm.cases.services.measures import GuardBlockedError
from opentrm.cases.services.plans_checks import acknowledge_errors, plan_errors, risk_plan_errors
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.errors import ConflictError, DomainError
from opentrm.core.forms import edited, raise_errors
from opentrm.core.views import action_view

REVIEWS_SHOWN = 5


def _viewed(actor: Actor, case: Case, view: str) -> None:
    selectors.assistance_read(actor=actor, case=case, via="web", view=view)


def _with_service_labels(plan: AssistancePlan) -> AssistancePlan:
    """Name each activity's service in words, for the screens (from the prefetched rows)."""
    labels = dict(ServiceType.choices)
    for activity in plan.activities.all():
        activity.service_label = str(labels.get(activity.service_type, activity.service_type))  # type: ignore[attr-defined]
    return plan


def _plans(case: Case) -> Any:
    activities = PlanActivity.objects.select_related("provider").order_by("order", "id")
    return (
        AssistancePlan.objects.filter(case=case)
        .select_related("organisation", "drafted_by")
        .prefetch_related(Prefetch("activities", queryset=activities))
        .order_by("-revision")
    )


# --- The case page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlansSection:
    active: AssistancePlan | None
    paused: bool  # active, but no consent to implement it is in force any more
    draft: AssistancePlan | None
    draft_blockers: list[str]  # why the draft cannot be activated yet
    history: list[AssistancePlan]
    may_edit: bool


@dataclass(frozen=True)
class RiskPlanSection:
    plan: RiskManagementPlan | None
    reviews: list[RiskPlanReview]
    review_overdue: bool
    may_edit: bool


def plans_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's assistance plan and risk management plan, for actors who see the case's
    assistance data. A fixed number of queries, whatever the number of revisions."""
    if not can(actor, Action.ASSISTANCE_VIEW, case):
        return {"plans": None, "risk_plan": None}
    plans = [_with_service_labels(plan) for plan in _plans(case)]
    for plan in plans:
        plan.case = case  # the consent check reads it
    active = next((p for p in plans if p.status == PlanStatus.ACTIVE), None)
    draft = next((p for p in plans if p.status == PlanStatus.DRAFT), None)
    may_edit = can(actor, Action.ASSISTANCE_EDIT, case)
    section = PlansSection(
        active=active,
        paused=active is not None and services.plan_is_paused(active),
        draft=draft,
        draft_blockers=services.activation_blockers(draft) if draft else [],
        history=[p for p in plans if p.status in (PlanStatus.SUPERSEDED, PlanStatus.CLOSED)],
        may_edit=may_edit,
    )
    risk_plan = RiskManagementPlan.objects.filter(case=case).first()
    reviews = (
        list(risk_plan.reviews.select_related("reviewed_by")[:REVIEWS_SHOWN]) if risk_plan else []
    )
    return {
        "plans": section,
        "risk_plan": RiskPlanSection(
            plan=risk_plan,
            reviews=reviews,
            review_overdue=risk_plan is not None
            and risk_plan.next_review_on < timezone.localdate(),
            may_edit=may_edit,
        ),
    }


# --- The assistance plan ----------------------------------------------------------------------


def _plan(actor: Actor, case: Case, plan_id: int) -> AssistancePlan:
    return _with_service_labels(access_plan(actor, case, plan_id))


def _plan_form(
    request: AuthenticatedHttpRequest, case: Case, plan: AssistancePlan | None
) -> FormPage:
    actor = request.actor
    data = request.POST or None
    form = PlanForm(data, plan=plan)
    activities = ActivityFormSet(data, prefix="activities", initial=activity_initial(plan))

    def save() -> AssistancePlan:
        values = form.cleaned_data
        if plan is None:
            return services.plan_draft(
                actor=actor,
                case=case,
                goals=values["goals"],
                activities=activities_from(activities),
                review_on=values["review_on"],
            )
        return services.plan_update(
            actor=actor,
            plan=plan,
            expected_version=values["version"],
            goals=values["goals"],
            activities=activities_from(activities),
            review_on=values["review_on"],
        )

    if request.method == "GET" and plan is not None:
        _viewed(actor, case, "plan_edit")
    return FormPage(
        form,
        save,
        {"activities": activities, "plan": plan},
        formsets=[activities],
        precheck=lambda: raise_errors(plan_errors(plan, form.cleaned_data)),
    )


# The pages of the assistance plan: for those who may change the case's assistance data.
_plan_page = partial(case_form_page, anchor="plan", needs=Action.ASSISTANCE_EDIT)
_risk_page = partial(case_form_page, anchor="risk-plan", needs=Action.ASSISTANCE_EDIT)
_plan_action = partial(case_view, "POST", needs=Action.ASSISTANCE_EDIT)


@_plan_page("cases/plan_form.html", gettext_lazy("The draft plan was saved."))
def plan_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    return _plan_form(request, case, None)


@_plan_page("cases/plan_form.html", gettext_lazy("The draft plan was saved."))
def plan_edit(
    request: AuthenticatedHttpRequest, case: Case, plan_id: int
) -> FormPage | HttpResponse:
    plan = _plan(request.actor, case, plan_id)
    if plan.status != PlanStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed: revise the active plan instead."))
        return redirect("cases:plan_detail", case.public_id, plan.pk)
    return _plan_form(request, case, plan)


@case_view("GET", needs=Action.ASSISTANCE_VIEW)
def plan_detail(request: AuthenticatedHttpRequest, case: Case, plan_id: int) -> HttpResponse:
    """One revision of the plan, as it was agreed."""
    plan = _plan(request.actor, case, plan_id)
    _viewed(request.actor, case, "plan_detail")
    return render(
        request,
        "cases/plan_detail.html",
        {"case": case, "plan": plan, "paused": services.plan_is_paused(plan)},
    )


@_plan_page(
    "cases/plan_acknowledge.html", gettext_lazy("The person's acknowledgement was recorded.")
)
def plan_acknowledge(request: AuthenticatedHttpRequest, case: Case, plan_id: int) -> FormPage:
    actor = request.actor
    plan = _plan(actor, case, plan_id)
    form = AcknowledgeForm(
        request.POST or None,
        initial={
            "version": plan.version,
            "acknowledged_on": plan.acknowledged_on or timezone.localdate(),
            "acknowledged_how": plan.acknowledged_how,
        },
    )
    if request.method == "GET":
        _viewed(actor, case, "plan_acknowledge")
    return FormPage(
        form,
        lambda: services.plan_acknowledge(
            actor=actor,
            plan=plan,
            expected_version=form.cleaned_data["version"],
            acknowledged_on=form.cleaned_data["acknowledged_on"],
            how=form.cleaned_data["acknowledged_how"],
        ),
        {"plan": plan},
        precheck=lambda: raise_errors(acknowledge_errors(plan, form.cleaned_data)),
    )


def _plan_step(
    request: AuthenticatedHttpRequest,
    case: Case,
    plan_id: int,
    step: Callable[[Actor, AssistancePlan, int], object],
    success: str,
) -> HttpResponse:
    """A button on a plan that posts nothing but the version the page showed."""
    plan = _plan(request.actor, case, plan_id)
    form = VersionForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: step(request.actor, plan, form.cleaned_data["version"]),
        success=success,
        done=case_url(case, "plan"),
        incomplete=_("The page was out of date. Reload it and try again."),
    )


def _activate(actor: Actor, plan: AssistancePlan, version: int) -> None:
    try:
        services.plan_activate(actor=actor, plan=plan, expected_version=version)
    except GuardBlockedError as blocked:
        message = _("The plan cannot be activated yet: %(reasons)s") % {
            "reasons": " ".join(blocked.reasons)
        }
        raise DomainError(message) from blocked


@_plan_action()
def plan_activate(request: AuthenticatedHttpRequest, case: Case, plan_id: int) -> HttpResponse:
    """Put the draft into force; refused, with every reason, until the person acknowledged it
    and consent to implement it is in force (SOP-P4)."""
    return _plan_step(request, case, plan_id, _activate, _("The plan is in force."))


@_plan_action()
def plan_revise(request: AuthenticatedHttpRequest, case: Case, plan_id: int) -> HttpResponse:
    """A new draft revision of the active plan, to change it with the person."""
    plan = _plan(request.actor, case, plan_id)
    try:
        draft = services.plan_revise(actor=request.actor, plan=plan)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new revision was drafted from the plan in force."))
        return redirect("cases:plan_edit", case.public_id, draft.pk)
    return redirect(case_url(case, "plan"))


@_plan_action()
def plan_close(request: AuthenticatedHttpRequest, case: Case, plan_id: int) -> HttpResponse:
    return _plan_step(
        request,
        case,
        plan_id,
        lambda actor, plan, version: services.plan_close(
            actor=actor, plan=plan, expected_version=version
        ),
        _("The plan was closed."),
    )


# --- The risk management plan -----------------------------------------------------------------


@_risk_page("cases/risk_plan_form.html", gettext_lazy("The risk management plan was saved."))
def risk_plan_edit(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    plan = RiskManagementPlan.objects.filter(case=case).first()
    form = RiskPlanForm(request.POST or None, plan=plan)
    if request.method == "GET" and plan is not None:
        _viewed(actor, case, "risk_plan_edit")
    return FormPage(
        form,
        lambda: services.risk_plan_save(
            actor=actor,
            case=case,
            **edited(form, "risks", "measures", "review_every_days", "next_review_on"),
        ),
        {"plan": plan},
        precheck=lambda: raise_errors(risk_plan_errors(plan, form.cleaned_data)),
    )


@_risk_page("cases/risk_plan_review_form.html", None)  # the message names the next review
def risk_plan_review(request: AuthenticatedHttpRequest, case: Case) -> FormPage | HttpResponse:
    actor = request.actor
    plan = RiskManagementPlan.objects.filter(case=case).first()
    if plan is None:
        messages.error(request, _("Make the risk management plan first."))
        return redirect("cases:risk_plan_edit", case.public_id)
    form = RiskReviewForm(
        request.POST or None,
        initial={"version": plan.version, "reviewed_on": timezone.localdate()},
    )
    if request.method == "GET":
        _viewed(actor, case, "risk_plan_review")
    return FormPage(
        form,
        lambda: services.risk_plan_review(
            actor=actor,
            plan=plan,
            **edited(form, "reviewed_on", "with_person", "notes"),
        ),
        {"plan": plan},
        success=lambda _review: (
            _("The review was recorded. The next review is due on %(date)s.")
            % {"date": formats.date_format(plan.next_review_on, "SHORT_DATE_FORMAT")}
        ),
    )
