"""Follow-up visits after return (SOP-T13) and labour inspections (LAB-03, LAB-06)."""

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, LabourInspection, Task, TaskSource
from opentrm.cases.services import task_reminders_send
from opentrm.cases.services.aftercare import follow_up_visit_record, follow_up_visits_schedule
from opentrm.cases.services.labour import (
    InspectionData,
    labour_inspection_record,
    labour_inspection_register_case,
)
from opentrm.cases.tests.factories import new_case
from opentrm.directory.models import Organisation


def _case(world: World) -> Case:
    return new_case(world)  # agency A's interpreter assigned: they see only such cases


def test_scheduled_visits_become_tasks_that_remind_and_go_overdue(world: World) -> None:
    case = _case(world)
    today = timezone.localdate()
    user = world.user(Role.CASEWORKER)
    user.email = "caseworker@example.org"
    user.save()

    visits = follow_up_visits_schedule(
        actor=world.actor(Role.CASEWORKER), case=case, first_on=today, every_days=30, count=3
    )

    assert [v.due_on for v in visits] == [today + timedelta(days=30 * n) for n in range(3)]
    tasks = Task.objects.filter(case=case, source=TaskSource.FOLLOW_UP_VISIT)
    assert tasks.count() == 3
    assert set(tasks.values_list("assignee", flat=True)) == {user.pk}
    assert AuditEvent.objects.filter(event_type="FOLLOW_UP_VISIT_SCHEDULED").exists()
    result = task_reminders_send(today=today)  # the daily reminder command's service
    assert result.emails == 1
    assert "Follow-up visit" in mail.outbox[0].body


def test_recording_a_visit_closes_its_task(world: World) -> None:
    case = _case(world)
    actor = world.actor(Role.CASEWORKER)
    (visit,) = follow_up_visits_schedule(
        actor=actor, case=case, first_on=timezone.localdate(), count=1
    )

    follow_up_visit_record(
        actor=actor,
        visit=visit,
        expected_version=visit.version,
        visited_on=timezone.localdate(),
        outcome="no_risk",
    )

    task = Task.objects.get(case=case, source=TaskSource.FOLLOW_UP_VISIT)
    assert task.done_at is not None
    assert AuditEvent.objects.get(event_type="FOLLOW_UP_VISIT_RECORDED").detail["outcome"] == (
        "no_risk"
    )


def test_only_roles_that_edit_assistance_schedule_visits(world: World) -> None:
    case = _case(world)
    for role in (Role.INTERPRETER, Role.PROSECUTOR, Role.POLICE_INVESTIGATOR):
        with pytest.raises(PermissionDenied):
            follow_up_visits_schedule(
                actor=world.actor(role), case=case, first_on=timezone.localdate()
            )
    with pytest.raises(ValidationError):
        follow_up_visits_schedule(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            first_on=timezone.localdate() - timedelta(days=1),
        )


def test_the_case_page_flags_an_overdue_visit(
    world: World, login: Callable[[User], Client]
) -> None:
    case = _case(world)
    (visit,) = follow_up_visits_schedule(
        actor=world.actor(Role.CASEWORKER), case=case, first_on=timezone.localdate(), count=1
    )
    type(visit).objects.filter(pk=visit.pk).update(due_on=timezone.localdate() - timedelta(days=3))

    html = login(world.user(Role.CASEWORKER)).get(
        reverse("cases:case_detail", args=[case.public_id])
    )

    assert "After return" in html.content.decode()
    assert "Overdue" in html.content.decode()


def test_the_api_schedules_and_lists_visits(world: World) -> None:
    case = _case(world)
    client = api(world, Role.CASEWORKER)
    url = f"/api/v1/cases/{case.public_id}/visits"

    made = client.post(
        url,
        json.dumps({"first_on": timezone.localdate().isoformat(), "count": 2}),
        content_type="application/json",
    )

    assert made.status_code == 201
    assert len(client.get(url).json()) == 2
    assert api(world, Role.INTERPRETER).get(url).status_code == 403


# --- Labour inspections ------------------------------------------------------------------------


def _data(**extra: object) -> InspectionData:
    values: dict[str, object] = {
        "inspected_on": timezone.localdate(),
        "trigger": "complaint",
        "classification": "forced_labour",
    }
    return InspectionData(**{**values, **extra})  # type: ignore[arg-type]


def test_an_inspection_that_finds_forced_labour_notifies_the_police_and_leads_to_a_case(
    world: World, inspectorate: Organisation, police: Organisation
) -> None:
    actor = world.actor(Role.CASEWORKER)
    with pytest.raises(ValidationError) as refused:
        labour_inspection_record(actor=actor, data=_data())
    assert "notified_to" in refused.value.message_dict

    inspection = labour_inspection_record(
        actor=actor, data=_data(notified_to=police, notified_on=timezone.localdate())
    )
    case = labour_inspection_register_case(actor=actor, inspection=inspection)

    inspection.refresh_from_db()
    assert inspection.case == case
    assert case.owner_organisation == inspectorate
    assert AuditEvent.objects.get(event_type="LABOUR_INSPECTION_RECORDED").detail == {
        "inspection_id": inspection.pk,
        "trigger": "complaint",
        "classification": "forced_labour",
        "notified_to_id": police.pk,
    }
    with pytest.raises(ValidationError):
        labour_inspection_register_case(actor=actor, inspection=inspection)


def test_undeclared_labour_is_kept_apart_and_leads_to_no_case(
    world: World, inspectorate: Organisation
) -> None:
    actor = world.actor(Role.CASEWORKER)
    inspection = labour_inspection_record(
        actor=actor, data=_data(classification="undeclared_labour", trigger="planned")
    )

    with pytest.raises(ValidationError, match="labour exploitation or forced labour"):
        labour_inspection_register_case(actor=actor, inspection=inspection)


def test_only_a_labour_inspectorate_records_inspections(world: World) -> None:
    with pytest.raises(PermissionDenied):
        labour_inspection_record(actor=world.actor(Role.CASEWORKER), data=_data())
    assert not LabourInspection.objects.exists()


def test_an_inspector_records_an_inspection_on_the_screen(
    world: World, inspectorate: Organisation, police: Organisation, login: Callable[[User], Client]
) -> None:
    client = login(world.user(Role.CASEWORKER))
    today = timezone.localdate().isoformat()

    response = client.post(
        reverse("cases:labour_create"),
        {
            "inspected_on": today,
            "trigger": "complaint",
            "classification": "labour_exploitation",
            "workers_found": "4",
            "notified_to": police.pk,
            "notified_on": today,
        },
        follow=True,
    )

    assert "Labour exploitation" in response.content.decode()
    assert "Register a presumed victim from this inspection" in response.content.decode()
    listed = client.get(reverse("cases:labour_list")).content.decode()
    assert "Labour exploitation" in listed
    # the partner abroad is no inspectorate: refused
    other = login(world.user(Role.CASEWORKER, org="b")).get(reverse("cases:labour_list"))
    assert other.status_code == 403


def test_the_schedule_form_shows_every_mistake_at_once(
    world: World, login: Callable[[User], Client]
) -> None:
    """Issue 12 §5: the service's rule (the first visit not in the past) comes with the form's
    own (at most 12 visits), each on its field, not one more on each submit."""
    case = _case(world)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = login(world.user(Role.CASEWORKER)).post(
        reverse("cases:visit_schedule", args=[case.public_id]),
        {"first_on": yesterday.isoformat(), "every_days": "30", "count": "13"},
    )
    page = response.content.decode()

    assert response.status_code == 200
    for field in ("first_on", "count"):
        assert f'id="id_{field}_error"' in page, field
        assert f'aria-describedby="id_{field}_error"' in page, field
    assert "The first visit cannot be in the past." in page
    assert not case.visits.exists()


NAME_THE_UNIT = "Labour exploitation or forced labour is notified to the police: name the unit."


def test_the_inspection_form_shows_every_mistake_at_once(
    world: World, inspectorate: Organisation, login: Callable[[User], Client]
) -> None:
    """Issue 12 §5: the service's rules (the police unit named for forced labour, a date with
    no unit) come with the form's own (a negative number of workers)."""
    response = login(world.user(Role.CASEWORKER)).post(
        reverse("cases:labour_create"),
        {
            "inspected_on": timezone.localdate().isoformat(),
            "trigger": "complaint",
            "classification": "forced_labour",
            "workers_found": "-1",
            "notified_on": timezone.localdate().isoformat(),
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["notified_to"] == [NAME_THE_UNIT]
    assert errors["workers_found"] == ["Ensure this value is greater than or equal to 0."]
    assert NAME_THE_UNIT in response.content.decode()
    assert not LabourInspection.objects.exists()


def test_the_api_refuses_the_same_inspection_with_every_mistake(
    world: World, inspectorate: Organisation
) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api(world, Role.CASEWORKER).post(
        "/api/v1/labour/inspections",
        json.dumps(
            {
                "inspected_on": tomorrow,
                "trigger": "complaint",
                "classification": "forced_labour",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("inspected_on", "The date is in the future."),
        ("notified_to_id", NAME_THE_UNIT),
    }
    assert not LabourInspection.objects.exists()
