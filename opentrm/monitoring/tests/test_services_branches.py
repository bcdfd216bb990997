"""The action plan at its edges: changing a plan and an objective (a number already used is a
field error, a stale form a conflict), and the access functions' 404 and 403."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from conftest import World, build_world
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.core.tests.threads import rival_write
from opentrm.monitoring import services
from opentrm.monitoring.access import access_action, access_objective, access_plan
from opentrm.monitoring.models import ActionPlan, Objective
from opentrm.monitoring.tests.factories import make_action, make_objective, make_plan

COORDINATOR = Role.NATIONAL_COORDINATOR


def test_the_coordinator_changes_the_plan_and_a_stale_form_is_refused(world: World) -> None:
    plan = make_plan(world)
    stale = plan.version
    services.plan_change(
        actor=world.actor(COORDINATOR),
        plan=plan,
        expected_version=stale,
        title="National action plan 2026-2029",
        starts_on=plan.starts_on,
        ends_on=date(2029, 12, 31),
    )
    changed = AuditEvent.objects.get(event_type=EventType.ACTION_PLAN_CHANGED)
    assert sorted(changed.changed_fields) == ["ends_on", "title"]
    with pytest.raises(ConflictError):
        services.plan_change(
            actor=world.actor(COORDINATOR),
            plan=ActionPlan.objects.get(pk=plan.pk),
            expected_version=stale,
            title="Another title",
        )
    assert ActionPlan.objects.get(pk=plan.pk).title == "National action plan 2026-2029"


def test_an_objective_cannot_take_a_number_already_used_in_its_plan(world: World) -> None:
    plan = make_plan(world)
    make_objective(world, plan, code="1")
    second = make_objective(world, plan, code="2")
    with pytest.raises(ValidationError) as refused:
        services.objective_change(
            actor=world.actor(COORDINATOR),
            objective=second,
            expected_version=second.version,
            code="1",
            title=second.title,
            description="",
        )
    # the service's own check names the field before the model's or the database's would
    # (``_CODE_TAKEN`` is also the answer to two coordinators saving the same number at once)
    assert refused.value.message_dict == {
        "code": ["This number is already used here. Choose another one."]
    }
    assert Objective.objects.get(pk=second.pk).code == "2"
    services.objective_change(
        actor=world.actor(COORDINATOR),
        objective=Objective.objects.get(pk=second.pk),
        expected_version=second.version,
        code="3",
        title=second.title,
        description="",
    )
    assert Objective.objects.get(pk=second.pk).code == "3"
    assert AuditEvent.objects.filter(event_type=EventType.PLAN_OBJECTIVE_CHANGED).count() == 1


def test_members_read_the_plans_rows_and_only_the_coordinator_opens_them_for_change(
    world: World,
) -> None:
    plan = make_plan(world)
    objective = make_objective(world, plan)
    action = make_action(world, objective)
    reader = world.actor(Role.CASEWORKER)
    assert access_objective(reader, objective.pk) == objective
    assert access_action(reader, action.pk) == action
    assert access_objective(world.actor(COORDINATOR), objective.pk, action="change") == objective
    other = world.actor(COORDINATOR, org="b")  # another country's coordinator
    with pytest.raises(PermissionDenied):
        access_plan(reader, plan.pk, action="change")
    with pytest.raises(PermissionDenied):
        access_objective(reader, objective.pk, action="change")
    with pytest.raises(PermissionDenied):
        access_action(reader, action.pk, action="change")
    with pytest.raises(Http404):
        access_objective(other, objective.pk)
    with pytest.raises(Http404):
        access_action(other, action.pk)


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_adding_the_same_number_at_once_get_a_field_error() -> None:
    """The other coordinator's objective is saved while this one's form was checked: the
    database's constraint decides, and the answer is the same field error as the check's."""
    world = build_world()
    plan = make_plan(world)
    rival = rival_write(lambda: make_objective(world, plan, code="1"))
    with rival, pytest.raises(ValidationError) as refused:
        services.objective_add(
            actor=world.actor(COORDINATOR), plan=plan, code="1", title="Protect more children"
        )
    assert refused.value.message_dict == {
        "code": ["This number is already used here. Choose another one."]
    }
    (kept,) = Objective.objects.filter(plan=plan)
    assert kept.title == "Identify more victims of labour exploitation"  # the rival's
    assert AuditEvent.objects.filter(event_type=EventType.PLAN_OBJECTIVE_ADDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_renumbering_to_the_same_number_at_once_get_a_field_error() -> None:
    world = build_world()
    plan = make_plan(world)
    first = make_objective(world, plan, code="1")
    second = make_objective(world, plan, code="2")

    def renumber(objective: Objective, code: str) -> None:
        services.objective_change(
            actor=world.actor(COORDINATOR),
            objective=Objective.objects.get(pk=objective.pk),
            expected_version=objective.version,
            code=code,
            title=objective.title,
            description="",
        )

    with rival_write(lambda: renumber(first, "3")), pytest.raises(ValidationError) as refused:
        renumber(second, "3")
    assert refused.value.message_dict == {
        "code": ["This number is already used here. Choose another one."]
    }
    codes = dict(Objective.objects.values_list("pk", "code"))
    assert codes == {first.pk: "3", second.pk: "2"}
    assert AuditEvent.objects.filter(event_type=EventType.PLAN_OBJECTIVE_CHANGED).count() == 1
