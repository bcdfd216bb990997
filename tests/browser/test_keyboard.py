"""Keyboard use: the skip link comes first, and the contact list works without a mouse."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.directory.models import Function
from tests.browser.support import FictionalDirectory, in_english, log_in

pytestmark = pytest.mark.browser


def test_it_offers_the_skip_link_first_and_it_moves_focus_to_the_content(
    page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    log_in(page, live_server.url, directory.member)
    page.goto(f"{live_server.url}/directory/{directory.albania.code}/")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_it_filters_the_contact_list_with_the_keyboard_alone(
    page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    log_in(page, live_server.url, directory.member)
    page.goto(f"{live_server.url}/directory/{directory.albania.code}/")
    procedure = page.get_by_label("Procedure or function")
    for _ in range(30):
        page.keyboard.press("Tab")
        if procedure.evaluate("element => element === document.activeElement"):
            break
    expect(procedure).to_be_focused()
    procedure.select_option(Function.PROCEEDINGS.value)  # a keyboard user picks with the arrows
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"function=sop5"))
    expect(page.locator("table.contact-list tbody th")).to_have_text(
        [in_english(Function.PROCEEDINGS)]
    )
