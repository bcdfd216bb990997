"""The action plan's pages and the feedback code and report. Thin: the action gate, an
``access_*`` look-up (404 for another country's plan, 403 for a change that is not the
actor's), then a service."""

import csv
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.forms import cleaned, edited, raise_errors
from opentrm.core.views import form_view
from opentrm.directory.exporting import neutralise
from opentrm.monitoring import feedback, selectors, services
from opentrm.monitoring.access import (
    access_action,
    access_objective,
    access_plan,
    may_edit_plan,
)
from opentrm.monitoring.forms import (
    FeedbackReportFilters,
    ObjectiveForm,
    PlanActionForm,
    PlanForm,
)
from opentrm.monitoring.models import ActionPlan, PlanAction


def _plan_url(plan: ActionPlan, anchor: str = "") -> str:
    return reverse("monitoring:plan_detail", args=[plan.pk]) + (f"#{anchor}" if anchor else "")


def _action_url(action: PlanAction) -> str:
    return reverse("monitoring:action_detail", args=[action.pk])


@require_GET
@actor_required(Action.ACTION_PLAN_VIEW)
def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = selectors.plan_list(actor=request.actor, today=timezone.localdate())
    return render(request, "monitoring/plan_list.html", {"rows": rows})


def _plan_form(
    request: AuthenticatedHttpRequest,
    form: BaseForm,
    *,
    save: Callable[[], Any],
    done: str | Callable[[Any], HttpResponse],
    success: str,
    title: str,
    back: str,
    plan: ActionPlan | None = None,
    precheck: Callable[[], None] | None = None,
) -> HttpResponse:
    """A page of one form of the plan: a service call on a valid POST, back to ``back``;
    ``precheck`` shows the service's errors with the form's (``form_view``)."""
    return form_view(
        request,
        form,
        save=save,
        done=done,
        success=success,
        template="monitoring/form.html",
        context={"title": title, "back": back, "plan": plan},
        precheck=precheck,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def plan_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    return _plan_form(
        request,
        form,
        save=lambda: services.plan_create(
            actor=request.actor, **cleaned(form, *services.PLAN_FIELDS)
        ),
        done=lambda plan: redirect(_plan_url(plan)),
        success=_("Action plan created."),
        title=_("New national action plan"),
        back=reverse("monitoring:plan_list"),
    )


@require_GET
@actor_required(Action.ACTION_PLAN_VIEW)
def plan_detail(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.actor, plan_id)
    blocks = selectors.plan_overview(plan, today=timezone.localdate())
    return render(
        request,
        "monitoring/plan_detail.html",
        {
            "plan": plan,
            "blocks": blocks,
            "counts": selectors.plan_counts(blocks),
            "may_edit": may_edit_plan(request.actor, plan),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def plan_edit(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.actor, plan_id, action="change")
    form = PlanForm(request.POST or None, instance=plan)
    return _plan_form(
        request,
        form,
        save=lambda: services.plan_change(
            actor=request.actor, plan=plan, **edited(form, *services.PLAN_FIELDS)
        ),
        done=_plan_url(plan),
        success=_("Action plan saved."),
        title=_("Change the action plan"),
        back=_plan_url(plan),
        plan=plan,
    )


@require_GET
@actor_required(Action.ACTION_PLAN_VIEW)
def plan_export(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.actor, plan_id)
    services.record_plan_export(actor=request.actor, plan=plan)
    response = HttpResponse(
        selectors.plan_csv(plan, today=timezone.localdate()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="action-plan-{plan.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def objective_create(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.actor, plan_id, action="change")
    form = ObjectiveForm(request.POST or None)
    return _plan_form(
        request,
        form,
        save=lambda: services.objective_add(
            actor=request.actor, plan=plan, **cleaned(form, *services.OBJECTIVE_FIELDS)
        ),
        done=lambda objective: redirect(_plan_url(plan, f"objective-{objective.pk}")),
        success=_("Objective added."),
        title=_("Add an objective"),
        back=_plan_url(plan),
        precheck=lambda: raise_errors(
            services.code_errors(parent=plan, row=None, values=form.cleaned_data)
        ),
        plan=plan,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def objective_edit(request: AuthenticatedHttpRequest, objective_id: int) -> HttpResponse:
    objective = access_objective(request.actor, objective_id, action="change")
    form = ObjectiveForm(request.POST or None, instance=objective)
    return _plan_form(
        request,
        form,
        save=lambda: services.objective_change(
            actor=request.actor, objective=objective, **edited(form, *services.OBJECTIVE_FIELDS)
        ),
        done=_plan_url(objective.plan, f"objective-{objective.pk}"),
        success=_("Objective saved."),
        title=_("Change the objective"),
        back=_plan_url(objective.plan),
        precheck=lambda: raise_errors(
            services.code_errors(parent=objective.plan, row=objective, values=form.cleaned_data)
        ),
        plan=objective.plan,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def action_create(request: AuthenticatedHttpRequest, objective_id: int) -> HttpResponse:
    objective = access_objective(request.actor, objective_id, action="change")
    form = PlanActionForm(
        request.POST or None, organisations=selectors.owner_choices(objective.plan)
    )
    return _plan_form(
        request,
        form,
        save=lambda: services.action_add(
            actor=request.actor, objective=objective, **cleaned(form, *services.ACTION_FIELDS)
        ),
        done=lambda action: redirect(_action_url(action)),
        success=_("Action added."),
        title=_("Add an action to objective %(code)s") % {"code": objective.code},
        back=_plan_url(objective.plan),
        plan=objective.plan,
        precheck=lambda: raise_errors(
            services.code_errors(parent=objective, row=None, values=form.cleaned_data)
        ),
    )


@require_GET
@actor_required(Action.ACTION_PLAN_VIEW)
def action_detail(request: AuthenticatedHttpRequest, action_id: int) -> HttpResponse:
    action = access_action(request.actor, action_id)
    plan = action.objective.plan
    return render(
        request,
        "monitoring/action_detail.html",
        {
            "action": action,
            "plan": plan,
            "overdue": action.is_overdue(timezone.localdate()),
            "history": selectors.action_history(action),
            "may_edit": may_edit_plan(request.actor, plan),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.ACTION_PLAN_EDIT)
def action_edit(request: AuthenticatedHttpRequest, action_id: int) -> HttpResponse:
    action = access_action(request.actor, action_id, action="change")
    plan = action.objective.plan
    form = PlanActionForm(
        request.POST or None, organisations=selectors.owner_choices(plan), instance=action
    )
    return _plan_form(
        request,
        form,
        save=lambda: services.action_change(
            actor=request.actor,
            action=action,
            status_note=form.cleaned_data.get("status_note", ""),
            **edited(form, *services.ACTION_FIELDS),
        ),
        done=_action_url(action),
        success=_("Action saved."),
        title=_("Change the action"),
        back=_action_url(action),
        plan=plan,
        precheck=lambda: raise_errors(
            services.code_errors(parent=action.objective, row=action, values=form.cleaned_data)
        ),
    )


# --- feedback: the organisation's code, the country's report -----------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.FEEDBACK_CODE)
def feedback_code(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The code to hand over (print the page); posting issues a new one."""
    if request.method == "POST":
        feedback.feedback_code_issue(actor=request.actor)
        return redirect("monitoring:feedback_code")
    code = feedback.feedback_code_current(actor=request.actor)
    link = request.build_absolute_uri(reverse("feedback:start"))
    return render(
        request,
        "monitoring/feedback_code.html",
        {
            "code": code,
            "shown_code": feedback.display_code(code.code) if code else "",
            "link": link,
        },
    )


CSV_NOTE = _("Counts from 1 to %(n)s are not shown (—), nor one other count of the same question.")


@require_GET
@actor_required(Action.FEEDBACK_REPORT)
def feedback_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The feedback of the organisations of the actor's country, as aggregates only."""
    filters = FeedbackReportFilters(request.GET or None)
    organisations = feedback.report_organisations(request.actor)
    rows = feedback.feedback_aggregates(organisations=organisations, **filters.values())
    as_csv = request.GET.get("format") == "csv"
    feedback.record_report_viewed(actor=request.actor, kind="csv" if as_csv else "html")
    threshold = settings.OPENTRM_FEEDBACK_MIN_COUNT
    if as_csv:
        return _report_csv(rows, threshold)
    return render(
        request,
        "monitoring/feedback_report.html",
        {
            "form": filters,
            "rows": rows,
            "threshold": threshold,
            "csv_query": request.GET.urlencode(),
        },
    )


def _report_csv(rows: list[feedback.AggregateRow], threshold: int) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(CSV_NOTE % {"n": threshold})])
    writer.writerow([_("Period"), _("Organisation"), _("Question"), _("Answer"), _("Count")])
    for row in rows:
        writer.writerow(
            [row.period, neutralise(row.organisation), "", _("Answers"), _cell(row.answers)]
        )
        for question in row.questions:
            for label, cell in question.cells:
                writer.writerow(
                    [row.period, neutralise(row.organisation), question.label, label, _cell(cell)]
                )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="feedback.csv"'
    return response


def _cell(cell: feedback.Cell) -> str:
    return "—" if cell.value is None else str(cell.value)
