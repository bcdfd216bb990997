"""Reads of the action plan, always from ``ActionPlan.objects.visible_to``."""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.directory.exporting import neutralise
from opentrm.directory.models import Organisation
from opentrm.monitoring.models import ActionPlan, Objective, PlanAction, StatusChange


def plan_list(*, actor: Actor, today: date) -> list[tuple[ActionPlan, int]]:
    """The plans the actor sees, each with its number of overdue actions."""
    plans = list(ActionPlan.objects.visible_to(actor).select_related("country"))
    overdue: dict[int, int] = {}
    for plan_id in (
        PlanAction.objects.visible_to(actor)
        .overdue(today)
        .values_list("objective__plan_id", flat=True)
    ):
        overdue[plan_id] = overdue.get(plan_id, 0) + 1
    return [(plan, overdue.get(plan.pk, 0)) for plan in plans]


@dataclass(frozen=True)
class ActionLine:
    action: PlanAction
    overdue: bool


@dataclass(frozen=True)
class ObjectiveBlock:
    objective: Objective
    actions: list[ActionLine]


def plan_overview(plan: ActionPlan, *, today: date) -> list[ObjectiveBlock]:
    """The plan's objectives in order, each with its actions and which of them are overdue."""
    objectives = plan.objectives.prefetch_related(
        Prefetch(
            "actions",
            queryset=PlanAction.objects.select_related("owner").order_by("code", "id"),
        )
    ).order_by("code", "id")
    return [
        ObjectiveBlock(
            objective=objective,
            actions=[
                ActionLine(action=action, overdue=action.is_overdue(today))
                for action in objective.actions.all()
            ],
        )
        for objective in objectives
    ]


def plan_counts(blocks: list[ObjectiveBlock]) -> dict[str, int]:
    lines = [line for block in blocks for line in block.actions]
    return {
        "actions": len(lines),
        "overdue": sum(line.overdue for line in lines),
        "done": sum(line.action.status == "done" for line in lines),
    }


def action_history(action: PlanAction) -> QuerySet[StatusChange]:
    return action.status_changes.select_related("changed_by").order_by("changed_at", "id")


def owner_choices(plan: ActionPlan) -> QuerySet[Organisation]:
    """The organisations that may be responsible for an action: active ones of the country."""
    return Organisation.objects.filter(country_id=plan.country_id, is_active=True).order_by("name")


def plan_csv(plan: ActionPlan, *, today: date) -> bytes:
    """The plan as one CSV row per action (UTF-8 with BOM, so spreadsheets read the script)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Objective number"),
            _("Objective"),
            _("Action number"),
            _("Action"),
            _("Responsible organisation"),
            _("Due on"),
            _("Status"),
            _("Overdue"),
            _("Indicator"),
            _("Target"),
        ]
    )
    for block in plan_overview(plan, today=today):
        for line in block.actions:
            action = line.action
            writer.writerow(
                [
                    neutralise(block.objective.code),
                    neutralise(block.objective.title),
                    neutralise(action.code),
                    neutralise(action.title),
                    neutralise(action.owner.name),
                    action.due_on.isoformat(),
                    action.get_status_display(),
                    _("yes") if line.overdue else _("no"),
                    neutralise(action.indicator),
                    neutralise(action.target),
                ]
            )
    return buffer.getvalue().encode("utf-8-sig")
