"""Issue 11's journey, in the browser: the referral works for the people on both ends.

A caseworker in Albania registers a person, records the consent to share with Serbia and
drafts the Annex I referral to Serbia's national focal point: the draft shows the caseworker's
own data, pre-filled from the case, and marks what stays behind because no agreement is in
force yet. Serbia's focal point acknowledges and accepts: its organisation now finds the case in
its case list and opens it, seeing exactly what was shared (nothing of the person), and may
still forward it to the competent body. Serbia signs the Albania-Serbia agreement, which comes
into force; the caseworker shares the identity as a new step of the same referral; the focal
point sees it on the referral's steps and the person's name on the case; it reports back with a
follow-up, which the caseworker reads. A national coordinator finds Referrals in the navigation.
"""

import re
from uuid import UUID

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import World
from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.models import Agreement
from opentrm.agreements.tests.factories import make_agreement, sign_as
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.directory.models import Function, Organisation, OrganisationType, Responsibility
from opentrm.referrals.models import FollowUpReport, Referral, ReferralKind, ReferralStatus
from tests.browser.support import PASSWORD, ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser

CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(#.*)?$")
REFERRAL_URL = re.compile(r"/referrals/([0-9a-f-]{36})/$")
EDITOR_URL = re.compile(r"/referrals/([0-9a-f-]{36})/template/(#.*)?$")

PERSON = "Vesna Tarrowmere"  # fictional
SHARE = "Sharing data with a named recipient or country"
NAME_LABEL = "Name of the trafficked person (incl. any previous names, nicknames etc.)"
FOLLOW_UP = "Met her family in Imaginara; she attends a fictional language course."
AGREEMENT = "Fictional Albania-Serbia referral protocol"


def _member(organisation: Organisation, role: Role, username: str, first: str, last: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _messages(page: Page) -> Locator:
    return page.locator("ul.messages[role='status']")


def _header(page: Page, term: str) -> Locator:
    return page.locator(f"#referral-header dt:text-is('{term}') + dd")


def _switch_user(page: Page, base_url: str, user: User) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()
    log_in(page, base_url, user)


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()


def _confirm_next_dialog(page: Page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def _open_referral(page: Page, referral: Referral, box: str) -> None:
    _nav(page, "Referrals")
    if box == "outbox":
        page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name=referral.reference, exact=True).click()
    expect(page).to_have_url(REFERRAL_URL)


def _world(office: Organisation, focal_point: Organisation, manager: User) -> World:
    """The shape ``make_agreement`` expects: the office as agency A, its case manager."""
    return World(
        country_a=office.country,
        country_b=focal_point.country,
        agency_a=office,
        agency_b=focal_point,
        agency_c=focal_point,
        members_a={Role.CASE_MANAGER: Membership.objects.get(user=manager)},
        members_b={},
    )


def _serbia(directory: FictionalDirectory) -> tuple[Organisation, Organisation]:
    """Serbia's national focal point and a competent body it may forward to."""
    focal_point = Organisation.objects.create(
        country=directory.serbia,
        name="Fictional Serbian Referral Office",
        type=OrganisationType.NATIONAL_COORDINATION,
        city="Imaginara",
    )
    Responsibility.objects.create(
        country=directory.serbia, function=Function.NATIONAL_FOCAL_POINT, organisation=focal_point
    )
    body = Organisation.objects.create(
        country=directory.serbia,
        name="Fictional Imaginara Reintegration NGO",
        type=OrganisationType.NGO,
        city="Imaginara",
    )
    return focal_point, body


def _draft_agreement(office: Organisation, focal_point: Organisation, manager: User) -> Agreement:
    """Identity, contact and assistance may flow from the office to Serbia's focal point once
    both have signed; only Albania has signed yet: not in force."""
    world = _world(office, focal_point, manager)
    agreement = make_agreement(
        world,
        others=[focal_point],
        flows={
            (office, focal_point): [FieldGroup.IDENTITY, FieldGroup.CONTACT, FieldGroup.ASSISTANCE]
        },
        title=AGREEMENT,
    )
    sign_as(world, agreement, organisation=office)
    return agreement


def _register(page: Page) -> Case:
    _nav(page, "Cases")
    page.get_by_role("link", name="Register a presumed victim").click()
    page.get_by_label("Name or initials").fill(PERSON)
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("Age (estimate)").select_option(label="18 or over")
    page.get_by_label("Languages spoken").fill("sr")
    page.get_by_label("Citizenship").fill("RS")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(CASE_URL)
    match = CASE_URL.search(page.url)
    assert match is not None
    return Case.objects.get(public_id=UUID(match[1]))


def _record_consent_for_serbia(page: Page) -> None:
    page.get_by_role("link", name="Record a consent decision").click()
    page.get_by_label("Purpose").select_option(label=SHARE)
    page.get_by_label("Given", exact=True).check()
    page.get_by_label("Recipient country").fill("RS")
    page.get_by_label("Explained in (language)").fill("sr")
    page.get_by_label("What the person was told").fill(
        "That Serbia's referral office will see who she is, and that she may withdraw this."
    )
    page.get_by_role("button", name="Record", exact=True).click()
    expect(_messages(page)).to_contain_text("The consent decision was recorded.")


def test_a_referral_to_serbia_shares_more_once_the_agreement_is_in_force(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    base = live_server.url
    office = directory.by_function[Function.LONGER_TERM_ASSISTANCE]
    focal_point, competent_body = _serbia(directory)
    manager = _member(office, Role.CASE_MANAGER, "orin.manager", "Orin", "Vale")
    caseworker = _member(office, Role.CASEWORKER, "lira.caseworker", "Lira", "Shoal")
    officer = _member(focal_point, Role.CASE_MANAGER, "dusan.officer", "Dusan", "Morrow")
    agreement = _draft_agreement(office, focal_point, manager)

    # Albania: register, consent, draft the Annex I referral to Serbia.
    log_in(page, base, caseworker)
    case = _register(page)
    _record_consent_for_serbia(page)
    page.locator("#referrals").get_by_role("link", name="Refer this case").click()
    page.get_by_role("link", name="Refer the person to another country").click()
    country = page.get_by_label("Country to refer to")
    expect(country).to_have_value("")  # no country chosen for the user
    country.select_option(label="Serbia")
    page.get_by_label("Reason").fill("Wishes to return home; needs assistance after the return.")
    page.get_by_role("button", name="Draft the referral").click()
    expect(page).to_have_url(EDITOR_URL)
    referral = Referral.objects.get(kind=ReferralKind.TRANSNATIONAL)
    assert referral.receiver_organisation == focal_point

    # The sender's own data is there, and what will not leave is marked as such.
    expect(page.locator("main")).to_contain_text(
        "Data categories the receiver may see: none (only data about organisations)"
    )
    person = page.locator("#section-s1_1")
    filled = person.locator("td[data-label='Filled']")
    expect(filled).not_to_have_text(re.compile(r"^0 /"))
    expect(person).to_contain_text("stays with you")
    expect(page.locator("#template-progress")).not_to_contain_text("withheld by the gate")
    person.get_by_role("link", name="Edit").click()
    expect(page.get_by_label(NAME_LABEL)).to_have_value(PERSON)
    expect(page.get_by_label("Sex:", exact=True)).to_have_value("female")
    expect(page.get_by_label("Language(s) spoken by the trafficked person:")).to_have_value("sr")
    page.go_back()
    _confirm_next_dialog(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(_messages(page)).to_contain_text("The referral was sent.")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.shared_groups == []

    # Serbia's focal point acknowledges and accepts; its organisation now has the case.
    _switch_user(page, base, officer)
    _open_referral(page, referral, "inbox")
    expect(page.locator("main")).not_to_contain_text(PERSON)
    page.locator("#referral-actions").get_by_role("button", name="Acknowledge").click()
    expect(_messages(page)).to_contain_text("You acknowledged the referral.")
    _confirm_next_dialog(page)
    page.locator("#referral-actions").get_by_role("button", name="Accept").click()
    expect(_messages(page)).to_contain_text("You accepted the referral.")
    expect(_header(page, "Status")).to_have_text("Accepted")
    expect(page.get_by_role("link", name="Forward to the competent body")).to_be_visible()
    _nav(page, "Cases")
    page.get_by_role("link", name=case.number).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(case.number)  # no name shared
    expect(page.locator("main")).not_to_contain_text(PERSON)
    expect(page.get_by_role("heading", name="Identity", exact=True)).to_have_count(0)
    for hidden in ("#health", "#assessments", "#plan", "#services"):
        expect(page.locator(hidden)).to_have_count(0)
    participant = CaseParticipant.objects.get(case=case, organisation=focal_point)
    assert participant.is_active
    assert participant.shared_cap == []

    # Serbia signs the agreement: it comes into force.
    _nav(page, "Agreements")
    page.get_by_role("link", name=AGREEMENT).click()
    page.get_by_role("link", name="Record our signature").click()
    page.get_by_label("Signed on").fill(str(agreement.created_at.date()))
    page.get_by_label("Signed by").fill("Head of the referral office, fictional")
    page.locator("main form").get_by_role("button").click()
    expect(_messages(page)).to_be_visible()

    # Albania shares the identity as a new step of the same referral.
    _switch_user(page, base, caseworker)
    _open_referral(page, referral, "outbox")
    page.get_by_role("link", name="Change what is shared").click()
    expect(page.locator("#sharing-current")).to_contain_text("only the minimal offer")
    page.get_by_role("checkbox", name="identity", exact=True).check()
    page.get_by_role("button", name="Change what is shared").click()
    expect(_messages(page)).to_contain_text("What the receiver is shared was changed")
    expect(page.locator("#steps")).to_contain_text("Now shared: identity")
    referral.refresh_from_db()
    assert referral.shared_groups == ["identity"]
    assert referral.status == ReferralStatus.ACCEPTED
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_SHARING_CHANGED).count() == 1

    # Serbia sees the step and the person's identity, nothing more.
    _switch_user(page, base, officer)
    _open_referral(page, referral, "inbox")
    expect(page.locator("#steps")).to_contain_text("Now shared: identity")
    _header(page, "Case").get_by_role("link", name=case.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {PERSON}")
    expect(page.get_by_role("heading", name="Identity", exact=True)).to_be_visible()
    for hidden in ("#health", "#assessments", "#plan", "#services"):
        expect(page.locator(hidden)).to_have_count(0)
    expect(page.get_by_role("heading", name="Contact", exact=True)).to_have_count(0)

    # It reports back; Albania reads the report.
    _open_referral(page, referral, "inbox")
    page.locator("#template").get_by_role("link", name="Add a follow-up report").click()
    page.get_by_label("Summary").fill(FOLLOW_UP)
    page.get_by_role("button", name="Add the report").click()
    expect(_messages(page)).to_contain_text("The follow-up report was added.")
    assert FollowUpReport.objects.get(referral=referral).organisation == focal_point
    _switch_user(page, base, caseworker)
    _open_referral(page, referral, "outbox")
    reports = page.locator("#template table tbody tr")
    expect(reports).to_have_count(1)
    expect(reports.locator("td[data-label='Summary']")).to_contain_text(FOLLOW_UP)
    assert console.csp_violations() == []
    assert console.script_errors() == []
    assert competent_body.is_active


def test_a_national_coordinator_finds_the_referral_settings_in_the_navigation(
    page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    coordinator = _member(
        directory.by_function[Function.NATIONAL_COORDINATOR],
        Role.NATIONAL_COORDINATOR,
        "nadia.coordinator",
        "Nadia",
        "Fell",
    )
    log_in(page, live_server.url, coordinator)
    _nav(page, "Referrals")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral settings")
    page.get_by_role("link", name="The country's referral template").click()
    expect(page).to_have_url(re.compile(r"/referrals/template/profile/$"))
