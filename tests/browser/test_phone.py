"""On a phone (390 x 844) the contact list reads top to bottom without sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.directory.models import Function
from tests.browser.support import LONG_EMAIL, FictionalDirectory, has_horizontal_scroll, log_in

pytestmark = pytest.mark.browser


def test_it_fits_the_contact_list_on_a_phone_screen(
    phone_page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/account/login/")
    assert not has_horizontal_scroll(page), "the login page scrolls sideways"

    log_in(page, live_server.url, directory.member)
    assert not has_horizontal_scroll(page), "the home page scrolls sideways"

    page.goto(f"{live_server.url}/directory/{directory.albania.code}/")
    assert not has_horizontal_scroll(page), "the contact list scrolls sideways"
    contact_list = page.locator("table.contact-list")
    # Cards, not columns: the column headings give way to a label before each cell.
    expect(contact_list.locator("thead")).to_be_hidden()
    body_cell = contact_list.locator("td[data-label]").first
    label = body_cell.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Responsible body" in label

    organisation = page.get_by_role("link", name=directory.name(Function.RETURN))
    expect(organisation).to_be_visible()
    email = page.get_by_role("link", name=LONG_EMAIL)
    expect(email).to_be_visible()
    box = email.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390, "a long e-mail address runs off the screen"

    font_size = email.evaluate("link => parseFloat(getComputedStyle(link).fontSize)")
    assert font_size >= 14, "contact details are too small to read on a phone"
