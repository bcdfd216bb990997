"""The home page: what needs each role today, only what she may see, in a fixed number of
queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Task
from opentrm.cases.services.tasks import task_create
from opentrm.referrals.tests.test_national import NAMES, make_scene, send


def _page(world: World, role: Role, org: str = "a") -> str:
    client = Client()
    client.force_login(world.user(role, org=org))
    response = client.get(reverse("notifications:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_login_lands_on_the_home_page(world: World) -> None:
    client = Client()
    user = world.user(Role.CASEWORKER)
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:home")


def test_the_caseworker_sees_her_tasks_and_the_receiver_its_referrals(world: World) -> None:
    scene = make_scene(world)
    task_create(
        actor=world.actor(Role.CASE_MANAGER),
        case=scene.case,
        title="Call the shelter",
        due_on=timezone.localdate() + timedelta(days=1),
        assignee=scene.sender.user,
    )
    referral = send(scene)
    mine = _page(world, Role.CASEWORKER)
    assert "Call the shelter" in mine
    assert reverse("cases:case_detail", args=[scene.case.public_id]) in mine
    for name in NAMES:
        assert name not in mine
    client = Client()
    client.force_login(scene.receiver.user)
    theirs = client.get(reverse("notifications:home")).content.decode()
    assert reverse("referrals:referral_detail", args=[referral.public_id]) in theirs
    assert "Call the shelter" not in theirs  # another organisation's task
    event = AuditEvent.objects.filter(event_type="HOME_VIEWED").order_by("sequence").last()
    assert event is not None
    assert event.detail["referral_ids"] == [referral.pk]


def test_roles_without_case_work_see_no_case_sections(world: World) -> None:
    make_scene(world)
    for role in (Role.STATISTICIAN, Role.DATA_PROTECTION_OFFICER, Role.NATIONAL_COORDINATOR):
        page = _page(world, role)
        assert 'id="tasks"' not in page
        assert 'id="referrals"' not in page
    assert 'id="directory"' in _page(world, Role.DIRECTORY_EDITOR)
    assert 'id="exchange"' in _page(world, Role.SYSTEM_ADMINISTRATOR)
    assert 'id="directory"' not in _page(world, Role.CASEWORKER)


def test_the_home_page_costs_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    scene = make_scene(world)
    client = Client()
    client.force_login(scene.sender.user)
    client.get(reverse("notifications:home"))  # warm the session
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("notifications:home"))
    for day in range(12):
        task_create(
            actor=world.actor(Role.CASE_MANAGER),
            case=scene.case,
            title=f"Task {day}",
            due_on=timezone.localdate() + timedelta(days=day % 5),
            assignee=scene.sender.user,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("notifications:home"))


def test_past_the_count_cap_the_home_page_says_more_than(world: World, monkeypatch: Any) -> None:
    from opentrm.notifications import home

    scene = make_scene(world)
    today = timezone.localdate()
    for day in (-2, -1, 1, 2):
        task = task_create(
            actor=world.actor(Role.CASE_MANAGER),
            case=scene.case,
            title=f"Task {day}",
            due_on=today + timedelta(days=2),
            assignee=scene.sender.user,
        )
        Task.objects.filter(pk=task.pk).update(due_on=today + timedelta(days=day))  # now late
    assert "4 tasks due within the next days, 2 overdue." in _page(world, Role.CASEWORKER)
    monkeypatch.setattr(home, "COUNT_CAP", 3)
    page = _page(world, Role.CASEWORKER)
    assert "More than 3 tasks due within the next days, 2 overdue." in page
    monkeypatch.setattr(home, "COUNT_CAP", 1)
    page = _page(world, Role.CASEWORKER)
    assert "More than 1 tasks due within the next days, more than 1 overdue." in page


def test_an_action_item_of_a_meeting_is_on_its_owners_home_page_only(world: World) -> None:
    from opentrm.meetings.tests.test_meetings import _item, _roundtable

    meeting = _roundtable(world)
    _item(world, meeting, "Circulate the draft SOP summary", Role.CASE_MANAGER, days=-1)
    _item(world, meeting, "Book the hall for next year", Role.CASE_MANAGER, days=60)

    owners = _page(world, Role.CASE_MANAGER)
    others = _page(world, Role.NATIONAL_COORDINATOR)

    assert "Circulate the draft SOP summary" in owners
    assert "1 action item due" in owners
    assert "overdue: 1" in owners
    assert "Book the hall for next year" not in owners  # beyond the horizon: on its own page
    assert reverse("meetings:my_action_items") in owners
    assert "Circulate the draft SOP summary" not in others
