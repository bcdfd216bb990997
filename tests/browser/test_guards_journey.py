"""Issue 14: a guard refuses, in plain words, and the refusal is audited (SOP-P11 / CH-25).

A police investigator schedules an interview of a person of unknown age (a child until an age
assessment says otherwise) without naming the guardian or parent who will be present: the page
explains that the police must wait for them, nothing is scheduled, and the attempt is in the
audit trail. Named, the interview is scheduled.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Hearing
from opentrm.cases.services import NameData, case_register
from opentrm.directory.models import Function
from tests.browser.support import PASSWORD, ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser

REFUSAL = (
    "The police must wait for a guardian or a parent before talking to a child: name the "
    "guardian or parent who will be present before the interview is scheduled."
)


def test_a_police_interview_of_a_child_waits_for_a_guardian(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    police = directory.by_function[Function.IDENTIFICATION]
    user = User.objects.create_user(
        username="ilir.investigator", password=PASSWORD, first_name="Ilir", last_name="Drava"
    )
    membership = Membership.objects.create(
        user=user, organisation=police, role=Role.POLICE_INVESTIGATOR
    )
    case = case_register(
        actor=Actor(user=user, membership=membership), names=[NameData(value="R. K.")]
    )
    when = timezone.localtime() + timedelta(days=2)

    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/cases/{case.public_id}/?section=proceedings")
    page.get_by_role("link", name="Schedule an interview or hearing").click()
    page.get_by_label("Type").select_option(label="Police interview")
    page.get_by_label("Date and time").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile(r"^Place:?$")).fill("Police station, Fictiva")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text(REFUSAL)
    assert not Hearing.objects.filter(case=case).exists()
    event = AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED)
    assert event.detail["guard"] == "SOP-P11"
    assert event.detail["case_id"] == case.pk

    page.get_by_label("Guardian or parent present").fill("Vera Guardiana")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messages[role='status']")).to_contain_text(
        "The interview or hearing was scheduled."
    )
    assert Hearing.objects.get(case=case).guardian_present == "Vera Guardiana"
    assert console.script_errors() == []
