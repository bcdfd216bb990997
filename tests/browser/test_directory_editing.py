"""A directory editor keeps the contact list current: edits a body and removes a row, with a
confirmation before anything is removed."""

import pytest
from playwright.sync_api import Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.directory.models import Function, Responsibility
from tests.browser.support import FictionalDirectory, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(directory: FictionalDirectory) -> FictionalDirectory:
    membership = Membership.objects.get(user=directory.member)
    membership.role = Role.DIRECTORY_EDITOR
    membership.save()
    return directory


def test_it_edits_a_body_and_shows_the_change_in_the_contact_list(
    page: Page, live_server: LiveServer, editor: FictionalDirectory
) -> None:
    log_in(page, live_server.url, editor.member)
    shelter = editor.by_function[Function.FIRST_ASSISTANCE]
    page.goto(f"{live_server.url}/directory/organisations/{shelter.pk}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("City").fill("Portolago")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    page.goto(f"{live_server.url}/directory/AL/")
    expect(page.locator("table.contact-list")).to_contain_text("Portolago")


def test_it_asks_before_removing_a_body_from_a_procedure(
    page: Page, live_server: LiveServer, editor: FictionalDirectory
) -> None:
    log_in(page, live_server.url, editor.member)
    page.goto(f"{live_server.url}/directory/AL/?function={Function.RETURN.value}")
    remove = page.get_by_role("button", name="Remove from this row")
    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    remove.click()
    assert asked
    assert editor.name(Function.RETURN) in asked[0]
    assert Responsibility.objects.filter(function=Function.RETURN).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    remove.click()
    expect(page.locator("table.contact-list")).to_contain_text("Nobody listed for this procedure.")
    assert not Responsibility.objects.filter(function=Function.RETURN).exists()
