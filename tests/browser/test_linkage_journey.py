"""Issue 16 §4: a case manager finds that two records are one person, links them from the case
page, sees both histories together, and undoes the link; no script error, no CSP violation."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.cases.services import NameData, case_register
from opentrm.directory.models import Function
from opentrm.linkage.models import LinkStatus, PersonLink
from tests.browser.support import PASSWORD, ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser


def test_a_case_manager_links_two_records_and_undoes_it(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    organisation = directory.by_function[Function.FIRST_ASSISTANCE]
    user = User.objects.create_user(username="linker", password=PASSWORD, first_name="Lina")
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=Role.CASE_MANAGER
    )
    actor = Actor(user=user, membership=membership)
    first = case_register(actor=actor, names=[NameData(value="Fictional Ana Petrović")])
    second = case_register(actor=actor, names=[NameData(value="Фиктивна Ана Петровић")])

    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/cases/{first.public_id}/")
    page.get_by_role("link", name="Link with another record").click()
    page.get_by_label("Case number of the other record").fill(second.number)
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="Are these the same person?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Фиктивна Ана Петровић")
    page.get_by_role("button", name="Same person: link the records").click()
    expect(page.locator("main")).to_contain_text("Decision recorded")
    expect(page.locator("#holder-queries")).to_be_visible()
    expect(page.get_by_role("link", name=second.number).first).to_be_visible()
    assert PersonLink.objects.get().status == LinkStatus.LINKED

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo").click()
    expect(page.locator("main")).to_contain_text("Decision undone")
    assert PersonLink.objects.get().status == LinkStatus.UNDONE
    assert console.csp_violations() == []
    assert console.script_errors() == []
