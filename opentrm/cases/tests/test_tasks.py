import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    Case,
    CaseMeasure,
    CaseParticipant,
    MeasureStatus,
    ReflectionPeriod,
    Task,
    TaskSource,
)
from opentrm.cases.services import (
    case_register,
    case_soft_delete,
    consent_withdraw,
    sync_generated_tasks,
    task_complete,
    task_create,
    task_reminders_send,
    task_reopen,
)
from opentrm.cases.tests.factories import case_page, new_case, record_consent
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ana Fictiva", role=Role.CASE_MANAGER)


def _task(world: World, case: Case, due_on: date, **values: Any) -> Task:
    """A task as it may stand after some days (the service refuses past due dates)."""
    values.setdefault("organisation", world.agency_a)
    values.setdefault("title", "Call the shelter")
    return Task.objects.create(case=case, due_on=due_on, **values)


# --- By hand ---------------------------------------------------------------------------------


def test_it_adds_a_task_for_a_colleague_and_shows_it_on_the_case_page(
    world: World, case: Case
) -> None:
    client = browser(world, Role.CASEWORKER)
    due = TODAY() + timedelta(days=2)
    response = client.post(
        reverse("cases:task_create", args=[case.public_id]),
        {
            "title": "Book an interpreter for the interview",
            "due_on": due.isoformat(),
            "assignee": world.user(Role.INTERPRETER).pk,
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.assignee, task.organisation, task.due_on) == (
        world.user(Role.INTERPRETER),
        world.agency_a,
        due,
    )
    page = client.get(reverse("cases:case_detail", args=[case.public_id])).content.decode()
    assert "Book an interpreter for the interview" in page
    event = AuditEvent.objects.get(event_type=EventType.TASK_CREATED)
    assert event.detail == {"case_id": case.pk, "source": "manual"}
    assert "interpreter" not in str(event.detail)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_on": TODAY() - timedelta(days=1)}, "due_on"),
        ({"title": "   "}, "title"),
        ({"assignee": "other organisation"}, "assignee"),
        ({"assignee": "statistician"}, "assignee"),
    ],
)
def test_it_refuses_a_past_due_date_an_empty_title_and_an_assignee_from_elsewhere(
    world: World, case: Case, overrides: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"title": "Visit", "due_on": TODAY(), "assignee": None}
    values.update(overrides)
    if values["assignee"] == "other organisation":
        values["assignee"] = world.user(Role.CASEWORKER, org="b")
    elif values["assignee"] == "statistician":
        values["assignee"] = world.user(Role.STATISTICIAN)
    with pytest.raises(ValidationError) as refused:
        task_create(actor=world.actor(Role.CASEWORKER), case=case, **values)
    assert field in refused.value.message_dict
    assert not Task.objects.exists()


def test_it_shows_a_past_due_date_on_the_field(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:task_create", args=[case.public_id]),
        {"title": "Late", "due_on": (TODAY() - timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert 'id="id_due_on_error"' in response.content.decode()
    assert not Task.objects.exists()


def test_it_completes_and_reopens_a_task_refusing_a_stale_click(world: World, case: Case) -> None:
    task = task_create(actor=world.actor(Role.CASEWORKER), case=case, title="Visit", due_on=TODAY())
    task_complete(actor=world.actor(Role.CASE_MANAGER), task=task, expected_version=1)
    stale = Task.objects.get(pk=task.pk)
    with pytest.raises(ConflictError) as refused:
        task_reopen(actor=world.actor(Role.CASEWORKER), task=stale, expected_version=1)
    assert "changed by A_Case_Manager" in refused.value.message
    assert Task.objects.get(pk=task.pk).done_at is not None
    task_reopen(actor=world.actor(Role.CASEWORKER), task=stale, expected_version=2)
    assert Task.objects.get(pk=task.pk).done_at is None
    assert [
        e.event_type
        for e in AuditEvent.objects.filter(
            target_type="cases.task", target_id=str(task.pk)
        ).order_by("sequence")
    ] == [
        EventType.TASK_CREATED,
        EventType.TASK_COMPLETED,
        EventType.TASK_REOPENED,
    ]


def test_it_completes_through_the_case_page_and_reports_a_stale_page(
    world: World, case: Case
) -> None:
    task = task_create(actor=world.actor(Role.CASEWORKER), case=case, title="Visit", due_on=TODAY())
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:task_complete", args=[case.public_id, task.pk])
    assert client.post(url, {"version": "1"}).status_code == 302
    assert Task.objects.get(pk=task.pk).done_at is not None
    response = client.post(
        reverse("cases:task_reopen", args=[case.public_id, task.pk]), {"version": "1"}, follow=True
    )
    assert "Reload it and apply your changes again." in response.content.decode()
    assert Task.objects.get(pk=task.pk).done_at is not None


def test_it_keeps_each_organisations_tasks_to_itself(world: World, case: Case) -> None:
    CaseParticipant.objects.create(case=case, organisation=world.agency_b)
    theirs = _task(world, case, TODAY(), organisation=world.agency_b, title="Their own work")
    page = case_page(world, case, Role.CASEWORKER)
    assert "Their own work" not in page
    url = reverse("cases:task_complete", args=[case.public_id, theirs.pk])
    assert browser(world, Role.CASEWORKER).post(url, {"version": "1"}).status_code == 404
    assert browser(world, Role.CASEWORKER, org="b").post(url, {"version": "1"}).status_code == 302
    assert Task.objects.get(pk=theirs.pk).done_at is not None


def test_it_lets_no_interpreter_or_outsider_change_tasks(world: World, case: Case) -> None:
    task = _task(world, case, TODAY())
    url = reverse("cases:task_complete", args=[case.public_id, task.pk])
    assert browser(world, Role.INTERPRETER).post(url, {"version": "1"}).status_code == 403
    new = reverse("cases:task_create", args=[case.public_id])
    assert browser(world, Role.CASEWORKER, org="b").get(new).status_code == 404
    assert Task.objects.get(pk=task.pk).done_at is None


# --- My tasks, due this week, overdue --------------------------------------------------------


def test_it_lists_my_tasks_the_weeks_and_the_overdue_ones(world: World, case: Case) -> None:
    me = world.user(Role.CASEWORKER)
    today = TODAY()
    sunday = today + timedelta(days=6 - today.weekday())
    _task(world, case, today, title="Mine today", assignee=me)
    _task(world, case, sunday, title="Colleague by Sunday", assignee=world.user(Role.GUARDIAN))
    _task(world, case, sunday + timedelta(days=1), title="Mine next week", assignee=me)
    _task(world, case, today - timedelta(days=2), title="Forgotten", assignee=me)
    done = _task(world, case, today - timedelta(days=2), title="Done already", assignee=me)
    Task.objects.filter(pk=done.pk).update(done_at=timezone.now())
    gone = case_register(actor=world.actor(Role.CASE_MANAGER))
    _task(world, gone, today, title="On a deleted case", assignee=me)
    case_soft_delete(actor=world.actor(Role.CASE_MANAGER), case=gone, reason="Twice")
    client = browser(world, Role.CASEWORKER)
    url = reverse("cases:task_list")

    def titles(show: str) -> set[str]:
        page = client.get(url, {"show": show}).content.decode()
        every = {
            "Mine today",
            "Colleague by Sunday",
            "Mine next week",
            "Forgotten",
            "Done already",
            "On a deleted case",
        }
        return {title for title in every if title in page}

    assert titles("mine") == {"Mine today", "Mine next week", "Forgotten"}
    assert titles("week") == {"Mine today", "Colleague by Sunday"}
    assert titles("overdue") == {"Forgotten"}
    # Another organisation's member sees none of them.
    page = browser(world, Role.CASEWORKER, org="b").get(url, {"show": "week"}).content.decode()
    assert "Mine today" not in page
    listed = [e.detail for e in AuditEvent.objects.filter(event_type=EventType.TASKS_LISTED)]
    assert {"show": "overdue", "count": 1, "case_ids": [case.pk]} in listed


def test_it_lists_tasks_with_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    me = world.user(Role.CASEWORKER)
    for index in range(30):
        case = case_register(actor=world.actor(Role.CASE_MANAGER))
        _task(world, case, TODAY() - timedelta(days=1), title=f"Task {index}", assignee=me)
    client = browser(world, Role.CASEWORKER)
    client.get(reverse("cases:task_list"))
    # 15: one of them marks the children's cases (the priority marker, issue 14).
    with django_assert_max_num_queries(15):
        page = client.get(reverse("cases:task_list"), {"show": "overdue"}).content.decode()
    assert "Task 29" in page


def test_it_shows_my_tasks_in_the_navigation_only_to_case_workers(world: World) -> None:
    url = reverse("cases:task_list")
    assert url in browser(world, Role.INTERPRETER).get(reverse("directory:home")).content.decode()
    assert url not in (
        browser(world, Role.STATISTICIAN).get(reverse("directory:home")).content.decode()
    )
    assert browser(world, Role.STATISTICIAN).get(url).status_code == 403


# --- Tasks made from deadlines ---------------------------------------------------------------


def test_it_makes_one_task_per_measure_deadline_and_follows_the_measure(
    world: World, case: Case
) -> None:
    due = TODAY() + timedelta(days=10)
    measure = CaseMeasure.objects.create(
        case=case,
        code="sop4.safe_transport",
        due_on=due,
        responsible_person=world.user(Role.CASEWORKER),
    )
    assert sync_generated_tasks(case).created == 1
    assert sync_generated_tasks(case).changed is False
    task = Task.objects.get(source=TaskSource.MEASURE)
    assert (task.source_key, task.due_on, task.assignee) == (
        "sop4.safe_transport",
        due,
        world.user(Role.CASEWORKER),
    )
    assert task.title.startswith("Measure due: ")
    CaseMeasure.objects.filter(pk=measure.pk).update(due_on=due + timedelta(days=5))
    assert sync_generated_tasks(case).moved == 1
    assert Task.objects.get(pk=task.pk).due_on == due + timedelta(days=5)
    CaseMeasure.objects.filter(pk=measure.pk).update(status=MeasureStatus.DONE)
    assert sync_generated_tasks(case).closed == 1
    assert Task.objects.get(pk=task.pk).done_at is not None
    assert Task.objects.count() == 1


def test_it_leaves_a_generated_task_people_completed_completed(world: World, case: Case) -> None:
    CaseMeasure.objects.create(case=case, code="sop2.shelter", due_on=TODAY())
    sync_generated_tasks(case)
    task = Task.objects.get()
    assert task.assignee == world.user(Role.CASE_MANAGER)  # the case manager by default
    task_complete(actor=world.actor(Role.CASEWORKER), task=task, expected_version=1)
    CaseMeasure.objects.filter(case=case).update(due_on=TODAY() + timedelta(days=3))
    sync_generated_tasks(case)
    task.refresh_from_db()
    assert task.done_at is not None
    assert task.due_on == TODAY()


def test_it_reminds_before_the_reflection_period_ends(
    world: World, case: Case, settings: Any
) -> None:
    start = TODAY()
    period = ReflectionPeriod.objects.create(
        case=case,
        starts_on=start,
        ends_on=start + timedelta(days=30),
        granted_by=world.user(Role.CASEWORKER),
        organisation=world.agency_a,
    )
    sync_generated_tasks(case)
    task = Task.objects.get(source=TaskSource.REFLECTION)
    assert (task.source_key, task.due_on) == (str(period.pk), start + timedelta(days=25))
    settings.OPENTRM_REFLECTION_REMINDER_DAYS = 10
    sync_generated_tasks(case)
    assert Task.objects.get(pk=task.pk).due_on == start + timedelta(days=20)


def test_it_makes_a_task_before_a_consent_expires_and_drops_it_when_withdrawn(
    world: World, case: Case
) -> None:
    expires = TODAY() + timedelta(days=60)
    consent = record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "share_data",
        "Who sees what and why.",
        to=world.agency_b,
        explained_in="ro",
        expires_on=expires,
    )
    task = Task.objects.get(source=TaskSource.CONSENT_EXPIRY)
    assert (task.due_on, task.source_key) == (expires, str(consent.pk))
    assert "Ana" not in task.title
    consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=consent)
    assert Task.objects.get(pk=task.pk).done_at is not None


# --- Reminders -------------------------------------------------------------------------------


def test_it_emails_each_assignee_one_digest_with_case_numbers_and_titles_only(
    world: World, case: Case
) -> None:
    me = world.user(Role.CASEWORKER)
    _task(world, case, TODAY() - timedelta(days=1), title="Renew the permit", assignee=me)
    _task(world, case, TODAY() + timedelta(days=2), title="Visit the shelter", assignee=me)
    _task(world, case, TODAY() + timedelta(days=20), title="Much later", assignee=me)
    _task(world, case, TODAY(), title="For the guardian", assignee=world.user(Role.GUARDIAN))
    _task(world, case, TODAY(), title="Nobody's")
    out = io.StringIO()
    call_command("send_reminders", days=3, stdout=out)
    assert "2 e-mails about 3 tasks" in out.getvalue()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "a_caseworker@example.test",
        "a_guardian@example.test",
    ]
    digest = next(m for m in mail.outbox if m.to == ["a_caseworker@example.test"])
    assert case.number in digest.body
    assert "Renew the permit" in digest.body
    assert "overdue" in digest.body
    assert "Visit the shelter" in digest.body
    assert "Much later" not in digest.body
    assert "Ana" not in f"{digest.subject} {digest.body}"
    assert AuditEvent.objects.get(event_type=EventType.TASK_REMINDERS_SENT).detail == {
        "emails": 2,
        "tasks": 3,
        "failed": 0,
    }


def test_it_reminds_of_a_task_at_most_once_a_day(world: World, case: Case) -> None:
    _task(world, case, TODAY(), assignee=world.user(Role.CASEWORKER))
    assert task_reminders_send(days=3).emails == 1
    assert task_reminders_send(days=3).emails == 0
    assert len(mail.outbox) == 1
    assert task_reminders_send(days=3, today=TODAY() + timedelta(days=1)).emails == 1


def test_it_skips_assignees_without_an_address_or_who_left(world: World, case: Case) -> None:
    nobody = world.user(Role.GUARDIAN)
    nobody.email = ""
    nobody.save()
    _task(world, case, TODAY(), assignee=nobody)
    leaver = world.members_a[Role.PROSECUTOR]
    leaver.is_active = False
    leaver.save()
    _task(world, case, TODAY(), assignee=leaver.user)
    result = task_reminders_send(days=3)
    assert (result.emails, result.no_address) == (0, 1)
    assert mail.outbox == []


def test_it_reminds_again_after_a_failed_send(
    world: World, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = _task(world, case, TODAY(), assignee=world.user(Role.CASEWORKER))

    def refuse(self: object, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert task_reminders_send(days=3).failed == 1
    assert Task.objects.get(pk=task.pk).last_reminded_on is None
    monkeypatch.undo()
    assert task_reminders_send(days=3).emails == 1
    assert Task.objects.get(pk=task.pk).last_reminded_on == TODAY()
