"""Tasks, called directly: a click that changes nothing, a user without a membership, and two
reminder runs at the same moment."""

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, Task
from opentrm.cases.services import task_complete, task_reminders_send
from opentrm.cases.services import task_reminders as task_services
from opentrm.cases.services.tasks import TaskView, assignable_users, case_tasks, task_list
from opentrm.cases.tests.factories import new_case
from opentrm.cases.tests.test_tasks import _task

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)


def test_completing_a_completed_task_again_records_nothing(world: World, case: Case) -> None:
    task = _task(world, case, TODAY(), assignee=world.user(Role.CASEWORKER))
    manager = world.actor(Role.CASE_MANAGER)
    task = task_complete(actor=manager, task=task, expected_version=task.version)
    done_at, version = task.done_at, task.version

    again = task_complete(actor=manager, task=task, expected_version=version)

    assert (again.done_at, again.version) == (done_at, version)
    assert Task.objects.get().version == version
    assert AuditEvent.objects.filter(event_type=EventType.TASK_COMPLETED).count() == 1


def test_a_user_without_a_membership_has_no_tasks_and_no_one_to_assign(
    world: World, case: Case
) -> None:
    _task(world, case, TODAY() - timedelta(days=1), assignee=world.user(Role.CASEWORKER))
    nobody = Actor(user=User.objects.create_user(username="former_member"), membership=None)
    for view in TaskView:
        assert not task_list(actor=nobody, view=view).exists()
    assert case_tasks(actor=nobody, case=case) == ([], [])
    assert not assignable_users(nobody.organisation_id).exists()


def test_two_reminder_runs_at_the_same_moment_send_one_e_mail(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other run read the same due tasks and claimed them first: this one sends nothing."""
    _task(world, case, TODAY(), assignee=world.user(Role.CASEWORKER))
    found = task_services._due_for_reminder

    def claimed_meanwhile(day: date, horizon: int) -> Iterator[Task]:
        tasks = list(found(day, horizon))
        Task.objects.update(last_reminded_on=day)  # the other run's claim
        yield from tasks

    monkeypatch.setattr(task_services, "_due_for_reminder", claimed_meanwhile)
    result = task_reminders_send(days=3)

    assert (result.emails, result.tasks, result.failed) == (0, 0, 0)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(event_type=EventType.TASK_REMINDERS_SENT).exists()
