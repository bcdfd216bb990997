"""Proceedings and hearings for tests: an adult's case, a police interview scheduled on it."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import AgeBand, Case, Hearing
from opentrm.cases.services.proceedings import hearing_schedule
from opentrm.cases.tests.factories import new_case


def adult_case(world: World) -> Case:
    """An adult's case: a child's police interview needs a guardian present (test_guards.py)."""
    return new_case(world, "Dora Fictiva", age_band=AgeBand.OVER_18)


def soon(days: int = 3) -> datetime:
    """``days`` from now, to the second."""
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def schedule_interview(world: World, case: Case, **fields: Any) -> Hearing:
    """A police interview at the police station in three days, but for ``fields``."""
    values: dict[str, Any] = {
        "kind": "police_interview",
        "scheduled_at": soon(),
        "place": "Police station, Fictiva",
    }
    return hearing_schedule(
        actor=world.actor(Role.POLICE_INVESTIGATOR), case=case, **(values | fields)
    )
