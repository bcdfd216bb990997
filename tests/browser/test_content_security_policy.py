"""The Content-Security-Policy forbids inline scripts and styles; no page needs one."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD as WORLD_PASSWORD
from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.models import Function, Organisation
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

    # The page's script (app.js) runs: after a refused submit it focuses the error summary.
    page.goto(f"{live_server.url}/account/password/")
    page.locator("main form").get_by_role("button").click()
    expect(page.locator("#form-errors")).to_be_focused()

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


# Swagger UI renders every operation of the OpenAPI document (about 1 MB): on a busy machine the
# page takes seconds to build, so the test waits for each step's own signal, with the shared
# context's timeout, instead of one short fixed wait for the whole.
VERIFY = "#operations-directory-opentrm_directory_api_organisation_verify"


def test_it_runs_the_interactive_docs_under_the_content_security_policy(
    page: Page, live_server: LiveServer, world: World, console: ConsoleLog
) -> None:
    elsewhere: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(live_server.url) else elsewhere.append(r.url)
    )
    page.goto(f"{live_server.url}/account/login/?next=/api/v1/docs")
    page.get_by_label("Username").fill(world.user(Role.DIRECTORY_EDITOR).username)
    page.get_by_label("Password").fill(WORLD_PASSWORD)
    # The docs page's script (a static file, not inline) fetches the document: it ran.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/openapi.json")) as schema:
        page.get_by_role("button", name="Log in").click()
    assert schema.value.status == 200

    # Swagger UI built the operation from the document, and its controls work.
    operation = page.locator(VERIFY)
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder=organisation_id]").fill(str(world.agency_a.pk))
    # A write: Swagger UI sends the CSRF token (data-csrf-token, read by the static script).
    with page.expect_response(lambda r: r.request.method == "POST") as verify:
        operation.get_by_role("button", name="Execute").click()
    assert verify.value.status == 200
    expect(operation.locator(".live-responses-table tbody .response-col_status")).to_have_text(
        "200"
    )

    assert console.csp_violations() == []
    assert console.script_errors() == []
    assert elsewhere == []
    assert Organisation.objects.get(pk=world.agency_a.pk).last_verified_at is not None
