"""A child's records called directly: the best-interests assessment and the child safeguards
refused for each mistake a form catches first, a contact towards a country that is not one."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import AgeBand, BestInterestsAssessment, Case, Task
from opentrm.cases.services import country_contact_plan
from opentrm.cases.services.child import safeguards_errors
from opentrm.cases.services.child_records import best_interests_assessment_record
from opentrm.cases.tests.factories import new_case


@pytest.fixture
def child(world: World) -> Case:
    return new_case(world, "Mira Fictiva", age_band=AgeBand.UNDER_18)


def test_it_refuses_an_assessment_with_no_known_action_no_date_no_conclusion_or_long_text(
    world: World, child: Case
) -> None:
    values: dict[str, Any] = {
        "action": "holiday",
        "assessed_on": None,
        "child_participated": True,
        "child_views": "x" * 4001,
        "conclusion": "  ",
    }
    with pytest.raises(ValidationError) as refused:
        best_interests_assessment_record(actor=world.actor(Role.GUARDIAN), case=child, **values)

    assert refused.value.message_dict == {
        "action": ["Pick the significant action from the list."],
        "assessed_on": ["Enter the date of the assessment."],
        "conclusion": ["Write what is in the child's best interests."],
        "child_views": ["At most 4000 characters."],
    }
    assert not BestInterestsAssessment.objects.exists()


def test_the_safeguards_precheck_names_a_durable_solution_not_on_the_list(
    world: World, child: Case
) -> None:
    changes = {"durable_solution": "moon_base", "durable_solution_decided_on": timezone.localdate()}
    assert safeguards_errors(child, changes) == {
        "durable_solution": ["Pick a durable solution from the list."]
    }


def test_the_safeguards_precheck_passes_a_change_that_breaks_no_rule(
    world: World, child: Case
) -> None:
    assert safeguards_errors(child, {"guardian_name": "Gina Fictiva", "separated": True}) == {}


def test_it_refuses_a_contact_towards_a_country_code_that_is_not_one(
    world: World, child: Case
) -> None:
    tasks = Task.objects.count()
    with pytest.raises(ValidationError) as refused:
        country_contact_plan(
            actor=world.actor(Role.CASEWORKER), case=child, country_code="QQ", purpose="gossip"
        )

    assert set(refused.value.message_dict) == {"country_code", "purpose"}
    assert Task.objects.count() == tasks
