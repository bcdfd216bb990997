"""Action plans for the tests, made through the services as a coordinator of country A."""

from datetime import date
from typing import Any

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.monitoring import services
from opentrm.monitoring.models import ActionPlan, Objective, PlanAction


def make_plan(world: World, **values: Any) -> ActionPlan:
    fields: dict[str, Any] = {
        "title": "National action plan 2026-2028",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2028, 12, 31),
    }
    fields.update(values)
    return services.plan_create(actor=world.actor(Role.NATIONAL_COORDINATOR), **fields)


def make_objective(world: World, plan: ActionPlan, code: str = "1") -> Objective:
    return services.objective_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR),
        plan=plan,
        code=code,
        title="Identify more victims of labour exploitation",
    )


def make_action(world: World, objective: Objective, **values: Any) -> PlanAction:
    fields: dict[str, Any] = {
        "code": "1.1",
        "title": "Train labour inspectors on indicators",
        "owner": world.agency_a,
        "due_on": date(2026, 6, 30),
        "indicator": "Labour inspectors trained",
        "target": "120",
    }
    fields.update(values)
    return services.action_add(
        actor=world.actor(Role.NATIONAL_COORDINATOR), objective=objective, **fields
    )
