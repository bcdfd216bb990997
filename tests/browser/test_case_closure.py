"""Issue 14 A: a case manager closes a case with a reason, the case file says it is read-only
and offers no changes, and the case manager reopens it."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.services import NameData, case_register
from opentrm.directory.models import Function
from tests.browser.support import PASSWORD, ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser


def test_a_case_manager_closes_a_case_and_reopens_it(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    organisation = directory.by_function[Function.FIRST_ASSISTANCE]
    user = User.objects.create_user(username="closer", password=PASSWORD, first_name="Clara")
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=Role.CASE_MANAGER
    )
    case = case_register(
        actor=Actor(user=user, membership=membership), names=[NameData(value="Fictional Ema")]
    )
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/cases/{case.public_id}/")
    page.get_by_role("link", name="Close the case").click()
    page.get_by_label("The person declined further assistance").check()
    page.get_by_role("button", name="Close the case").click()
    expect(page.locator("#case-closed")).to_contain_text("this case is read-only")
    expect(page.get_by_role("link", name="Close the case")).to_have_count(0)
    expect(page.get_by_role("link", name="Record information given")).to_have_count(0)
    expect(page.locator("#case-data")).to_contain_text("The person declined further assistance")
    assert Case.objects.get(pk=case.pk).case_status == "closed"

    page.get_by_role("link", name="Reopen the case").click()
    page.get_by_label("Why the case is reopened").fill("The person asked for help again")
    page.get_by_role("button", name="Reopen the case").click()
    expect(page.locator("#case-closed")).to_have_count(0)
    expect(page.get_by_role("link", name="Close the case")).to_be_visible()
    assert Case.objects.get(pk=case.pk).case_status == "active"
    events = set(AuditEvent.objects.values_list("event_type", flat=True))
    assert {EventType.CASE_CLOSED, EventType.CASE_REOPENED} <= events
    assert console.csp_violations() == []
    assert console.script_errors() == []
