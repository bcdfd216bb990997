"""Issue 12 in the browser: each role lands on its home page after login and reaches each item
in one click; a referral notification is received, opened, and the counter goes down."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import World, build_world
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.cases.services.tasks import task_create
from opentrm.referrals.tests.test_requests import adult_case, focal_point, sent_request
from tests.browser.support import PASSWORD, log_in

pytestmark = pytest.mark.browser


def _world() -> World:
    """The shared test world, its members logging in with the browser tests' passphrase."""
    world = build_world()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return world


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_each_role_lands_on_its_home_and_reaches_each_item_in_one_click(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    base = live_server.url
    world = _world()
    focal_point(world)
    case = adult_case(world)
    task_create(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        title="Book the interpreter",
        due_on=timezone.localdate() + timedelta(days=1),
        assignee=world.user(Role.CASEWORKER),
    )
    referral = sent_request(world, case, kind="identity_verification")

    # the caseworker: her task, one click to the case
    log_in(page, base, world.user(Role.CASEWORKER))
    expect(page.get_by_role("heading", name="What needs you today")).to_be_visible()
    tasks = page.locator("#tasks")
    expect(tasks).to_contain_text("Book the interpreter")
    tasks.get_by_role("link", name=case.number).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.public_id}/\?section=tasks#tasks$"))
    expect(page.get_by_role("heading", name="Tasks and deadlines")).to_be_visible()
    _log_out(page)

    # the focal point abroad: the request to answer, one click to it
    log_in(page, base, world.user(Role.CASEWORKER, org="b"))
    waiting = page.locator("#referrals")
    expect(waiting).to_contain_text("1 waiting")
    waiting.get_by_role("link", name=referral.reference).click()
    expect(page).to_have_url(f"{base}/referrals/{referral.public_id}/")
    _log_out(page)

    # the directory editor: the entries due for review, one click to the review page
    log_in(page, base, world.user(Role.DIRECTORY_EDITOR))
    page.locator("#directory").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/directory/review/")
    _log_out(page)

    # the coordinator: no case work, the directory one click away
    log_in(page, base, world.user(Role.NATIONAL_COORDINATOR))
    expect(page.locator("#tasks")).to_have_count(0)
    page.get_by_role("link", name="Directory of countries").click()
    expect(page).to_have_url(f"{base}/")


def test_a_referral_notification_is_received_opened_and_the_counter_goes_down(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    base = live_server.url
    world = _world()
    focal_point(world)
    referral = sent_request(world, adult_case(world), kind="family_check")
    log_in(page, base, world.user(Role.CASEWORKER, org="b"))
    counter = page.locator(".notifications-counter")
    expect(counter).to_have_attribute("data-unread", "1")
    expect(counter).to_contain_text("1")
    counter.click()
    row = page.locator("tr.unread")
    expect(row).to_contain_text(referral.reference)
    row.get_by_role("link", name="New request to your organisation").click()
    expect(page).to_have_url(f"{base}/referrals/{referral.public_id}/")
    expect(page.locator(".notifications-counter")).to_have_attribute("data-unread", "0")
    page.locator(".notifications-counter").click()
    expect(page.locator("tr.read")).to_contain_text(referral.reference)
