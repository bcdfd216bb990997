"""The TRM portal (issue 19): a visitor reads the glossary and an SOP guide in Albanian without
logging in (and without JavaScript); a country's editor updates its profile and the review date
moves to today."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.accounts.models import Membership
from opentrm.accounts.roles import Role
from opentrm.catalogue.loader import load_catalogue
from opentrm.portal.models import CountryProfile
from opentrm.portal.services import glossary_load, profiles_load
from tests.browser.support import ConsoleLog, FictionalDirectory, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(directory: FictionalDirectory) -> FictionalDirectory:
    glossary_load()
    profiles_load()
    return directory


def test_a_visitor_reads_the_glossary_and_an_sop_guide_in_albanian(
    no_script_page: Page, live_server: LiveServer, portal: FictionalDirectory, console: ConsoleLog
) -> None:
    page = no_script_page
    page.goto(f"{live_server.url}/portal/en/")
    page.get_by_role("link", name="Shqip").click()
    page.locator('a[href="/portal/sq/glossary/"]').first.click()
    term = page.get_by_role("link", name="Viktimë e supozuar")
    expect(term).to_be_visible()
    term.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Viktimë e supozuar")
    expect(page.locator(".definition")).to_contain_text("të njëjtin trajtim")
    expect(page.locator("html")).to_have_attribute("lang", "sq")

    with translation.override("sq"):
        sop = load_catalogue().sop("sop1")
        sop_name, first = sop.name, sop.measures[0]
        measure_name, how = first.name, first.guidance.how
    page.locator('a[href="/portal/sq/sops/"]').first.click()
    page.get_by_role("link", name=sop_name, exact=True).click()
    guide = page.locator(f'section[id="{first.code}"]')
    expect(guide.get_by_role("heading", name=measure_name)).to_be_visible()
    expect(guide).to_contain_text(how)
    # The guide prints without the site's navigation.
    page.emulate_media(media="print")
    expect(page.locator(".portal-nav")).to_be_hidden()
    expect(guide).to_be_visible()
    page.emulate_media(media="screen")
    # The public pages never start a session.
    assert [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME] == []
    assert console.csp_violations() == []


def test_a_country_editor_updates_the_profile_and_the_review_date_moves(
    page: Page, live_server: LiveServer, portal: FictionalDirectory, console: ConsoleLog
) -> None:
    Membership.objects.filter(user=portal.member).update(role=Role.DIRECTORY_EDITOR)
    old = timezone.localdate() - timedelta(days=400)
    CountryProfile.objects.filter(country=portal.albania).update(reviewed_on=old)
    with translation.override("en"):
        before = formats.date_format(old, "SHORT_DATE_FORMAT")
        today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")

    log_in(page, live_server.url, portal.member)
    page.goto(f"{live_server.url}/portal/members/countries/AL/")
    expect(page.locator(".reviewed-on")).to_have_text(before)
    expect(page.locator(".stale")).to_be_visible()
    page.get_by_role("link", name="Edit the profile").click()
    page.get_by_label("National action plan").fill("Fictional action plan 2025-2028")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("review date is today")
    expect(page.locator(".reviewed-on")).to_have_text(today)
    expect(page.locator(".stale")).to_have_count(0)
    expect(page.get_by_text("Fictional action plan 2025-2028")).to_be_visible()
    # ... and visitors read the new text on the public profile.
    page.goto(f"{live_server.url}/portal/en/countries/AL/")
    expect(page.get_by_text("Fictional action plan 2025-2028")).to_be_visible()
    assert console.csp_violations() == []
    assert console.script_errors() == []
