"""A national coordinator records a training event, adds a contact of the directory as an
attendee, and finds the training on that contact's directory entry (issue 19, "Done when")."""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.directory.models import Function, Responsibility
from tests.browser.support import FictionalDirectory, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def coordinator(directory: FictionalDirectory) -> FictionalDirectory:
    membership = Membership.objects.get(user=directory.member)
    membership.role = Role.NATIONAL_COORDINATOR
    membership.save()
    return directory


def test_a_coordinator_records_a_training_and_sees_it_on_the_contacts_entry(
    page: Page, live_server: LiveServer, coordinator: FictionalDirectory
) -> None:
    shelter = Responsibility.objects.get(function=Function.FIRST_ASSISTANCE).contact_point
    assert shelter is not None
    log_in(page, live_server.url, coordinator.member)

    # Before: the contact's entry shows no training.
    page.goto(f"{live_server.url}/directory/contacts/{shelter.pk}/")
    expect(page.locator("#training")).to_have_count(0)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Training").click()
    page.get_by_role("link", name="Record a training event").click()
    page.get_by_label("Title").fill("Identification of presumed victims: first contact")
    page.get_by_label("Starts on").fill("2026-11-10")
    page.get_by_label("Ends on").fill("2026-11-11")
    page.get_by_label("Place").fill("Fictiva")
    page.get_by_label("Identification").check()
    page.get_by_label("First Assistance and Protection").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Training event recorded.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Identification of presumed victims: first contact"
    )

    page.get_by_label("Contact").select_option(value=str(shelter.pk))
    page.get_by_role("button", name="Add attendance").click()
    expect(page.get_by_role("status")).to_contain_text("Attendance recorded.")
    page.locator("#attendance + ul").get_by_role("link", name=shelter.position).click()

    # After: the contact's directory entry lists the training and the procedures it covered.
    panel = page.locator("#training")
    expect(panel).to_contain_text("Identification of presumed victims: first contact")
    expect(panel).to_contain_text("Identification; First Assistance and Protection")

    # And the register answers who is trained on what.
    page.goto(f"{live_server.url}/training/trained/")
    expect(
        page.locator("section", has=page.get_by_role("heading", name="Identification"))
    ).to_contain_text(shelter.position)
