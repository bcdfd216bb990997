"""Organisation, country and language pickers: typed by name, never by code.

Three bodies named alike in three countries: the caseworker narrows the recipient list by typing
part of the name and the country, and the one that fits is the one recorded.
"""

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import PASSWORD as WORLD_PASSWORD
from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case
from opentrm.cases.tests.factories import new_case
from opentrm.directory.models import Country, Organisation, OrganisationType
from tests.browser.support import ConsoleLog

pytestmark = pytest.mark.browser

AGENCY = "Fictional Child Protection Agency"


def _log_in(page: Page, base_url: str, world: World) -> None:
    page.goto(f"{base_url}/account/login/")
    page.get_by_label("Username").fill(world.user(Role.CASEWORKER).username)
    page.get_by_label("Password").fill(WORLD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/home/")


def test_it_picks_a_consent_recipient_by_typing_part_of_its_name_and_country(
    page: Page, live_server: LiveServer, world: World, console: ConsoleLog
) -> None:
    moldova = Country.objects.create(code="MD")
    twins = {
        country.code: Organisation.objects.create(
            country=country, name=AGENCY, type=OrganisationType.CHILD_PROTECTION
        )
        for country in (world.country_a, world.country_b, moldova)
    }
    case: Case = new_case(world)
    _log_in(page, live_server.url, world)
    page.goto(f"{live_server.url}/cases/{case.public_id}/consents/new/")

    recipient = page.locator("#id_recipient_organisation")
    # Without typing, the three agencies are told apart by their country, Albania's first.
    groups = recipient.locator("optgroup")
    expect(groups.first).to_have_attribute("label", "Albania")
    expect(recipient.locator("option", has_text=AGENCY)).to_have_count(3)

    recipient_filter = page.locator("#id_recipient_organisation").locator(
        "xpath=preceding-sibling::input[@type='search']"
    )
    recipient_filter.fill("child prot")
    expect(recipient.locator("option:not([hidden])", has_text=AGENCY)).to_have_count(3)
    recipient_filter.fill("child prot molDOva")  # any case, any order of words
    expect(recipient).to_have_value(str(twins["MD"].pk))
    recipient_filter.fill("child prot roman")
    expect(recipient).to_have_value(str(twins["RO"].pk))
    expect(recipient.locator("option:checked")).to_have_text(
        f"{AGENCY} — Child protection / guardianship, Romania"
    )

    # The language by its name, not its ISO code.
    language_filter = page.locator("#id_explained_in").locator(
        "xpath=preceding-sibling::input[@type='search']"
    )
    language_filter.fill("romanian")
    expect(page.locator("#id_explained_in")).to_have_value("ro")

    page.get_by_label("Purpose").select_option("share_data")
    page.get_by_label("Given").check()
    page.get_by_label("What the person was told").fill("Who sees what, and why.")
    page.get_by_role("button", name="Record").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.public_id}/**")

    consent = case.consents.get()
    assert consent.recipient_organisation == twins["RO"]
    assert consent.explained_in == "ro"
    assert console.csp_violations() == []
    assert console.script_errors() == []


def test_it_refuses_a_recipient_outside_the_country_chosen_and_says_so(
    page: Page, live_server: LiveServer, world: World
) -> None:
    case: Case = new_case(world)
    _log_in(page, live_server.url, world)
    page.goto(f"{live_server.url}/cases/{case.public_id}/consents/new/")
    page.get_by_label("Purpose").select_option("share_data")
    page.get_by_label("Given").check()
    page.locator("#id_recipient_organisation").select_option(str(world.agency_b.pk))
    page.locator("#id_recipient_country").select_option("MD")
    page.locator("#id_explained_in").select_option("ro")
    page.get_by_label("What the person was told").fill("Who sees what, and why.")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#id_recipient_organisation_error")).to_contain_text(
        "is in Romania, not in Moldova"
    )
    assert not case.consents.exists()
