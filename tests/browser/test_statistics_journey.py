"""The national coordinator opens the statistics, changes a filter and exports the table; the
chart and its table show the same numbers; a statistician lands on the dashboard (issue 15,
"Done when")."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD
from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.cases.services import case_register
from opentrm.directory.models import Function
from opentrm.stats.services.fill import fill
from tests.browser.support import ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def statistics(directory: FictionalDirectory) -> FictionalDirectory:
    """The member becomes the national coordinator; a caseworker of the shelter opens 25 cases
    of women, 12 of men and 3 of unknown sex; the statistics are filled."""
    membership = Membership.objects.get(user=directory.member)
    membership.role = Role.NATIONAL_COORDINATOR
    membership.save()
    caseworker = User.objects.create_user(username="lule.fictiva", password=PASSWORD)
    shelter = directory.by_function[Function.FIRST_ASSISTANCE]
    actor = Actor(
        user=caseworker,
        membership=Membership.objects.create(
            user=caseworker, organisation=shelter, role=Role.CASEWORKER
        ),
    )
    for sex, n in (("female", 25), ("male", 12), ("unknown", 3)):
        for _ in range(n):
            case_register(actor=actor, sex=sex, citizenships=["RS"])
    fill()
    return directory


def _chart_and_table(page: Page) -> tuple[list[str], list[str]]:
    bars = page.locator("#breakdown-heading ~ figure rect[data-value]")
    cells = page.locator("#breakdown-table tbody td[data-series]")
    return (
        [bars.nth(n).get_attribute("data-value") or "" for n in range(bars.count())],
        [cells.nth(n).inner_text() for n in range(cells.count())],
    )


def test_the_coordinator_filters_and_exports_and_the_statistician_lands_on_the_dashboard(
    page: Page,
    live_server: LiveServer,
    statistics: FictionalDirectory,
    console: ConsoleLog,
    tmp_path: Path,
) -> None:
    log_in(page, live_server.url, statistics.member)
    # Headline figures on the coordinator's home page.
    expect(page.locator("#statistics")).to_contain_text("New cases")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    expect(page.locator("#breakdown-table tfoot")).to_contain_text("40")

    page.get_by_label("Breakdown").select_option("sex")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="New cases: Sex")).to_be_visible()
    table = page.locator("#breakdown-table")
    expect(table.get_by_role("row", name="Female 25")).to_contain_text("25")
    # 3 of unknown sex are hidden, and the 12 men with them (else 40 - 25 = 15 gives them away)
    expect(table.get_by_role("row", name="Male x")).to_contain_text("x")
    expect(table.get_by_role("row", name="Unknown x")).to_contain_text("x")

    bars, cells = _chart_and_table(page)
    assert bars == cells
    assert "25" in bars

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "table.csv"
    download_info.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8-sig")
    assert "Female,25," in exported
    assert "Male,x," in exported
    assert "Disclosure control: counts from 1 to 10 are not shown" in exported

    assert console.csp_violations() == []
    assert console.script_errors() == []

    # The statistician logs in and lands on the dashboard.
    statistician = User.objects.create_user(username="rina.fictiva", password=PASSWORD)
    Membership.objects.create(
        user=statistician,
        organisation=statistics.by_function[Function.NATIONAL_COORDINATOR],
        role=Role.STATISTICIAN,
    )
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("rina.fictiva")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/statistics/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
