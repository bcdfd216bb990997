"""Issue 12 §4 in the browser: the case file's sections load on demand with htmx (the page is not
reloaded, the address says which section), reachable as plain links without JavaScript, and an
action that cannot be done now is shown disabled with its reason."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import World, build_world
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register, plan_draft, task_create
from tests.browser.support import PASSWORD, log_in

pytestmark = pytest.mark.browser


def _world() -> tuple[World, Case]:
    world = build_world()
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    case = case_register(
        actor=world.actor(Role.CASEWORKER),
        names=[NameData(value="Mira Fictiva")],
        sex="female",
        age_band="over_18",
    )
    task_create(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        title="Book the interpreter",
        due_on=timezone.localdate(),
    )
    plan_draft(actor=world.actor(Role.CASEWORKER), case=case, goals="Safe housing.")
    return world, case


def test_sections_load_on_demand_and_activation_is_disabled_with_its_reason(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    world, case = _world()
    log_in(page, live_server.url, world.user(Role.CASEWORKER))
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    summary = page.locator("#summary")
    expect(summary.locator("#next-deadlines")).to_contain_text("Book the interpreter")
    nav = page.get_by_role("navigation", name="Sections of the case file")
    expect(page.get_by_role("heading", name="Consents", exact=True)).to_be_visible()

    # A mark on the window survives only if htmx swapped the section in (no page load).
    page.evaluate("() => { window.notReloaded = true; }")
    nav.get_by_role("link", name="Tasks", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tasks and deadlines")).to_be_visible()
    # The keyboard user goes on at the section loaded, not on the navigation's link.
    expect(page.get_by_role("heading", name="Tasks and deadlines")).to_be_focused()
    expect(page).to_have_url(re.compile(r"\?section=tasks$"))
    assert page.evaluate("() => window.notReloaded === true")
    expect(page.get_by_role("heading", name="Consents", exact=True)).to_have_count(0)
    expect(nav.get_by_role("link", name="Tasks", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    nav.get_by_role("link", name="Plans", exact=True).click()
    expect(page.get_by_role("heading", name="Individual assistance plan")).to_be_visible()
    assert page.evaluate("() => window.notReloaded === true")
    activate = page.get_by_role("button", name="Activate the plan")
    expect(activate).to_be_disabled()
    expect(activate).to_have_accessible_description(re.compile("Before it can be activated"))
    expect(page.locator("#plan-blockers")).to_contain_text("consent")

    # Back goes to the section before (the address was pushed).
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?section=tasks$"))


def test_the_sections_are_plain_links_without_javascript(
    transactional_db: None, live_server: LiveServer, no_script_page: Page
) -> None:
    world, case = _world()
    page = no_script_page
    log_in(page, live_server.url, world.user(Role.CASEWORKER))
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    nav = page.get_by_role("navigation", name="Sections of the case file")
    nav.get_by_role("link", name="Tasks", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?section=tasks#tasks$"))
    expect(page.get_by_role("heading", name="Tasks and deadlines")).to_be_visible()
    expect(page.locator("#tasks")).to_contain_text("Book the interpreter")
    nav.get_by_role("link", name="Everything on one page").click()
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Consents", exact=True)).to_be_visible()
