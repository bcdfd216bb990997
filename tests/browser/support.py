"""Data and helpers shared by the browser tests (fixtures live in conftest.py)."""

from dataclasses import dataclass, field

from django.utils import translation
from playwright.sync_api import ConsoleMessage, Locator, Page, WebError, expect

from opentrm.accounts.models import Membership, User
from opentrm.accounts.roles import Role
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    ContactPoint,
    Country,
    Function,
    Language,
    Organisation,
    OrganisationType,
    Responsibility,
)

PASSWORD = "a long fictional passphrase 4 tests"
LONG_EMAIL = "reintegration.casework.coordination@northgatecentre.example.test"


@dataclass
class ConsoleLog:
    """What the pages of one test wrote to the browser console, and the scripts that failed."""

    messages: list[str] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        self.messages.append(f"{message.type}: {message.text}")

    def record_error(self, error: WebError) -> None:
        self.messages.append(f"uncaught: {error.error}")

    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]

    def script_errors(self) -> list[str]:
        return [m for m in self.messages if m.startswith("uncaught:")]


@dataclass
class FictionalDirectory:
    """A small, entirely fictional directory: every procedure in AL, one row in RS, a member."""

    albania: Country
    serbia: Country
    by_function: dict[Function, Organisation]
    member: User

    def name(self, function: Function) -> str:
        return self.by_function[function].name


# function, organisation, type, contact position, channels
_ALBANIA = [
    (
        Function.IDENTIFICATION,
        "Fictiva Anti-Trafficking Police Unit",
        OrganisationType.ANTI_TRAFFICKING_POLICE,
        "Duty officer",
        [(ChannelKind.PHONE, "+355 4 000 1001"), (ChannelKind.EMAIL, "duty@unit.example.test")],
    ),
    (
        Function.FIRST_ASSISTANCE,
        "Harbour Light Shelter",
        OrganisationType.SHELTER,
        "Shelter coordinator",
        [(ChannelKind.HOTLINE, "+355 800 0001")],
    ),
    (
        Function.LONGER_TERM_ASSISTANCE,
        "Fictiva Social Inclusion Office",
        OrganisationType.SOCIAL_SERVICES,
        "Inclusion caseworker",
        [(ChannelKind.PHONE, "+355 4 000 1003")],
    ),
    (
        Function.RETURN,
        "Northgate Reintegration Centre",
        OrganisationType.NGO,
        "Reintegration coordinator",
        [(ChannelKind.EMAIL, LONG_EMAIL), (ChannelKind.MOBILE, "+355 69 000 1004")],
    ),
    (
        Function.PROCEEDINGS,
        "Fictiva District Prosecution Office",
        OrganisationType.PROSECUTION,
        "Prosecutor on duty",
        [(ChannelKind.FAX, "+355 4 000 1005")],
    ),
    (
        Function.NATIONAL_COORDINATOR,
        "Office of the Fictional National Coordinator",
        OrganisationType.NATIONAL_COORDINATION,
        "National coordinator",
        [(ChannelKind.EMAIL, "coordinator@office.example.test")],
    ),
]


def _contact(
    organisation: Organisation,
    position: str,
    channels: list[tuple[ChannelKind, str]],
    languages: list[Language],
) -> ContactPoint:
    contact_point = ContactPoint.objects.create(organisation=organisation, position=position)
    for order, (kind, value) in enumerate(channels):
        ContactChannel.objects.create(
            contact_point=contact_point,
            kind=kind,
            value=value,
            order=order,
            available_24_7=kind == ChannelKind.HOTLINE,
        )
    contact_point.languages.set(languages)
    return contact_point


def build_fictional_directory() -> FictionalDirectory:
    albania = Country.objects.create(code="AL")
    serbia = Country.objects.create(code="RS")
    albanian, english, serbian = (Language.objects.create(code=c) for c in ("sq", "en", "sr"))
    by_function: dict[Function, Organisation] = {}
    for function, name, kind, position, channels in _ALBANIA:
        organisation = Organisation.objects.create(
            country=albania, name=name, type=kind, city="Fictiva"
        )
        Responsibility.objects.create(
            country=albania,
            function=function,
            organisation=organisation,
            contact_point=_contact(organisation, position, channels, [albanian, english]),
        )
        by_function[function] = organisation
    imaginara = Organisation.objects.create(
        country=serbia,
        name="Imaginara City Police Directorate",
        type=OrganisationType.POLICE,
        city="Imaginara",
    )
    Responsibility.objects.create(
        country=serbia,
        function=Function.IDENTIFICATION,
        organisation=imaginara,
        contact_point=_contact(
            imaginara, "Duty desk", [(ChannelKind.PHONE, "+381 11 000 0001")], [serbian]
        ),
    )
    member = User.objects.create_user(
        username="mira.fictiva", password=PASSWORD, first_name="Mira", last_name="Fictiva"
    )
    Membership.objects.create(
        user=member,
        organisation=by_function[Function.NATIONAL_COORDINATOR],
        role=Role.CASEWORKER,
    )
    return FictionalDirectory(albania, serbia, by_function, member)


def in_english(function: Function) -> str:
    """The English label, whatever language an earlier test left active in this thread."""
    with translation.override("en"):
        return str(function.label)


def log_in(page: Page, base_url: str, user: User) -> None:
    """Log in through the real login form and wait for the home page (issue 12)."""
    page.goto(f"{base_url}/account/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/home/")


def has_horizontal_scroll(page: Page) -> bool:
    """Does the page need sideways scrolling? On a phone, Chromium widens the layout viewport
    (``innerWidth``) to fit overflowing content, so the screen's own width is compared too."""
    return bool(
        page.evaluate(
            """() => {
              const root = document.documentElement;
              return root.scrollWidth > Math.min(window.innerWidth, root.clientWidth);
            }"""
        )
    )


def pick(control: Locator, typed: str, *, choice: str | None = None) -> None:
    """Choose in a picker (opentrm/directory/pickers.py) as a user does: type part of the name
    in the filter box over the list. ``control`` is the ``<select>`` (the one option left, or
    the one whose name starts with what was typed, is chosen) or the group of check boxes (the
    box named ``choice``, by default what was typed, is then ticked)."""
    if control.evaluate("element => element.tagName") == "SELECT":
        control.locator("xpath=preceding-sibling::input[@type='search'][1]").fill(typed)
        expect(control.locator("option:checked")).to_contain_text(choice or typed)
    else:
        control.locator("input.picker-filter").fill(typed)
        control.get_by_label(choice or typed, exact=True).check()


def case_sections(page: Page) -> Locator:
    """The case file's navigation between its sections."""
    return page.get_by_role("navigation", name="Sections of the case file")


def open_case_section(page: Page, name: str) -> None:
    """Open one section of the case file from its navigation and wait until htmx has swapped it
    in: clicking the section already shown loads it again, and a click that lands before the
    swap acts on the copy about to be replaced (a ``<details>`` opened there closes again)."""
    link = case_sections(page).get_by_role("link", name=name, exact=True)
    with page.expect_response(lambda answer: answer.request.headers.get("hx-request") == "true"):
        link.click()
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    expect(link).to_have_attribute("aria-current", "page")
