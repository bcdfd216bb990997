"""Assistance plans for tests: the consent a plan needs, its acknowledgement and activation."""

from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import AssistancePlan, Case, ConsentRecord
from opentrm.cases.services import plan_acknowledge, plan_activate
from opentrm.cases.tests.factories import record_consent


def plan_consent(world: World, case: Case, explained_in: str = "sq") -> ConsentRecord:
    """The person's consent to an assistance plan, recorded by agency A's caseworker."""
    return record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "assistance_plan",
        "What the plan means and that it can be withdrawn.",
        explained_in=explained_in,
    )


def acknowledge(world: World, plan: AssistancePlan) -> AssistancePlan:
    """The person acknowledges ``plan`` today (signed on paper), at its current version."""
    plan.refresh_from_db()
    return plan_acknowledge(
        actor=world.actor(Role.CASEWORKER),
        plan=plan,
        expected_version=plan.version,
        acknowledged_on=timezone.localdate(),
        how="Signed the printed plan",
    )


def activate(world: World, plan: AssistancePlan) -> AssistancePlan:
    """Agency A's caseworker activates ``plan`` at its current version."""
    plan.refresh_from_db()
    return plan_activate(
        actor=world.actor(Role.CASEWORKER), plan=plan, expected_version=plan.version
    )
