"""Issue 12 §8: axe-core finds nothing on the main pages, in each role that sees them.

axe-core is vendored under tests/browser/vendor/ (MPL-2.0, its licence beside it): it is a test
tool, never served by the node, and never fetched at test time (closed networks). Every rule
axe runs by default counts, "minor" best-practice findings included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import assign_interpreter
from opentrm.referrals.tests.test_requests import adult_case, focal_point, sent_request
from tests.browser.support import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-4.10.3.min.js"

# axe runs in the page through the DevTools protocol, so the page's CSP does not stop it.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


def _violations(page: Page, url: str) -> list[str]:
    page.goto(url)
    expect(page.locator("main")).to_be_visible()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE)
    return [f"{url}: {json.dumps(v)}" for v in found]


def _world_with_cases() -> tuple[World, dict[str, str]]:
    from tests.browser.test_home_and_notifications import _world

    world = _world()
    focal_point(world)
    case = adult_case(world)
    referral = sent_request(world, case, kind="identity_verification")
    pages = {
        "case": reverse("cases:case_detail", args=[case.public_id]),
        "referral": reverse("referrals:referral_detail", args=[referral.public_id]),
        "organisation": reverse("directory:organisation_detail", args=[world.agency_a.pk]),
        "country": reverse("directory:country_detail", args=[world.country_a.code]),
        "search results": f"{reverse('directory:search')}?q=agency",
    }
    return world, pages


PUBLIC = ["portal:home", "portal:sop_list", "portal:glossary", "portal:country_list"]
EVERY_MEMBER = ["notifications:home", "directory:home", "directory:search", "accounts:account"]
BY_ROLE: dict[Role, list[str]] = {
    Role.CASEWORKER: [
        "cases:case_list",
        "cases:task_list",
        "cases:case_register",
        "referrals:referral_list",
        "case",
        "referral",
        "organisation",
        "country",
        "search results",
        "notifications:notification_list",
        "portal:member_library",
    ],
    Role.DIRECTORY_EDITOR: ["directory:review", "directory:import"],
    Role.NATIONAL_COORDINATOR: [
        "agreements:agreement_list",
        "cases:case_settings",
        "training:event_list",
        "meetings:meeting_list",
        "meetings:my_action_items",
        "referrals:settings_overview",
    ],
    Role.DATA_PROTECTION_OFFICER: ["audit:event_list"],
    Role.SYSTEM_ADMINISTRATOR: [
        "accounts:member_list",
        "exchange:peer_list",
        "exchange_dashboard:dashboard",
        "accounts:api_tokens",
    ],
}


def test_axe_finds_no_violation_on_the_main_pages_in_each_role(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    world, pages = _world_with_cases()
    base = live_server.url
    found = _violations(page, f"{base}{reverse('accounts:login')}")
    for name in PUBLIC:
        found += _violations(page, f"{base}{reverse(name, args=['en'])}")
    for role, names in BY_ROLE.items():
        log_in(page, base, world.user(role))
        for name in EVERY_MEMBER + names:
            path = pages.get(name) or reverse(name)
            found += _violations(page, f"{base}{path}")
        page.get_by_role("button", name="Log out").click()
    assert found == [], "\n".join(found)


CASE_ROLES = [
    Role.CASEWORKER,
    Role.CASE_MANAGER,
    Role.POLICE_INVESTIGATOR,
    Role.PROSECUTOR,
    Role.GUARDIAN,
    Role.INTERPRETER,
]


def test_axe_finds_no_violation_on_the_whole_case_file_on_a_phone_in_each_case_role(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    """Each role that works on a case sees its own cut of the file (field groups, sections):
    every one of them, on a 390 px wide phone, with every section on one page."""
    world, pages = _world_with_cases()
    case_path = pages["case"]
    case = Case.objects.get(public_id=case_path.rstrip("/").rsplit("/", 1)[-1])
    assign_interpreter(world, case)
    page.set_viewport_size({"width": 390, "height": 844})
    found: list[str] = []
    for role in CASE_ROLES:
        log_in(page, live_server.url, world.user(role))
        found += _violations(page, f"{live_server.url}{case_path}?section=all")
        # The case file itself, not a refusal: every section this role may see is there.
        expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)
        page.get_by_role("button", name="Log out").click()
    assert found == [], "\n".join(found)


# Tabs through the page: every element that takes the focus is there to see (no 1-pixel or
# clipped button a keyboard user lands on without knowing where she is).
TAB_THROUGH = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const clipped = style.clip !== "auto" && style.clip !== "" || style.clipPath !== "none";
  return {tag: el.tagName, text: (el.textContent || el.name || "").trim().slice(0, 40),
          visible: box.width > 2 && box.height > 2 && !clipped && style.opacity !== "0"};
}"""


def test_every_keyboard_stop_is_visible(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    world, pages = _world_with_cases()
    log_in(page, live_server.url, world.user(Role.CASEWORKER))
    invisible = []
    for path in (reverse("notifications:home"), pages["case"], pages["country"]):
        page.goto(f"{live_server.url}{path}")
        for _ in range(60):
            page.keyboard.press("Tab")
            stop = page.evaluate(TAB_THROUGH)
            if stop["tag"] == "BODY":
                break
            if not stop["visible"]:
                invisible.append(f"{path}: {stop}")
    assert invisible == []


def test_a_refused_form_ties_each_error_to_its_field_and_focuses_the_summary(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    from tests.browser.test_home_and_notifications import _world

    world = _world()
    log_in(page, live_server.url, world.user(Role.CASEWORKER))
    page.goto(f"{live_server.url}{reverse('accounts:password_change')}")
    page.get_by_label("Old password").fill("not the password")
    page.get_by_role("button", name="Change password").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    field = page.get_by_label("Old password")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    messages = [page.locator(f"[id='{ident}']").inner_text() for ident in described]
    assert any("incorrectly" in message for message in messages), messages
    # the page of a refused form passes axe too
    page.evaluate(AXE.read_text(encoding="utf-8"))
    assert page.evaluate(RUN_AXE) == []


def test_the_language_selector_changes_language_only_with_its_button(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    select = page.get_by_label("Language")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    button = page.locator("form.language").get_by_role("button")
    expect(button).to_be_visible()
    select.select_option("sq")
    button.click()
    expect(page.locator("html")).to_have_attribute("lang", "sq")


def test_every_page_names_a_local_icon(
    transactional_db: None, live_server: LiveServer, page: Page
) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    href = page.locator("link[rel=icon]").get_attribute("href") or ""
    assert href.startswith("/static/")
    assert href.endswith(".svg")
    assert page.request.get(f"{live_server.url}{href}").ok
    assert failed == []
