"""Monitoring the mechanism (issue 15 §8): an assisted person answers the anonymous feedback form
on a phone with the keyboard alone, and the national coordinator updates an action of the
national action plan."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.directory.models import Function
from opentrm.monitoring import feedback, services
from opentrm.monitoring.models import FeedbackResponse, StatusChange
from tests.browser.support import FictionalDirectory, has_horizontal_scroll, log_in

pytestmark = pytest.mark.browser


def _acting_as(directory: FictionalDirectory, role: Role) -> Actor:
    membership = Membership.objects.get(user=directory.member)
    membership.role = role
    membership.save()
    return Actor(user=directory.member, membership=membership)


def _tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def test_a_person_answers_the_feedback_form_on_a_phone_with_the_keyboard_alone(
    phone_page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    cache.clear()
    code = feedback.feedback_code_issue(actor=_acting_as(directory, Role.CASEWORKER))
    page = phone_page
    page.goto(f"{live_server.url}/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us how we helped you")
    assert not has_horizontal_scroll(page)

    code_field = page.get_by_label("Your code")
    _tab_to(page, code_field)
    page.keyboard.type(feedback.display_code(code.code).lower())  # as read from the slip
    page.keyboard.press("Enter")
    expect(page.get_by_text(directory.member.memberships.get().organisation.name)).to_be_visible()
    assert not has_horizontal_scroll(page)

    # First question: Tab to the group, Space picks the first answer, the arrows move on.
    happy = page.get_by_role("group", name="How happy are you with the help you received?")
    _tab_to(page, happy.get_by_label("Very unhappy"))
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(happy.get_by_label("Happy", exact=True)).to_be_checked()
    # Second question: Tab leaves the group for the next one.
    page.keyboard.press("Tab")
    safe = page.get_by_role("group", name="Did you feel safe?")
    expect(safe.get_by_label("Yes")).to_be_focused()
    page.keyboard.press("Space")
    # The third is skipped; the fourth answered.
    recommend = page.get_by_role(
        "group", name="Would you tell someone in your situation to go to this service?"
    )
    _tab_to(page, recommend.get_by_label("Yes"))
    page.keyboard.press("ArrowDown")
    expect(recommend.get_by_label("Not sure")).to_be_checked()
    send = page.get_by_role("button", name="Send")
    _tab_to(page, send)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    answer = FeedbackResponse.objects.get()
    assert (answer.satisfaction, answer.felt_safe, answer.understood) == (4, "yes", "")
    assert answer.would_recommend == "not_sure"
    assert answer.month == timezone.localdate().replace(day=1)
    assert {cookie["name"] for cookie in page.context.cookies()} <= {"csrftoken"}


def test_the_coordinator_updates_an_overdue_action_of_the_plan(
    page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    coordinator = _acting_as(directory, Role.NATIONAL_COORDINATOR)
    today = timezone.localdate()
    plan = services.plan_create(
        actor=coordinator,
        title="National action plan 2026-2028",
        starts_on=today - timedelta(days=300),
        ends_on=today + timedelta(days=700),
    )
    objective = services.objective_add(
        actor=coordinator, plan=plan, code="2", title="Better identification"
    )
    action = services.action_add(
        actor=coordinator,
        objective=objective,
        code="2.1",
        title="Train labour inspectors on indicators",
        owner=directory.by_function[Function.IDENTIFICATION],
        due_on=today - timedelta(days=3),
        indicator="Labour inspectors trained",
        target="120",
    )
    log_in(page, live_server.url, directory.member)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Action plan").click()
    page.get_by_role("link", name="National action plan 2026-2028").click()
    row = page.get_by_role("row", name="2.1 Train labour inspectors on indicators")
    expect(row).to_contain_text("Overdue")
    row.get_by_role("link").click()

    page.get_by_role("link", name="Edit the action").click()
    page.get_by_role("combobox", name="Status").select_option(label="Done")
    page.get_by_label("Note on the change of status").fill("118 inspectors trained")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Action saved.")
    history = page.locator("#history + table")
    expect(history).to_contain_text("Planned")
    expect(history).to_contain_text("Done")
    expect(history).to_contain_text("118 inspectors trained")
    expect(page.locator("main .badge")).to_have_count(0)  # done: no longer overdue
    assert StatusChange.objects.get(action=action).to_status == "done"

    page.get_by_role("link", name="National action plan 2026-2028").click()
    expect(page.get_by_text("1 in all, 1 done, 0 overdue")).to_be_visible()
