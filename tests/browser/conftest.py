"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Playwright's own browser download cannot work on the machines OpenTRM targets (closed networks),
so the tests launch the ``chromium`` Debian package and skip, with one clear reason, when it is
not installed. Every test logs in through the real login form.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.support import ConsoleLog, FictionalDirectory, build_fictional_directory

# The sync API keeps an event loop running in the main thread for the whole session, and
# Django refuses database access from a thread with a running loop. The tests build their data
# in the main thread while the live server reads it, so the guard is lifted for this run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Forwards every CSP violation to the console with a fixed prefix, in case the browser's own
# wording changes. Injected through the DevTools protocol, so the page's CSP does not apply.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("Content Security Policy violation: " + event.violatedDirective
                + " blocked " + (event.blockedURI || "inline"));
});
"""


# Per package (tests/browser), not per session: Playwright's sync API runs an asyncio loop in
# this thread while it is open, and that loop must not outlive the browser tests that need it
# (the tests of other packages in the same process run without it). pytest closes it as soon as
# a process's next test lies outside this package, so one chromium serves a process's run of
# browser tests (each test still gets a fresh context: no cookies or storage carry over). No
# test starts Playwright other than here.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _open_context(browser: Browser, console: ConsoleLog, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="en-GB", accept_downloads=True, **options)
    context.add_init_script(CSP_REPORTER)
    context.on("console", console.record)
    context.on("weberror", console.record_error)
    # Generous: a test process's first PDF (WeasyPrint loading its fonts) can take over ten
    # seconds on a busy two-core machine running two test processes.
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A desktop-sized page in a fresh context: no cookies, browser language English."""
    context = _open_context(browser, console, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def no_script_page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A desktop-sized page with JavaScript turned off: every page must still work."""
    context = _open_context(browser, console, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser: Browser, console: ConsoleLog) -> Iterator[Page]:
    """A page the size of a common phone (390 x 844 CSS pixels), with touch."""
    context = _open_context(
        browser,
        console,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def directory(transactional_db: None) -> FictionalDirectory:
    return build_fictional_directory()
