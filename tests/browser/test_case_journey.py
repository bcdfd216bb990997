"""Issue 3's case journeys, as far as the product has them today.

An adult: registered with little data, the reflection period, consent to share, a formal
identification, a measure done, a needs assessment, a plan, a service delivered, and a return
that the guards refuse. A child: the missing
safeguards, the asylum indication that blocks contact with the country of origin, and a return
that waits for the child-welfare clearance. Between the two for the adult: a needs assessment,
an assistance plan that waits for the person's consent, and a shelter place delivered.
"""

import re
from datetime import timedelta
from uuid import UUID

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership, User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    Assessment,
    AssistancePlan,
    Case,
    CaseMeasure,
    CaseService,
    ConsentPurpose,
    IdentificationStatus,
    MeasureStatus,
    PlanStatus,
    ReturnStatus,
    ServiceStatus,
)
from opentrm.directory.models import Function, Organisation
from opentrm.directory.pickers import organisation_label
from tests.browser.support import (
    PASSWORD,
    ConsoleLog,
    FictionalDirectory,
    log_in,
    open_case_section,
    pick,
)

pytestmark = pytest.mark.browser

CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/(\?section=[a-z]+)?(#.*)?$")
MEASURES = "Identification and measures"
INTAKE = "sop2.intake_needs_assessment"
INTAKE_LABEL = "Intake and needs assessment"
RETURN = "sop4.safe_transport"
ASYLUM_BLOCKS_RETURN = (
    "The child has requested or indicated asylum: the return cannot be completed."
)
RETURN_LABEL = "Safe transport/transfer and arrival assistance"
SERVICE = re.compile(r"^Service:?$")  # the field, not "Provider" or "Activity of the plan"


def _member(organisation: Organisation, role: Role, username: str, first: str, last: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def _status(page: Page, term: str) -> Locator:
    """The value of one status attribute in the case file's summary list."""
    return page.locator("dl").first.locator(f"dt:text-is('{term}') + dd")


def _messages(page: Page) -> Locator:
    """The messages a page shows after a change (a live region)."""
    return page.locator("ul.messages[role='status']")


def _measure_row(page: Page, code: str) -> Locator:
    return page.locator(f"tr[id='measure-{code}']")


def _cell(row: Locator, column: str) -> Locator:
    """One cell of a responsive table row, by its column heading."""
    return row.locator(f"td[data-label='{column}']")


def _register(
    page: Page, *, name: str, age: str, languages: list[str], citizenship: str = ""
) -> Case:
    """From the Cases page, register a presumed victim and land on the case file."""
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Cases", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases of my organisation")
    page.get_by_role("link", name="Register a presumed victim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a presumed victim")
    page.get_by_label("Name or initials").fill(name)
    page.get_by_label("Age (estimate)").select_option(label=age)
    for language in languages:  # by name, typed in the filter over the list
        pick(page.get_by_role("group", name="Languages spoken"), language)
    if citizenship:
        pick(page.get_by_role("group", name="Citizenship"), citizenship)
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(CASE_URL)
    match = CASE_URL.search(page.url)
    assert match is not None
    case = Case.objects.get(public_id=UUID(match[1]))
    expect(_messages(page)).to_contain_text(f"Case {case.number} was opened.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{case.number} · {name}")
    expect(_status(page, "Identification status")).to_have_text("Presumed victim")
    return case


def _measure_link(page: Page, verb: str, label: str) -> Locator:
    """The board's "Plan" or "Change" link of one measure (its name says which measure)."""
    # Playwright hands the pattern to the browser between slashes: a "/" must be escaped.
    name = re.escape(label).replace("/", r"\/")
    return page.get_by_role("link", name=re.compile(rf"^{verb}\s*:\s*{name}$"))


def _plan(page: Page, label: str) -> None:
    """Plan a measure not yet on the case: offered behind "Add a measure" (issue 12 §4)."""
    open_case_section(page, MEASURES)
    # Closed, the list is out of the accessibility tree: the procedure's list by its text.
    page.locator("details.add-measure").filter(has_text=label).locator("summary").click()
    _measure_link(page, "Plan", label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan a measure: {label}")
    page.get_by_role("button", name="Plan", exact=True).click()
    expect(_messages(page)).to_contain_text("The measure was planned.")


def _change_status(page: Page, label: str, status: str) -> None:
    open_case_section(page, MEASURES)
    _measure_link(page, "Change", label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change a measure: {label}")
    page.get_by_label("Status").select_option(label=status)
    page.get_by_role("button", name="Save", exact=True).click()


def _record_consent(
    page: Page, purpose: str, told: str, recipient: str = "", language: str = "Romanian"
) -> None:
    open_case_section(page, "Consents")
    page.get_by_role("link", name="Record a consent decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a consent decision")
    page.get_by_label("Purpose").select_option(label=purpose)
    page.get_by_label("Given", exact=True).check()
    if recipient:
        pick(page.get_by_label("Recipient organisation"), recipient)
    pick(page.get_by_label("Explained in (language)"), language)
    page.get_by_label("What the person was told").fill(told)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(_messages(page)).to_contain_text("The consent decision was recorded.")


def _no_console_trouble(console: ConsoleLog) -> None:
    assert console.csp_violations() == []
    assert console.script_errors() == []


def test_it_walks_an_adult_from_registration_to_a_refused_return(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    shelter = directory.by_function[Function.FIRST_ASSISTANCE]
    reintegration = directory.by_function[Function.RETURN]
    caseworker = _member(shelter, Role.CASEWORKER, "lira.caseworker", "Lira", "Nordvik")
    today = timezone.localdate()
    period_end = today + timedelta(days=30)

    # A caseworker of the shelter logs in through the login form and registers a presumed
    # victim with little data: initials, an age estimate and a language.
    log_in(page, live_server.url, caseworker)
    case = _register(page, name="A. K.", age="18 or over", languages=["Romanian"])
    assert case.owner_organisation == shelter
    expect(page.locator("#case-warnings")).to_have_count(0)
    expect(page.get_by_role("link", name="Child safeguards", exact=True)).to_have_count(0)

    # The recovery and reflection period starts from the measures section; the case file
    # counts down the country's default 30 days.
    open_case_section(page, MEASURES)
    reflection = page.locator("#reflection")
    expect(reflection).to_contain_text("No recovery and reflection period runs today.")
    reflection.get_by_role("link", name="Start the reflection period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Start the recovery and reflection period"
    )
    expect(page.locator("main")).to_contain_text("the period lasts 30 days")
    page.get_by_role("button", name="Start", exact=True).click()
    expect(_messages(page)).to_contain_text("The recovery and reflection period was started.")
    with translation.override("en"):
        start, end = (date_format(day, "SHORT_DATE_FORMAT") for day in (today, period_end))
    expect(reflection).to_contain_text(f"Runs from {start} to {end}.")
    expect(reflection).to_contain_text("30 days left.")
    # Said once, in the summary at the top (not a banner repeated after every save).
    summary = page.locator("#summary")
    expect(summary).to_contain_text(f"Ends on {end} (30 days left).")
    expect(summary).to_contain_text("No return or removal can be completed while it runs.")
    period = case.reflection_periods.get()
    assert (period.starts_on, period.ends_on) == (today, period_end)
    expect(_cell(_measure_row(page, "sop1.reflection_period"), "Status")).to_have_text(
        "In progress"
    )

    # The person agrees to share data with a named organisation.
    _record_consent(
        page,
        "Sharing data with a named recipient or country",
        "Who will see the data, why, and that the consent can be withdrawn at any time.",
        recipient=reintegration.name,
    )
    consents = page.locator("table").filter(has_text="Recipient")
    row = consents.locator("tbody tr").filter(has_text=reintegration.name)
    expect(_cell(row, "Purpose")).to_have_text("Sharing data with a named recipient or country")
    expect(_cell(row, "Status")).to_have_text("given")
    consent = case.consents.get()
    assert consent.purpose == ConsentPurpose.SHARE_DATA
    assert consent.recipient_organisation == reintegration
    assert consent.taken_by == caseworker

    # A caseworker may formally identify by default (reference ACT-53).
    open_case_section(page, MEASURES)
    page.get_by_role("link", name="Record an identification decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an identification decision")
    expect(page.locator("main")).to_contain_text("Caseworker")
    expect(page.locator("main")).not_to_contain_text("Your role may record an informal")
    page.get_by_label("Identified as a victim of trafficking").check()
    page.get_by_role("checkbox", name="Formal identification").check()
    page.get_by_label("Legal basis").fill("Fictional Law on Victims, art. 7")
    page.get_by_label("Indicators or questionnaire used").fill("Questionnaire A, indicator list")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(_messages(page)).to_contain_text("The identification decision was recorded.")
    expect(_status(page, "Identification status")).to_have_text("Identified formally")
    decision = page.locator("#identification tbody tr")
    expect(decision).to_have_count(1)
    expect(_cell(decision, "Formal")).to_have_text("formal")
    expect(_cell(decision, "Outcome")).to_have_text("Identified as a victim of trafficking")
    expect(_cell(decision, "Decided by")).to_contain_text("Lira Nordvik")
    case.refresh_from_db()
    assert case.identification_status == IdentificationStatus.IDENTIFIED_FORMALLY

    # A measure of any procedure, in any order: the intake and needs assessment, planned with
    # the directory's suggested body, then done.
    _plan(page, INTAKE_LABEL)
    intake = _measure_row(page, INTAKE)
    expect(_cell(intake, "Status")).to_have_text("Planned")
    expect(_cell(intake, "Responsible")).to_have_text(shelter.name)
    _change_status(page, INTAKE_LABEL, "Done")
    expect(_messages(page)).to_contain_text("The measure was saved.")
    expect(_cell(intake, "Status")).to_have_text("Done")
    measure = CaseMeasure.objects.get(case=case, code=INTAKE)
    assert (measure.status, measure.completed_on) == (MeasureStatus.DONE, today)

    # The intake and needs assessment itself: what the person needs.
    open_case_section(page, "Assessments")
    page.locator("#assessment-needs").get_by_role("link", name="Record").click()
    page.get_by_label("Date of the assessment").fill(today.isoformat())
    page.get_by_role("checkbox", name="Accommodation").check()
    page.get_by_role("checkbox", name="Medical examination, assistance or evaluation").check()
    page.get_by_label("Findings").fill("Needs a safe place and a medical check-up.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The assessment was recorded.")
    expect(_cell(page.locator("#assessment-needs"), "Findings")).to_contain_text("Accommodation")
    assessment = Assessment.objects.get(case=case, kind="needs")
    assert assessment.needs == ["accommodation", "medical"]

    # The individual assistance plan: drafted, acknowledged by the person, and refused
    # activation until the person consents to its implementation (SOP-P4).
    provider = organisation_label(shelter)
    plan_section = page.locator("#plan")
    open_case_section(page, "Plans")
    plan_section.get_by_role("link", name="Draft a plan").click()
    page.get_by_label("Goals").fill("Safety and rest; a health check; legal information.")
    page.get_by_label("Activity").first.fill("Shelter place")
    page.get_by_role("combobox", name=SERVICE).first.select_option(label="Accommodation in shelter")
    page.get_by_label("Provider").first.select_option(label=provider)
    page.get_by_role("button", name="Save the draft").click()
    expect(_messages(page)).to_contain_text("The draft plan was saved.")
    plan_section.get_by_role("link", name="Record the person's acknowledgement").click()
    page.get_by_label("Acknowledged by the person on").fill(today.isoformat())
    page.get_by_label("How the person acknowledged it").fill("Signed, read out in Romanian")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The person's acknowledgement was recorded.")
    # Not a live button that fails after the click: disabled, with what is missing.
    activate = plan_section.get_by_role("button", name="Activate the plan")
    expect(activate).to_be_disabled()
    expect(page.locator("#plan-blockers")).to_contain_text("consent")
    assert AssistancePlan.objects.get(case=case).status == PlanStatus.DRAFT
    _record_consent(
        page,
        "Implementing the individual assistance plan",
        "What the plan holds, who provides each service, and that it can be stopped.",
    )
    open_case_section(page, "Plans")
    plan_section.get_by_role("button", name="Activate the plan").click()
    expect(_messages(page)).to_contain_text("The plan is in force.")
    expect(plan_section).to_contain_text("In force: revision 1")
    assert AssistancePlan.objects.get(case=case).status == PlanStatus.ACTIVE

    # A shelter place: offered, then delivered, with its provider.
    services_section = page.locator("#services")
    open_case_section(page, "Services")
    services_section.get_by_role("link", name="Record a service offered").click()
    page.get_by_role("combobox", name=SERVICE).select_option(label="Accommodation in shelter")
    page.get_by_label("Provider (from the directory)").select_option(label=provider)
    page.get_by_label("Offered on").fill(today.isoformat())
    page.get_by_label("Funding source").fill("State budget")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The offer was recorded.")
    service_row = services_section.locator("tbody tr").filter(has_text="Accommodation in shelter")
    expect(_cell(service_row, "Status")).to_have_text("Offered")
    service_row.get_by_role(
        "link", name=re.compile(r"^Update\s*:\s*Accommodation in shelter$")
    ).click()
    page.get_by_label("delivered", exact=True).check()
    page.get_by_label("On (delivered: from)").fill(today.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The service was updated.")
    expect(_cell(service_row, "Status")).to_have_text("Delivered")
    expect(_cell(service_row, "Provider")).to_have_text(shelter.name)
    service = CaseService.objects.get(case=case)
    assert (service.status, service.started_on, service.provider) == (
        ServiceStatus.DELIVERED,
        today,
        shelter,
    )

    # Completing the return is refused, with every reason on screen: the reflection period
    # runs and the person has not consented to return.
    _plan(page, RETURN_LABEL)
    _change_status(page, RETURN_LABEL, "Done")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change a measure: {RETURN_LABEL}")
    reasons = page.locator(".field.has-error").filter(has=page.get_by_label("Status"))
    expect(reasons.locator(".errorlist li")).to_have_text(
        [
            f"The recovery and reflection period runs until {period.ends_on.isoformat()}.",
            "The person's consent to return is not recorded: return is voluntary.",
        ]
    )
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Not saved:")
    expect(alert).to_contain_text("The person's consent to return is not recorded")
    expect(alert).not_to_contain_text("Please correct")
    assert CaseMeasure.objects.get(case=case, code=RETURN).status == MeasureStatus.PLANNED
    case.refresh_from_db()
    assert case.return_status != ReturnStatus.COMPLETED
    blocked = AuditEvent.objects.get(event_type=EventType.GUARD_BLOCKED)
    assert blocked.detail == {
        "guard": "return_completion",
        "case_id": case.pk,
        "measure": RETURN,
        "reasons": 2,
    }
    assert blocked.actor_id == caseworker.pk

    # The case file still shows the return as planned.
    page.get_by_role("link", name=case.number).click()
    open_case_section(page, MEASURES)
    expect(_cell(_measure_row(page, RETURN), "Status")).to_have_text("Planned")
    _no_console_trouble(console)


def test_it_protects_a_child_who_indicated_asylum_and_waits_for_the_welfare_clearance(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, console: ConsoleLog
) -> None:
    social_office = directory.by_function[Function.LONGER_TERM_ASSISTANCE]
    manager = _member(social_office, Role.CASE_MANAGER, "oren.manager", "Oren", "Vestby")
    today = timezone.localdate()

    # A person of unknown age, a citizen of Moldova, is treated as a child.
    log_in(page, live_server.url, manager)
    case = _register(
        page, name="M. T.", age="Unknown", languages=["Romanian", "Russian"], citizenship="Moldova"
    )
    expect(page.locator("main")).to_contain_text("Child: the child safeguards apply")
    # Each warning in the summary with the link that fixes it (issue 12 §4).
    warnings = page.locator("#case-warnings")
    expect(warnings).to_contain_text("Needs attention:")
    expect(warnings.locator("li")).to_have_text(
        [
            "No guardian has been appointed for the child. Record them now",
            "No Interior-Ministry liaison officer is named for the child. Record them now",
        ]
    )
    child = page.locator("#child")
    open_case_section(page, "Child safeguards")
    expect(child).to_contain_text("None appointed")
    expect(child).to_contain_text("None named")

    # The case manager records that the child indicated asylum.
    child.get_by_role("link", name="Edit the child safeguards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child safeguards")
    page.get_by_label("Asylum requested or indicated").fill(today.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The child safeguards were saved.")
    expect(child).to_contain_text("no action, referral or message may go towards the country")

    # A contact with the authorities of the child's country of origin is refused, explained,
    # and the attempt is audited.
    open_case_section(page, "Tasks")
    contact = page.locator("form[action$='/country-contact/']")
    contact.get_by_label("Country").select_option(label="Moldova")
    contact.get_by_label("Purpose").select_option(label="Verify identity or nationality")
    contact.get_by_role("button", name="Plan the contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact a country's authorities")
    expect(page.get_by_role("alert")).to_contain_text(
        "The child has requested or indicated asylum: no action, referral or message may go "
        "towards the country of origin."
    )
    refusal = AuditEvent.objects.get(event_type=EventType.ORIGIN_CONTACT_BLOCKED)
    assert refusal.detail == {
        "case_id": case.pk,
        "country_code": "MD",
        "purpose": "identity_verification",
    }
    assert refusal.actor_id == manager.pk
    assert not case.tasks.exists()

    # A contact with another country is allowed: it becomes a task for the case manager.
    pick(page.get_by_label("Country"), "Italy")
    page.get_by_label("Purpose").select_option(label="Request information")
    page.get_by_role("button", name="Plan the contact").click()
    expect(_messages(page)).to_contain_text(
        "Added to your tasks: Contact the authorities of Italy: Request information"
    )
    expect(page.locator("#tasks")).to_contain_text("Contact the authorities of Italy")
    assert AuditEvent.objects.filter(event_type=EventType.COUNTRY_CONTACT_PLANNED).count() == 1

    # The return cannot be completed: no welfare clearance, no best-interests determination,
    # no consent to return.
    _plan(page, RETURN_LABEL)
    _change_status(page, RETURN_LABEL, "Done")
    reasons = page.locator(".field.has-error").filter(has=page.get_by_label("Status"))
    expect(reasons.locator(".errorlist li")).to_have_text(
        [
            "The person's consent to return is not recorded: return is voluntary.",
            "The child-welfare authority has not recorded that return would not place the "
            "child in danger.",
            "No best-interests determination is recorded for the child.",
            ASYLUM_BLOCKS_RETURN,
        ]
    )
    assert CaseMeasure.objects.get(case=case, code=RETURN).status == MeasureStatus.PLANNED

    # The guardian, the liaison officer, the best-interests determination (with who took part)
    # and the child-welfare authority's clearance are recorded: the warnings go.
    page.get_by_role("link", name=case.number).click()
    open_case_section(page, "Child safeguards")
    page.locator("#child").get_by_role("link", name="Edit the child safeguards").click()
    page.get_by_label("Guardian (if not a user)").fill("Sela Marrow")
    page.get_by_label("Guardian appointed").fill(today.isoformat())
    page.get_by_label("Interior-Ministry liaison officer").select_option(label="Duty officer")
    page.locator("#id_best_interests_determined_on").fill(today.isoformat())
    page.locator("#id_best_interests_participants").fill("The child\nThe guardian")
    page.get_by_label("Best-interests summary").fill("Return to the family is safe and wished.")
    page.get_by_label("Child-welfare safety clearance for return").fill(today.isoformat())
    pick(page.get_by_label("Child-welfare authority"), social_office.name)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The child safeguards were saved.")
    expect(page.locator("#case-warnings")).to_have_count(0)
    expect(child).to_contain_text("Sela Marrow")
    expect(child).to_contain_text(social_office.name)

    # Still refused without the child's consent to return, and while asylum is indicated.
    _change_status(page, RETURN_LABEL, "Done")
    expect(reasons.locator(".errorlist li")).to_have_text(
        [
            "The person's consent to return is not recorded: return is voluntary.",
            ASYLUM_BLOCKS_RETURN,
        ]
    )

    # With the consent recorded, only the asylum indication still stops the return.
    page.get_by_role("link", name=case.number).click()
    _record_consent(
        page,
        "Return to the country of origin or a third country",
        "What return means, the support on arrival, and that it is voluntary.",
    )
    _change_status(page, RETURN_LABEL, "Done")
    expect(reasons.locator(".errorlist li")).to_have_text([ASYLUM_BLOCKS_RETURN])

    # The child withdraws the asylum request: the case manager clears the indication, and with
    # no reflection period running the return is completed.
    page.get_by_role("link", name=case.number).click()
    open_case_section(page, "Child safeguards")
    page.locator("#child").get_by_role("link", name="Edit the child safeguards").click()
    page.get_by_label("Asylum requested or indicated").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_messages(page)).to_contain_text("The child safeguards were saved.")
    _change_status(page, RETURN_LABEL, "Done")
    expect(_messages(page)).to_contain_text("The measure was saved.")
    expect(_cell(_measure_row(page, RETURN), "Status")).to_have_text("Done")
    expect(_status(page, "Return")).to_have_text("Returned")
    case.refresh_from_db()
    assert case.return_status == ReturnStatus.COMPLETED
    assert AuditEvent.objects.filter(event_type=EventType.GUARD_BLOCKED).count() == 3
    _no_console_trouble(console)
