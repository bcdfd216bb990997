"""The Content-Security-Policy forbids inline scripts and styles; no page needs one."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.directory.models import Function
from tests.browser.support import ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser


def test_it_shows_every_main_page_without_a_csp_violation(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    response = page.goto(f"{live_server.url}/account/login/")
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy

    log_in(page, live_server.url, directory.member)
    organisation = directory.by_function[Function.RETURN]
    contact_point = organisation.contact_points.get()
    for path in [
        "/",
        f"/directory/{directory.albania.code}/",
        f"/directory/{directory.albania.code}/?function={Function.RETURN.value}",
        f"/directory/organisations/{organisation.pk}/",
        f"/directory/contacts/{contact_point.pk}/",
        "/account/",
        "/directory/search/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.ok, path
        # The stylesheet applied (a blocked one would leave the header unstyled).
        expect(page.locator(".site-header")).to_have_css("display", "flex")

    # htmx swaps search results in place, under the same policy.
    page.get_by_label("Name").fill("Northgate")
    expect(page).to_have_url(re.compile(r"q=Northgate"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text(organisation.name)

    # The language switcher's script (app.js) runs: it hides the fallback button.
    expect(page.get_by_role("button", name="Change")).to_have_class(re.compile("visually-hidden"))

    assert console.csp_violations() == []
    assert console.script_errors() == []


def test_it_refuses_to_run_an_injected_inline_script(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    log_in(page, live_server.url, directory.member)
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "document.body.dataset.injected = 'ran';";
              document.head.appendChild(script);
            }"""
        )
    assert page.evaluate("document.body.dataset.injected") is None
    assert console.csp_violations()
