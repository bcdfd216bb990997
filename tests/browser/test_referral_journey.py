"""Issue 4's referral journey, in the browser.

A caseworker of a social-services office in Albania refers a case to a shelter of the same
country: the receiver sees the minimal offer first, accepts, and then sees only what the
person's consent and the agreement in force allow (identity, not health or assistance). The
same caseworker then sends the transnational template to Romania's national focal point, which
acknowledges, accepts, confirms the arrival after the return was arranged and reports a
follow-up; the sender sees the report, and the bilingual PDF holds every heading of the
template in both languages.
"""

import re
import shutil
import subprocess
from pathlib import Path
from uuid import UUID

import pytest
from django.utils import translation
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import World
from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.models import Agreement
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseParticipant
from opentrm.directory.models import (
    Country,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralKind,
    ReferralStatus,
    Routing,
    TemplateInstance,
)
from opentrm.referrals.template import loader
from tests.browser.support import (
    PASSWORD,
    ConsoleLog,
    FictionalDirectory,
    case_sections,
    log_in,
    open_case_section,
    pick,
)

pytestmark = pytest.mark.browser

CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(\?section=[a-z]+)?(#.*)?$")
REFERRAL_URL = re.compile(r"/referrals/([0-9a-f-]{36})/$")
EDITOR_URL = re.compile(r"/referrals/([0-9a-f-]{36})/template/(#.*)?$")
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"

PERSON = "Ilvana Morrowdale"  # fictional
SHARE = "Sharing data with a named recipient or country"
RETURN = "Return to the country of origin or a third country"
FOLLOW_UP = "Back with her family in Fictiva; enrolled in a fictional training course."


def _member(organisation: Organisation, role: Role, username: str, first: str, last: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _agreements_world(sender: Organisation, other: Organisation, country_b: Country) -> World:
    """The shape ``make_agreement`` expects: the sender as agency A, with a case manager who
    registers and signs the agreements (no case work of the journey needs this person)."""
    manager = _member(sender, Role.CASE_MANAGER, "tarn.manager", "Tarn", "Aldmoor")
    membership = Membership.objects.get(user=manager)
    return World(
        country_a=sender.country,
        country_b=country_b,
        agency_a=sender,
        agency_b=other,
        agency_c=other,
        members_a={Role.CASE_MANAGER: membership},
        members_b={},
    )


def _messages(page: Page) -> Locator:
    """The messages a page shows after a change (a live region)."""
    return page.locator("ul.messages[role='status']")


def _header(page: Page, term: str) -> Locator:
    """One value of the referral page's header list."""
    return page.locator(f"#referral-header dt:text-is('{term}') + dd")


def _switch_user(page: Page, base_url: str, user: User) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Username")).to_be_visible()
    log_in(page, base_url, user)


def _register(page: Page) -> Case:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Cases", exact=True
    ).click()
    page.get_by_role("link", name="Register a presumed victim").click()
    page.get_by_label("Name or initials").fill(PERSON)
    page.get_by_label("Age (estimate)").select_option(label="18 or over")
    pick(page.get_by_role("group", name="Languages spoken"), "Romanian")
    pick(page.get_by_role("group", name="Citizenship"), "Romania")
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(CASE_URL)
    match = CASE_URL.search(page.url)
    assert match is not None
    case = Case.objects.get(public_id=UUID(match[1]))
    expect(_messages(page)).to_contain_text(f"Case {case.number} was opened.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {PERSON}")
    return case


def _no_section(page: Page, *names: str) -> None:
    """The role is not offered these sections of the case file at all."""
    for name in names:
        expect(case_sections(page).get_by_role("link", name=name, exact=True)).to_have_count(0)


def _record_consent(
    page: Page, purpose: str, told: str, *, organisation: str = "", country: str = ""
) -> None:
    page.get_by_role("link", name="Record a consent decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a consent decision")
    page.get_by_label("Purpose").select_option(label=purpose)
    page.get_by_label("Given", exact=True).check()
    if organisation:
        pick(page.get_by_label("Recipient organisation"), organisation)
    if country:
        pick(page.get_by_label("Recipient country"), country)
    pick(page.get_by_label("Explained in (language)"), "Romanian")
    page.get_by_label("What the person was told").fill(told)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(_messages(page)).to_contain_text("The consent decision was recorded.")


def _open_from_inbox(page: Page, referral: Referral) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Referrals", exact=True
    ).click()
    expect(page.get_by_role("link", name="Inbox")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=referral.reference, exact=True).click()
    expect(page).to_have_url(REFERRAL_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text(referral.reference)


def _open_from_outbox(page: Page, referral: Referral) -> None:
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Referrals", exact=True
    ).click()
    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name=referral.reference, exact=True).click()
    expect(page).to_have_url(REFERRAL_URL)


def _confirm_next_dialog(page: Page) -> None:
    """Forms marked ``data-confirm`` ask first; the user says yes."""
    page.once("dialog", lambda dialog: dialog.accept())


def _template_step(page: Page, label: str) -> None:
    """A step of the template section on the referral page (it lands on the editor)."""
    page.locator("#template-steps").get_by_role("button", name=label, exact=True).click()
    expect(page).to_have_url(EDITOR_URL)
    expect(_messages(page)).to_contain_text("Saved.")


def _headings(*languages: str) -> list[str]:
    """The template's title and every chapter and section heading, in each language."""
    template = loader.load_template()
    found: list[str] = []
    for language in languages:
        with translation.override(language):
            found.append(template.title)
            found += [chapter.heading for chapter in template.chapters]
            found += [section.heading for section in template.sections]
    return found


def _pdf_text(path: Path) -> str:
    if not Path(PDFTOTEXT).exists():
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text is not checked")
    result = subprocess.run(
        [PDFTOTEXT, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    )
    return re.sub(r"\s+", " ", result.stdout)


def _no_console_trouble(console: ConsoleLog) -> None:
    assert console.csp_violations() == []
    assert console.script_errors() == []


def _setup_romania() -> tuple[Organisation, User]:
    """Romania, its national focal point in the directory, and a caseworker there."""
    romania = Country.objects.create(code="RO")
    focal_point = Organisation.objects.create(
        country=romania,
        name="Imaginara National Referral Office",
        type=OrganisationType.NATIONAL_COORDINATION,
        city="Imaginara",
    )
    Responsibility.objects.create(
        country=romania, function=Function.NATIONAL_FOCAL_POINT, organisation=focal_point
    )
    officer = _member(focal_point, Role.CASEWORKER, "doru.officer", "Doru", "Vantelli")
    return focal_point, officer


def _agreements(
    office: Organisation, shelter: Organisation, focal_point: Organisation
) -> tuple[Agreement, Agreement]:
    """In force: identity may flow from the office to the shelter; identity and travel data
    from the office to Romania's focal point. Never health or assistance."""
    world = _agreements_world(office, shelter, focal_point.country)
    national = make_agreement(
        world,
        others=[shelter],
        flows={(office, shelter): [FieldGroup.IDENTITY]},
        sign=True,
        title="Fictional protocol on shelter referrals",
    )
    abroad = make_agreement(
        world,
        others=[focal_point],
        flows={(office, focal_point): [FieldGroup.IDENTITY, FieldGroup.TRAVEL]},
        sign=True,
        title="Fictional bilateral MoU on transnational referral",
    )
    return national, abroad


def test_a_case_is_referred_to_a_shelter_then_to_the_country_of_origin(
    page: Page,
    live_server: LiveServer,
    directory: FictionalDirectory,
    console: ConsoleLog,
    tmp_path: Path,
) -> None:
    base = live_server.url
    office = directory.by_function[Function.LONGER_TERM_ASSISTANCE]
    shelter = directory.by_function[Function.FIRST_ASSISTANCE]
    focal_point, officer = _setup_romania()
    national_agreement, abroad_agreement = _agreements(office, shelter, focal_point)
    caseworker = _member(office, Role.CASEWORKER, "selma.caseworker", "Selma", "Brightwater")
    shelter_member = _member(shelter, Role.CASEWORKER, "ketl.shelter", "Ketl", "Harrowfield")

    # The caseworker registers the case and records the person's consent to share data with
    # the shelter. The owner sees the health and assistance sections of its case.
    log_in(page, base, caseworker)
    case = _register(page)
    open_case_section(page, "Assessments")
    expect(page.locator("#health")).to_be_visible()
    expect(page.locator("#assessments")).to_be_visible()
    open_case_section(page, "Consents")
    _record_consent(
        page,
        SHARE,
        "That the shelter will see who she is, and that she can withdraw this at any time.",
        organisation=shelter.name,
    )

    # From the case page: refer the case to the shelter, and see first what it will see.
    open_case_section(page, "Referrals")
    page.locator("#referrals").get_by_role("link", name="Refer this case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer this case within the country")
    pick(page.get_by_label("Refer to"), shelter.name)
    page.get_by_label("Or for the service").select_option(label="Accommodation in shelter")
    page.get_by_role("checkbox", name="Accommodation", exact=True).check()
    page.get_by_label("Urgency").select_option(label="Urgent")
    page.get_by_label("Reason").fill("Needs a safe place tonight; speaks Romanian only.")
    page.get_by_role("button", name="Show what the receiver will see").click()
    preview = page.locator("#preview")
    expect(page.locator("#preview-heading")).to_have_text(f"What {shelter.name} will see")
    expect(preview.locator("#minimal-offer")).to_contain_text("(given when sent)")
    expect(preview.locator("#minimal-offer")).not_to_contain_text(PERSON)
    expect(preview).to_contain_text("These groups of the case's data will be shared:")
    expect(preview.locator("ul").first.locator("li")).to_have_text(["identity"])
    expect(preview).to_contain_text("Not shared: contact, health, proceedings")
    expect(preview).to_contain_text(f"Governing agreement: {national_agreement.title}")
    page.get_by_role("button", name="Send the referral").click()
    expect(page).to_have_url(REFERRAL_URL)
    national = Referral.objects.get(kind=ReferralKind.NATIONAL)
    expect(_messages(page)).to_contain_text(f"Referral {national.reference} was sent.")
    expect(_header(page, "Status")).to_have_text("Sent")
    expect(page.locator("#sharing")).to_contain_text("Shared when sent: identity")
    assert national.case == case
    assert national.receiver_organisation == shelter
    assert national.shared_groups == [FieldGroup.IDENTITY.value]
    assert national.agreement == national_agreement
    assert national.consent == case.consents.get(recipient_organisation=shelter)
    sent = AuditEvent.objects.get(event_type=EventType.REFERRAL_SENT)
    assert sent.detail["shared_groups"] == ["identity"]
    assert sent.detail["minimal_offer_only"] is False
    assert PERSON not in str(sent.detail)

    # A member of the shelter finds the referral in the inbox: only the minimal offer, no name.
    _switch_user(page, base, shelter_member)
    _open_from_inbox(page, national)
    offer = page.locator("#minimal-offer")
    expect(offer).to_contain_text("Accommodation in shelter")
    expect(offer).to_contain_text("18 or over")
    expect(offer).to_contain_text("Romanian")
    expect(offer).to_contain_text("Urgent")
    expect(page.locator("main")).not_to_contain_text(PERSON)
    assert PERSON not in page.content()
    expect(page.locator("#sharing")).to_contain_text(
        "You see only the minimal offer until your organisation accepts the referral."
    )
    expect(page.locator("#referral-header")).not_to_contain_text(case.number)

    # It accepts: the shelter joins the case and sees the name, but no health or assistance.
    _confirm_next_dialog(page)
    page.locator("#referral-actions").get_by_role("button", name="Accept").click()
    expect(_messages(page)).to_contain_text("You accepted the referral.")
    expect(_header(page, "Status")).to_have_text("Accepted")
    expect(page.locator("#sharing")).to_contain_text(
        "Your organisation takes part in the case and sees: identity"
    )
    _header(page, "Case").get_by_role("link", name=case.number).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {PERSON}")
    expect(page.get_by_role("heading", name="Identity", exact=True)).to_be_visible()
    for hidden in ("#health", "#assessments", "#plan", "#services"):
        expect(page.locator(hidden)).to_have_count(0)
    _no_section(page, "Assessments", "Plans", "Services")
    expect(page.get_by_role("heading", name="Contact", exact=True)).to_have_count(0)
    participant = CaseParticipant.objects.get(case=case, organisation=shelter)
    assert participant.is_active
    assert participant.shared_cap == ["identity"]
    national.refresh_from_db()
    assert national.status == ReferralStatus.ACCEPTED
    assert national.participant == participant

    # The caseworker (the owner) prepares the transnational referral: the person consents to
    # share data with Romania and to return; the focal point receives it.
    _switch_user(page, base, caseworker)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Cases", exact=True
    ).click()
    page.get_by_role("link", name=case.number).click()
    _record_consent(
        page,
        SHARE,
        "That Romania's referral office will see who she is and how she travels.",
        country="Romania",
    )
    _record_consent(page, RETURN, "What return means, and that it is voluntary.")
    open_case_section(page, "Referrals")
    page.locator("#referrals").get_by_role("link", name="Refer this case").click()
    page.get_by_role("link", name="Refer the person to another country").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Refer the person to another country")
    page.get_by_label("Country to refer to").select_option(label="Romania")
    page.get_by_label("Urgency").select_option(label="Routine")
    page.get_by_label("Reason").fill("Wishes to return home; assistance after the return.")
    page.get_by_role("button", name="Draft the referral").click()
    expect(page).to_have_url(EDITOR_URL)
    expect(_messages(page)).to_contain_text(
        "The referral was drafted and its template pre-filled from the case."
    )
    abroad = Referral.objects.get(kind=ReferralKind.TRANSNATIONAL)
    assert abroad.receiver_organisation == focal_point
    assert abroad.routing == Routing.FOCAL_POINT
    with translation.override("en"):
        title = loader.load_template().title
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text(
        "Data categories the receiver may see: Identity, Travel"
    )

    # The sender completes its part: the travel data of section 5, then sends.
    page.locator("#section-s5").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("5 Return and travel data")
    page.get_by_label(re.compile(r"^Means of transportation: by air")).fill(
        "Fictiva airport, flight FX 123, Tuesday morning"
    )
    page.get_by_label("Name and contact details of the receiving person").fill(
        "Duty officer of the referral office, +40 000 000 000"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The section was saved.")
    _confirm_next_dialog(page)
    page.get_by_role("button", name="Send the referral").click()
    expect(_messages(page)).to_contain_text("The referral was sent.")
    abroad.refresh_from_db()
    assert abroad.status == ReferralStatus.SENT
    assert sorted(abroad.shared_groups) == ["identity", "travel"]
    assert abroad.agreement == abroad_agreement
    snapshot = TemplateInstance.objects.get(referral=abroad).data["sent"]
    assert snapshot["values"]["s1_1.name"]["text"] == PERSON
    assert "s5.medical_treatment" in snapshot["withheld"]

    # Romania's focal point acknowledges, then accepts.
    _switch_user(page, base, officer)
    _open_from_inbox(page, abroad)
    expect(_header(page, "Routing")).to_have_text("Through the national focal point")
    expect(page.locator("main")).not_to_contain_text(PERSON)
    page.locator("#referral-actions").get_by_role("button", name="Acknowledge").click()
    expect(_messages(page)).to_contain_text("You acknowledged the referral.")
    expect(_header(page, "Status")).to_have_text("Acknowledged")
    _confirm_next_dialog(page)
    page.locator("#referral-actions").get_by_role("button", name="Accept").click()
    expect(_messages(page)).to_contain_text("You accepted the referral.")
    expect(_header(page, "Status")).to_have_text("Accepted")

    # The sender arranges the return.
    _switch_user(page, base, caseworker)
    _open_from_outbox(page, abroad)
    _template_step(page, "Return arranged")
    expect(page.locator("main > p.note").first).to_contain_text("Return arranged")

    # The focal point confirms the arrival and reports how the person is doing.
    _switch_user(page, base, officer)
    _open_from_inbox(page, abroad)
    _template_step(page, "Confirm the arrival")
    expect(page.locator("main > p.note").first).to_contain_text("Arrival confirmed")
    page.get_by_role("link", name=abroad.reference).click()
    page.locator("#template").get_by_role("link", name="Add a follow-up report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up report")
    page.get_by_label("Summary").fill(FOLLOW_UP)
    page.get_by_label("Comments on basic needs after return").fill("Lives with her mother.")
    page.get_by_role("button", name="Add the report").click()
    expect(_messages(page)).to_contain_text("The follow-up report was added.")
    report = FollowUpReport.objects.get(referral=abroad)
    assert report.organisation == focal_point
    assert report.data["values"]["s6_1.comments"]["text"] == "Lives with her mother."
    assert AuditEvent.objects.filter(event_type=EventType.REFERRAL_FOLLOW_UP).count() == 1

    # The sender sees the follow-up on its referral page.
    _switch_user(page, base, caseworker)
    _open_from_outbox(page, abroad)
    expect(_header(page, "Status")).to_have_text("Arrival confirmed")
    reports = page.locator("#template table tbody tr")
    expect(reports).to_have_count(1)
    expect(reports.locator("td[data-label='From']")).to_have_text(focal_point.name)
    expect(reports.locator("td[data-label='Summary']")).to_contain_text(FOLLOW_UP)

    # The bilingual PDF: English (the sender's language) | Romanian (the receiver's).
    instance = TemplateInstance.objects.get(referral=abroad)
    assert (instance.sender_language, instance.receiver_language) == ("en", "ro")
    with page.expect_download() as download_info:
        page.locator("#template").get_by_role("link", name="PDF", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"{abroad.reference}.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        event_type=EventType.REFERRAL_EXPORTED, actor_id=caseworker.pk
    ).exists()
    _no_console_trouble(console)
    text = _pdf_text(pdf)
    for heading in _headings(instance.sender_language, instance.receiver_language):
        assert re.sub(r"\s+", " ", heading) in text, heading
    assert PERSON in text
