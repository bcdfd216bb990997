"""A security key as the second factor (issue 17 §1), with a real browser and a virtual
authenticator (Chromium's DevTools ``WebAuthn`` domain): set it up at the first log-in, then
log in with it; no inline script, no CSP violation."""

import pytest
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD, make_member
from opentrm.accounts.models import SecurityKey
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from tests.browser.support import ConsoleLog, FictionalDirectory

pytestmark = pytest.mark.browser


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_caseworker_sets_up_a_security_key_and_logs_in_with_it(
    page: Page,
    live_server: LiveServer,
    directory: FictionalDirectory,
    console: ConsoleLog,
    settings: SettingsWrapper,
) -> None:
    settings.OPENTRM_MFA_REQUIRED = True
    organisation = next(iter(directory.by_function.values()))
    make_member(organisation, Role.CASEWORKER, "key_holder")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    _log_in(page, live_server.url, "key_holder")
    page.wait_for_url("**/account/second-factor/setup/**")
    page.get_by_role("button", name="Add a security key").click()
    page.wait_for_url(f"{live_server.url}/home/")
    key = SecurityKey.objects.get(user__username="key_holder")
    assert key.name == "my security key"

    page.get_by_role("button", name="Log out").first.click()
    _log_in(page, live_server.url, "key_holder")
    page.wait_for_url("**/account/second-factor/?**")
    page.get_by_role("button", name="Use my security key").click()
    page.wait_for_url(f"{live_server.url}/home/")
    assert AuditEvent.objects.filter(
        event_type="MFA_VERIFIED", detail__device="security_key"
    ).exists()
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert console.csp_violations() == []
    assert console.script_errors() == []
