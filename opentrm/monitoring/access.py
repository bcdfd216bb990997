"""Fetching the action plan's rows for an actor (404 when missing or of another country, 403
when visible but not the actor's to change), and the action-plan rule of ``accounts.policy``."""

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from opentrm.accounts.policy import Action, Actor, can, rule
from opentrm.monitoring.models import ActionPlan, Objective, PlanAction

Intent = Literal["view", "change"]


@rule(Action.ACTION_PLAN_EDIT, ActionPlan)
def _edit_plan(actor: Actor, plan: ActionPlan) -> bool:
    """The national coordinators of the plan's country, nobody else."""
    return (
        actor.may(Action.ACTION_PLAN_EDIT)
        and actor.country_id is not None
        and actor.country_id == plan.country_id
    )


def _check(actor: Actor, plan: ActionPlan, action: Intent) -> None:
    if action == "change" and not can(actor, Action.ACTION_PLAN_EDIT, plan):
        raise PermissionDenied


def access_plan(actor: Actor, plan_id: int, *, action: Intent = "view") -> ActionPlan:
    plan = (
        ActionPlan.objects.visible_to(actor)
        .select_related("country", "updated_by")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise Http404
    _check(actor, plan, action)
    return plan


def access_objective(actor: Actor, objective_id: int, *, action: Intent = "view") -> Objective:
    objective = (
        Objective.objects.filter(plan__in=ActionPlan.objects.visible_to(actor).values("pk"))
        .select_related("plan", "plan__country", "updated_by")
        .filter(pk=objective_id)
        .first()
    )
    if objective is None:
        raise Http404
    _check(actor, objective.plan, action)
    return objective


def access_action(actor: Actor, action_id: int, *, action: Intent = "view") -> PlanAction:
    found = (
        PlanAction.objects.visible_to(actor)
        .select_related("objective", "objective__plan", "objective__plan__country", "owner")
        .select_related("updated_by")
        .filter(pk=action_id)
        .first()
    )
    if found is None:
        raise Http404
    _check(actor, found.objective.plan, action)
    return found


def may_edit_plan(actor: Actor, plan: ActionPlan) -> bool:
    """Does the plan's page show the controls to change it?"""
    return can(actor, Action.ACTION_PLAN_EDIT, plan)
