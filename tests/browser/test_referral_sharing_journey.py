"""Issue 11's journey, in the browser, on the demo data (``opentrm load_demo`` and
``opentrm load_demo_cases``, as ``make demo`` loads them): the referral works for the people on
both ends.

al.caseworker (Albania) registers a person, records the consent to share with Serbia and drafts
the Annex I referral to Serbia's national focal point: the draft shows the caseworker's own
data, pre-filled from the case, and marks what stays behind, because the demo's Albania-Serbia
protocol waits for Serbia's signature. rs.focal_point acknowledges and accepts: its organisation
now finds the case in its case list and opens it, seeing exactly what was shared (nothing of the
person), and may still forward it to the competent body. It signs the protocol, which comes
into force; the caseworker shares the identity as a new step of the same referral; the focal
point sees the step and the person's name on the case, and reports back with a follow-up that
the caseworker reads. al.national_coordinator finds Referrals in the navigation.
"""

import re
from io import StringIO
from uuid import UUID

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.directory.models import Function, Organisation, Responsibility
from opentrm.referrals.models import FollowUpReport, Referral, ReferralKind, ReferralStatus
from tests.browser.support import ConsoleLog, case_sections, open_case_section, pick

pytestmark = pytest.mark.browser

CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(\?section=[a-z]+)?(#.*)?$")
REFERRAL_URL = re.compile(r"/referrals/([0-9a-f-]{36})/$")
EDITOR_URL = re.compile(r"/referrals/([0-9a-f-]{36})/template/(#.*)?$")

PERSON = "Vesna Tarrowmere"  # fictional
SHARE = "Sharing data with a named recipient or country"
NAME_LABEL = "Name of the trafficked person (incl. any previous names, nicknames etc.)"
FOLLOW_UP = "Met her family in Niš; she attends a fictional language course."
AGREEMENT = "Transnational referral protocol Albania-Serbia (fictional)"


@pytest.fixture
def demo(transactional_db: None) -> None:
    """The demo node's data, loaded by the commands ``make demo`` runs."""
    call_command("load_demo", stdout=StringIO())
    call_command("load_demo_cases", stdout=StringIO())


def _login(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/account/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/home/")


def _messages(page: Page) -> Locator:
    return page.locator("ul.messages[role='status']")


def _header(page: Page, term: str) -> Locator:
    return page.locator(f"#referral-header dt:text-is('{term}') + dd")


def _switch_user(page: Page, base_url: str, username: str) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()
    _login(page, base_url, username)


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _confirm_next_dialog(page: Page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())


def _open_referral(page: Page, referral: Referral, box: str) -> None:
    _nav(page, "Referrals")
    if box == "outbox":
        page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name=referral.reference, exact=True).click()
    expect(page).to_have_url(REFERRAL_URL)


def _register(page: Page) -> Case:
    _nav(page, "Cases")
    page.get_by_role("link", name="Register a presumed victim").click()
    page.get_by_label("Name or initials").fill(PERSON)
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_label("Age (estimate)").select_option(label="18 or over")
    pick(page.get_by_role("group", name="Languages spoken"), "Serbian")
    pick(page.get_by_role("group", name="Citizenship"), "Serbia")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(CASE_URL)
    match = CASE_URL.search(page.url)
    assert match is not None
    return Case.objects.get(public_id=UUID(match[1]))


def _no_section(page: Page, *names: str) -> None:
    """The role is not offered these sections of the case file at all."""
    for name in names:
        expect(case_sections(page).get_by_role("link", name=name, exact=True)).to_have_count(0)


def _record_consent_for_serbia(page: Page) -> None:
    page.get_by_role("link", name="Record a consent decision").click()
    page.get_by_label("Purpose").select_option(label=SHARE)
    page.get_by_label("Given", exact=True).check()
    pick(page.get_by_label("Recipient country"), "Serbia")
    pick(page.get_by_label("Explained in (language)"), "Serbian")
    page.get_by_label("What the person was told").fill(
        "That Serbia's referral office will see who she is, and that she may withdraw this."
    )
    page.get_by_role("button", name="Record", exact=True).click()
    expect(_messages(page)).to_contain_text("The consent decision was recorded.")


def _serbian_focal_point() -> Organisation:
    return Responsibility.objects.get(
        country__code="RS", function=Function.NATIONAL_FOCAL_POINT
    ).organisation


def test_a_referral_to_serbia_shares_more_once_the_agreement_is_in_force(
    page: Page, live_server: LiveServer, demo: None, console: ConsoleLog
) -> None:
    base = live_server.url
    focal_point = _serbian_focal_point()

    # Albania: register, consent, draft the Annex I referral to Serbia.
    _login(page, base, "al.caseworker")
    case = _register(page)
    _record_consent_for_serbia(page)
    open_case_section(page, "Referrals")
    page.locator("#referrals").get_by_role("link", name="Refer this case").click()
    page.get_by_role("link", name="Refer the person to another country").click()
    country = page.get_by_label("Country to refer to")
    expect(country).to_have_value("")  # no country chosen for the user
    country.select_option(label="Serbia")
    page.get_by_label("Reason").fill("Wishes to return home; needs assistance after the return.")
    page.get_by_role("button", name="Draft the referral").click()
    expect(page).to_have_url(EDITOR_URL)
    referral = Referral.objects.get(kind=ReferralKind.TRANSNATIONAL, case=case)
    assert referral.receiver_organisation == focal_point

    # The sender's own data is there, and what will not leave is marked as such.
    expect(page.locator("main")).to_contain_text(
        "Data categories the receiver may see: none (only data about organisations)"
    )
    person = page.locator("#section-s1_1")
    expect(person.locator("td[data-label='Filled']")).not_to_have_text(re.compile(r"^0 /"))
    expect(person).to_contain_text("stays with you")
    expect(page.locator("#template-progress")).not_to_contain_text("withheld by the gate")
    person.get_by_role("link", name="Edit").click()
    expect(page.get_by_label(NAME_LABEL)).to_have_value(PERSON)
    expect(page.get_by_label("Sex:", exact=True)).to_have_value("female")
    languages = page.get_by_role("group", name="Language(s) spoken by the trafficked person")
    expect(languages.get_by_label("Serbian", exact=True)).to_be_checked()
    page.go_back()
    _confirm_next_dialog(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(_messages(page)).to_contain_text("The referral was sent.")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.shared_groups == []

    # Serbia's focal point acknowledges and accepts; its organisation now has the case.
    _switch_user(page, base, "rs.focal_point")
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
    _no_section(page, "Assessments", "Plans", "Services")
    participant = CaseParticipant.objects.get(case=case, organisation=focal_point)
    assert participant.is_active
    assert participant.shared_cap == []

    # Serbia signs the protocol (Albania signed it already): it comes into force.
    _nav(page, "Agreements")
    page.get_by_role("link", name=AGREEMENT).click()
    page.get_by_role("link", name="Record our signature").click()
    page.get_by_label("Signed on").fill(timezone.localdate().isoformat())
    page.get_by_label("Signed by").fill("Head of the anti-trafficking unit, fictional")
    page.locator("main form").get_by_role("button").click()
    expect(_messages(page)).to_be_visible()

    # Albania shares the identity as a new step of the same referral.
    _switch_user(page, base, "al.caseworker")
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
    _switch_user(page, base, "rs.focal_point")
    _open_referral(page, referral, "inbox")
    expect(page.locator("#steps")).to_contain_text("Now shared: identity")
    _header(page, "Case").get_by_role("link", name=case.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {PERSON}")
    expect(page.get_by_role("heading", name="Identity", exact=True)).to_be_visible()
    for hidden in ("#health", "#assessments", "#plan", "#services"):
        expect(page.locator(hidden)).to_have_count(0)
    _no_section(page, "Assessments", "Plans", "Services")
    expect(page.get_by_role("heading", name="Contact", exact=True)).to_have_count(0)

    # It reports back; Albania reads the report.
    _open_referral(page, referral, "inbox")
    page.locator("#template").get_by_role("link", name="Add a follow-up report").click()
    page.get_by_label("Summary").fill(FOLLOW_UP)
    page.get_by_role("button", name="Add the report").click()
    expect(_messages(page)).to_contain_text("The follow-up report was added.")
    assert FollowUpReport.objects.get(referral=referral).organisation == focal_point
    _switch_user(page, base, "al.caseworker")
    _open_referral(page, referral, "outbox")
    reports = page.locator("#template table tbody tr")
    expect(reports).to_have_count(1)
    expect(reports.locator("td[data-label='Summary']")).to_contain_text(FOLLOW_UP)
    assert console.csp_violations() == []
    assert console.script_errors() == []


def test_a_national_coordinator_finds_the_referral_settings_in_the_navigation(
    page: Page, live_server: LiveServer, demo: None
) -> None:
    _login(page, live_server.url, "al.national_coordinator")
    _nav(page, "Referrals")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral settings")
    page.get_by_role("link", name="The country's referral template").click()
    expect(page).to_have_url(re.compile(r"/referrals/template/profile/$"))
