"""The national action plan as data: who writes, who reads, overdue actions, the status history,
stale forms, the CSV export and the API."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.monitoring import services
from opentrm.monitoring.models import ActionStatus, PlanAction, StatusChange
from opentrm.monitoring.tests.factories import make_action, make_objective, make_plan

COORDINATOR = Role.NATIONAL_COORDINATOR


def _action_form(action: PlanAction, **values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": action.code,
        "title": action.title,
        "owner": action.owner_id,
        "due_on": action.due_on.isoformat(),
        "status": action.status,
        "indicator": action.indicator,
        "target": action.target,
        "version": action.version,
    }
    data.update(values)
    return data


def test_it_creates_a_plan_of_the_coordinators_own_country(world: World) -> None:
    plan = make_plan(world)
    assert plan.country_id == world.country_a.pk
    assert AuditEvent.objects.filter(
        event_type=EventType.ACTION_PLAN_CREATED, target_id=str(plan.pk)
    ).exists()


@pytest.mark.parametrize("role", [role for role in Role if role != COORDINATOR])
def test_everyone_but_the_national_coordinator_is_refused_writing_the_plan(
    world: World, role: Role
) -> None:
    plan = make_plan(world)
    objective = make_objective(world, plan)
    action = make_action(world, objective)
    actor = world.actor(role)
    with pytest.raises(PermissionDenied):
        services.plan_create(
            actor=actor, title="x", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1)
        )
    with pytest.raises(PermissionDenied):
        services.plan_change(actor=actor, plan=plan, expected_version=1, title="x")
    with pytest.raises(PermissionDenied):
        services.objective_add(actor=actor, plan=plan, code="9", title="x")
    with pytest.raises(PermissionDenied):
        services.objective_change(actor=actor, objective=objective, expected_version=1, title="x")
    with pytest.raises(PermissionDenied):
        make_action_as(actor, objective, world)
    with pytest.raises(PermissionDenied):
        services.action_change(actor=actor, action=action, expected_version=1, status="done")
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def make_action_as(actor: Actor, objective: object, world: World) -> None:
    services.action_add(
        actor=actor,
        objective=objective,  # type: ignore[arg-type]
        code="9.9",
        title="x",
        owner=world.agency_a,
        due_on=date(2026, 1, 1),
        indicator="x",
    )


def test_the_coordinator_of_another_country_may_not_write_the_plan(world: World) -> None:
    plan = make_plan(world)
    with pytest.raises(PermissionDenied):
        services.plan_change(
            actor=world.actor(COORDINATOR, org="b"), plan=plan, expected_version=1, title="x"
        )


def test_members_of_the_country_read_and_other_countries_do_not_see_the_plan(
    world: World,
) -> None:
    plan = make_plan(world, title="Plan of country A")
    url = reverse("monitoring:plan_detail", args=[plan.pk])
    for role in (Role.CASEWORKER, Role.STATISTICIAN, Role.INTERPRETER):
        response = browser(world, role).get(url)
        assert response.status_code == 200
        assert b"Plan of country A" in response.content
        assert b"Edit the plan" not in response.content
    assert b"Edit the plan" in browser(world, COORDINATOR).get(url).content
    assert browser(world, COORDINATOR, org="b").get(url).status_code == 404
    listing = browser(world, Role.STATISTICIAN, org="b").get(reverse("monitoring:plan_list"))
    assert b"Plan of country A" not in listing.content


def test_an_action_is_owned_by_an_organisation_of_the_plans_country(world: World) -> None:
    objective = make_objective(world, make_plan(world))
    with pytest.raises(ValidationError) as refused:
        make_action(world, objective, owner=world.agency_b)
    assert "owner" in refused.value.message_dict
    assert not PlanAction.objects.exists()
    assert make_action(world, objective, owner=world.agency_c).owner == world.agency_c


def test_the_plan_cannot_end_before_it_starts(world: World) -> None:
    client = browser(world, COORDINATOR)
    response = client.post(
        reverse("monitoring:plan_create"),
        {"title": "Backwards", "starts_on": "2026-05-01", "ends_on": "2026-04-01"},
    )
    assert response.status_code == 200
    assert b"The period cannot end before it starts." in response.content
    with pytest.raises(ValidationError):
        make_plan(world, starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))


def test_an_objective_number_is_used_once_per_plan(world: World) -> None:
    plan = make_plan(world)
    make_objective(world, plan, code="1")
    with pytest.raises(ValidationError):
        make_objective(world, plan, code="1")


def test_overdue_actions_are_flagged_until_done_or_cancelled(world: World) -> None:
    today = timezone.localdate()
    objective = make_objective(world, make_plan(world))
    late = make_action(world, objective, code="1.1", due_on=today - timedelta(days=1))
    make_action(world, objective, code="1.2", due_on=today)  # due today: not late yet
    done = make_action(
        world, objective, code="1.3", due_on=today - timedelta(days=9), status="done"
    )
    cancelled = make_action(
        world, objective, code="1.4", due_on=today - timedelta(days=9), status="cancelled"
    )
    assert late.is_overdue(today)
    assert not done.is_overdue(today)
    assert not cancelled.is_overdue(today)
    assert list(PlanAction.objects.overdue(today)) == [late]

    page = browser(world, Role.CASEWORKER).get(
        reverse("monitoring:plan_detail", args=[objective.plan_id])
    )
    assert page.content.count(b'class="overdue"') == 1
    assert b"4 in all, 1 done, 1 overdue" in page.content
    listing = browser(world, Role.CASEWORKER).get(reverse("monitoring:plan_list"))
    assert b'<strong class="overdue">1</strong>' in listing.content


def test_a_change_of_status_is_kept_in_the_history(world: World) -> None:
    action = make_action(world, make_objective(world, make_plan(world)))
    actor = world.actor(COORDINATOR)
    services.action_change(
        actor=actor,
        action=action,
        expected_version=action.version,
        status="in_progress",
        status_note="First course held",
    )
    services.action_change(
        actor=actor, action=action, expected_version=action.version, target="150"
    )  # no status change: no history row
    services.action_change(
        actor=actor, action=action, expected_version=action.version, status="done"
    )
    history = list(StatusChange.objects.filter(action=action).order_by("changed_at", "id"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("planned", "in_progress"),
        ("in_progress", "done"),
    ]
    assert history[0].note == "First course held"
    assert history[0].changed_by == actor.user
    event = (
        AuditEvent.objects.filter(event_type=EventType.PLAN_ACTION_CHANGED)
        .order_by("sequence")
        .first()
    )
    assert event is not None
    assert event.detail["to_status"] == "in_progress"

    page = browser(world, Role.STATISTICIAN).get(
        reverse("monitoring:action_detail", args=[action.pk])
    )
    assert b"First course held" in page.content


def test_a_stale_action_form_is_refused_and_changes_nothing(world: World) -> None:
    action = make_action(world, make_objective(world, make_plan(world)))
    url = reverse("monitoring:action_edit", args=[action.pk])
    first, second = browser(world, COORDINATOR), browser(world, COORDINATOR)
    opened = _action_form(action)
    assert first.post(url, {**opened, "status": "in_progress"}).status_code == 302
    response = second.post(url, {**opened, "status": "cancelled", "target": "1"})
    assert response.status_code == 200
    assert b"This record was changed by" in response.content
    action.refresh_from_db()
    assert (action.status, action.target, action.version) == ("in_progress", "120", 2)
    assert StatusChange.objects.filter(action=action).count() == 1
    with pytest.raises(ConflictError):
        services.action_change(
            actor=world.actor(COORDINATOR), action=action, expected_version=1, title="x"
        )


def test_the_coordinator_edits_an_action_through_the_page(world: World) -> None:
    action = make_action(world, make_objective(world, make_plan(world)))
    response = browser(world, COORDINATOR).post(
        reverse("monitoring:action_edit", args=[action.pk]),
        _action_form(action, status="in_progress", status_note="Started", owner=world.agency_c.pk),
        follow=True,
    )
    assert b"Action saved." in response.content
    action.refresh_from_db()
    assert (action.status, action.owner_id) == ("in_progress", world.agency_c.pk)
    assert b"Started" in response.content  # the history on the action's page


def test_the_plan_exports_as_csv_with_formulas_neutralised(world: World) -> None:
    objective = make_objective(world, make_plan(world))
    make_action(world, objective, title="=HYPERLINK(1)", due_on=date(2020, 1, 1))
    response = browser(world, Role.STATISTICIAN).get(
        reverse("monitoring:plan_export", args=[objective.plan_id])
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Objective number", "Objective", "Action number", "Action"]
    assert rows[1][3] == "'=HYPERLINK(1)"
    assert rows[1][5:8] == ["2020-01-01", "Planned", "yes"]
    assert AuditEvent.objects.filter(event_type=EventType.ACTION_PLAN_EXPORTED).exists()


def test_the_api_reads_the_plans_of_the_callers_country(world: World) -> None:
    plan = make_plan(world)
    make_action(world, make_objective(world, plan), due_on=date(2020, 1, 1))
    client = browser(world, Role.STATISTICIAN)
    plans = client.get("/api/v1/monitoring/plans").json()
    assert [p["id"] for p in plans] == [plan.pk]
    detail = client.get(f"/api/v1/monitoring/plans/{plan.pk}").json()
    action = detail["objectives"][0]["actions"][0]
    assert action["owner"] == world.agency_a.name
    assert action["overdue"] is True
    other = browser(world, Role.STATISTICIAN, org="b")
    assert other.get("/api/v1/monitoring/plans").json() == []
    assert other.get(f"/api/v1/monitoring/plans/{plan.pk}").status_code == 404


def test_the_plans_page_costs_the_same_queries_for_a_larger_plan(
    world: World, django_assert_max_num_queries: object
) -> None:
    plan = make_plan(world)
    for number in range(1, 4):
        objective = make_objective(world, plan, code=str(number))
        for sub in range(1, 5):
            make_action(world, objective, code=f"{number}.{sub}")
    client = browser(world, Role.STATISTICIAN)
    url = reverse("monitoring:plan_detail", args=[plan.pk])
    client.get(url)  # the session and the actor are loaded once
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(url).status_code == 200


# --- Every mistake at once (issue 12 §5) --------------------------------------------------------

CODE_TAKEN = "This number is already used here. Choose another one."


def test_the_action_form_shows_a_taken_number_with_its_own_errors(world: World) -> None:
    objective = make_objective(world, make_plan(world))
    action = make_action(world, objective)
    response = browser(world, COORDINATOR).post(
        reverse("monitoring:action_create", args=[objective.pk]),
        _action_form(action, title="", due_on="not a date"),
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]  # the form's own
    assert errors["due_on"] == ["Enter a valid date."]
    assert errors["code"] == [CODE_TAKEN]  # checked before writing
    assert objective.actions.count() == 1


def test_the_service_refuses_a_taken_number_and_an_owner_abroad_at_once(world: World) -> None:
    objective = make_objective(world, make_plan(world))
    action = make_action(world, objective)
    with pytest.raises(ValidationError) as refused:
        services.action_add(
            actor=world.actor(COORDINATOR),
            objective=objective,
            code=action.code,
            title="Train labour inspectors",
            owner=world.agency_b,
            due_on=timezone.localdate(),
            indicator="Inspectors trained",
        )

    assert refused.value.message_dict == {
        "code": [CODE_TAKEN],
        "owner": ["Choose an active organisation of the plan's country."],
    }
    assert objective.actions.count() == 1


def test_a_change_to_a_taken_number_and_an_owner_abroad_is_refused_at_once(world: World) -> None:
    objective = make_objective(world, make_plan(world))
    make_action(world, objective)
    second = make_action(world, objective, code="1.2")
    with pytest.raises(ValidationError) as refused:
        services.action_change(
            actor=world.actor(COORDINATOR),
            action=second,
            expected_version=second.version,
            code="1.1",
            owner=world.agency_b,
        )

    assert refused.value.message_dict == {
        "code": [CODE_TAKEN],
        "owner": ["Choose an active organisation of the plan's country."],
    }
    second.refresh_from_db()
    assert (second.code, second.owner_id) == ("1.2", world.agency_a.pk)
