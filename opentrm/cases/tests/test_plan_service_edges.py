"""The assistance and risk management plans, called directly: the refusals a form does not
reach, saves of nothing, and two drafts at the same moment."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import AssistancePlan, Case, PlanStatus, RiskManagementPlan
from opentrm.cases.services import plans as plan_services
from opentrm.cases.services.plans import MAX_ACTIVITIES, activation_blockers
from opentrm.cases.tests.factories import events, new_case
from opentrm.cases.tests.plans import acknowledge, activate, plan_consent
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate
GOALS = "Safe accommodation and Romanian classes."


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ilinca Fictiva")


def _draft(world: World, case: Case, **values: Any) -> AssistancePlan:
    return plan_services.plan_draft(
        actor=world.actor(Role.CASEWORKER), case=case, **({"goals": GOALS} | values)
    )


def _active(world: World, case: Case) -> AssistancePlan:
    plan_consent(world, case)
    plan = _draft(
        world, case, activities=[plan_services.ActivityData(description="Shelter placement")]
    )
    return activate(world, acknowledge(world, plan))


# --- The assistance plan ----------------------------------------------------------------------


def test_it_refuses_more_activities_than_a_plan_holds(world: World, case: Case) -> None:
    many = [plan_services.ActivityData(description=f"Step {n}") for n in range(MAX_ACTIVITIES + 1)]
    with pytest.raises(ValidationError) as refused:
        _draft(world, case, activities=many)
    assert "activities" in refused.value.message_dict
    assert not AssistancePlan.objects.exists()


@pytest.mark.parametrize(
    ("description", "inactive_provider", "message"),
    [
        ("   ", False, "Activity 1: describe the activity."),
        ("x" * 301, False, "Activity 1: keep the description under 300 characters."),
        ("Shelter", True, "Activity 1: pick an active organisation from the directory."),
    ],
)
def test_it_names_the_activity_that_is_wrong_and_drafts_nothing(
    world: World, case: Case, description: str, inactive_provider: bool, message: str
) -> None:
    activity = plan_services.ActivityData(description=description)
    if inactive_provider:
        world.agency_c.is_active = False
        world.agency_c.save()
        activity = plan_services.ActivityData(description=description, provider=world.agency_c)
    with pytest.raises(ValidationError) as refused:
        _draft(world, case, activities=[activity])
    assert refused.value.message_dict["activities"] == [message]
    assert not AssistancePlan.objects.exists()


def test_it_refuses_a_second_draft_and_a_draft_beside_the_active_plan(
    world: World, case: Case
) -> None:
    draft = _draft(world, case)
    with pytest.raises(ValidationError, match="A draft plan exists already"):
        _draft(world, case)
    plan_services.plan_close(
        actor=world.actor(Role.CASEWORKER), plan=draft, expected_version=draft.version
    )
    _active(world, case)
    with pytest.raises(ValidationError, match="A plan is active"):
        _draft(world, case)
    assert AssistancePlan.objects.count() == 2


def test_it_refuses_a_draft_made_at_the_same_moment_as_another(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests found no draft; the database keeps the first and refuses the second."""
    _draft(world, case)
    monkeypatch.setattr(plan_services, "_lock_plans", lambda case: [])
    with pytest.raises(ConflictError, match="drafted a plan for this case meanwhile"):
        _draft(world, case, goals="Other goals.")
    assert list(AssistancePlan.objects.values_list("goals", flat=True)) == [GOALS]
    assert events(EventType.PLAN_DRAFTED) == 1


def test_only_a_draft_is_changed_acknowledged_or_activated(world: World, case: Case) -> None:
    plan = _active(world, case)
    assert activation_blockers(plan) == ["Only a draft plan can be activated."]
    with pytest.raises(ValidationError, match="Only a draft can be changed"):
        plan_services.plan_update(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            goals="New goals.",
            activities=[],
            review_on=None,
        )
    with pytest.raises(ValidationError) as refused:
        plan_services.plan_acknowledge(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            acknowledged_on=TODAY(),
            how="Signed again",
        )
    assert refused.value.message_dict["__all__"] == ["Only a draft plan is acknowledged."]
    assert AssistancePlan.objects.get().goals == GOALS


def _draft_saved_with_goals(world: World, case: Case, goals: str) -> AssistancePlan:
    """A draft with one activity, saved again with ``goals`` and the same activity."""
    activities = [plan_services.ActivityData(description="Shelter placement")]
    plan = _draft(world, case, activities=activities)
    plan_services.plan_update(
        actor=world.actor(Role.CASEWORKER),
        plan=plan,
        expected_version=plan.version,
        goals=goals,
        activities=activities,
        review_on=None,
    )
    return plan


def test_a_draft_whose_goals_change_keeps_its_activities(world: World, case: Case) -> None:
    plan = _draft_saved_with_goals(world, case, "Safe accommodation.")
    event = AuditEvent.objects.get(event_type=EventType.PLAN_CHANGED)
    assert event.changed_fields == ["goals"]
    assert list(plan.activities.values_list("description", flat=True)) == ["Shelter placement"]


def test_a_draft_saved_unchanged_records_no_change(world: World, case: Case) -> None:
    _draft_saved_with_goals(world, case, f" {GOALS} ")
    assert events(EventType.PLAN_CHANGED) == 0
    assert AssistancePlan.objects.get().goals == GOALS


@pytest.mark.parametrize(
    ("acknowledged_on", "how", "field"),
    [
        (None, "Signed the printed plan", "acknowledged_on"),
        (date(2000, 1, 1), "Signed the printed plan", "acknowledged_on"),  # before the draft
        ("today", "x" * 201, "acknowledged_how"),
    ],
)
def test_it_refuses_an_impossible_acknowledgement(
    world: World, case: Case, acknowledged_on: Any, how: str, field: str
) -> None:
    plan = _draft(world, case)
    with pytest.raises(ValidationError) as refused:
        plan_services.plan_acknowledge(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            acknowledged_on=TODAY() if acknowledged_on == "today" else acknowledged_on,
            how=how,
        )
    assert field in refused.value.message_dict
    assert AssistancePlan.objects.get().acknowledged_on is None


def test_only_the_active_plan_is_revised(world: World, case: Case) -> None:
    draft = _draft(world, case)
    with pytest.raises(ValidationError, match="Only the active plan can be revised"):
        plan_services.plan_revise(actor=world.actor(Role.CASEWORKER), plan=draft)
    assert AssistancePlan.objects.count() == 1


def test_a_revision_drops_a_review_date_that_has_passed(world: World, case: Case) -> None:
    active = _active(world, case)
    AssistancePlan.objects.filter(pk=active.pk).update(review_on=TODAY() - timedelta(days=1))
    revision = plan_services.plan_revise(actor=world.actor(Role.CASEWORKER), plan=active)
    assert revision.review_on is None
    assert revision.goals == GOALS


def test_a_closed_plan_is_not_closed_again(world: World, case: Case) -> None:
    plan = _draft(world, case)
    plan = plan_services.plan_close(
        actor=world.actor(Role.CASEWORKER), plan=plan, expected_version=plan.version
    )
    with pytest.raises(ValidationError, match="closed or superseded already"):
        plan_services.plan_close(
            actor=world.actor(Role.CASEWORKER), plan=plan, expected_version=plan.version
        )
    assert events(EventType.PLAN_CLOSED) == 1
    assert AssistancePlan.objects.get().status == PlanStatus.CLOSED


# --- The risk management plan -----------------------------------------------------------------


def _risk_plan(world: World, case: Case, **values: Any) -> RiskManagementPlan:
    arguments: dict[str, Any] = {
        "expected_version": 0,
        "risks": "Threats",
        "measures": "Safe house",
        "review_every_days": 30,
        "next_review_on": TODAY() + timedelta(days=30),
    }
    return plan_services.risk_plan_save(
        actor=world.actor(Role.CASEWORKER), case=case, **(arguments | values)
    )


def test_it_refuses_a_risk_plan_without_measures_or_review_date(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _risk_plan(world, case, measures=" ", next_review_on=None)
    assert {"measures", "next_review_on"} == set(refused.value.message_dict)
    assert not RiskManagementPlan.objects.exists()


def test_it_refuses_a_risk_plan_form_opened_on_a_plan_that_is_gone(
    world: World, case: Case
) -> None:
    with pytest.raises(ConflictError, match="no longer exists"):
        _risk_plan(world, case, expected_version=2)
    assert not RiskManagementPlan.objects.exists()


def test_a_risk_plan_saved_unchanged_writes_nothing(world: World, case: Case) -> None:
    plan = _risk_plan(world, case)
    again = _risk_plan(world, case, expected_version=plan.version, risks=" Threats ")
    assert again.version == RiskManagementPlan.objects.get().version == plan.version
    assert events(EventType.RISK_PLAN_CHANGED) == 1


@pytest.mark.parametrize(
    ("reviewed_on", "message"),
    [
        (None, "Enter the date of the review."),
        (date(2000, 1, 1), "The date is before the plan was made."),
    ],
)
def test_it_refuses_a_review_without_a_possible_date(
    world: World, case: Case, reviewed_on: date | None, message: str
) -> None:
    plan = _risk_plan(world, case)
    with pytest.raises(ValidationError) as refused:
        plan_services.risk_plan_review(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            reviewed_on=reviewed_on,
            with_person=True,
            notes="",
        )
    assert refused.value.message_dict["reviewed_on"] == [message]
    assert not plan.reviews.exists()
    assert RiskManagementPlan.objects.get().next_review_on == plan.next_review_on
