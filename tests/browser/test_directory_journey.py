"""Issue 2's main journey: log in, browse by country and procedure, Serbian, export a list."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory.models import Function
from tests.browser.support import PASSWORD, FictionalDirectory, in_english, log_in

pytestmark = pytest.mark.browser

CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def test_it_takes_a_member_from_login_to_an_exported_serbian_contact_list(
    page: Page, live_server: LiveServer, directory: FictionalDirectory, tmp_path: Path
) -> None:
    # An anonymous visitor is sent to the login form and lands on the directory after it.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/login/"))
    page.get_by_label("Username").fill(directory.member.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TRM directory")

    # The directory home lists the countries.
    expect(page.get_by_role("link", name="Albania", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Serbia", exact=True)).to_be_visible()

    # A country's contact list has a row for every procedure, with who answers for it.
    page.get_by_role("link", name="Albania", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("TRM contacts: Albania")
    contact_list = page.locator("table.contact-list")
    for function in Function.procedures():
        expect(contact_list).to_contain_text(in_english(function))
        expect(contact_list).to_contain_text(directory.name(function))
    expect(contact_list).not_to_contain_text("Imaginara City Police Directorate")

    # Filtering by one procedure leaves that row only.
    page.get_by_label("Procedure or function").select_option(Function.RETURN.value)
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"function=sop4"))
    expect(contact_list.locator("tbody th")).to_have_text([in_english(Function.RETURN)])
    expect(contact_list).to_contain_text(directory.name(Function.RETURN))
    expect(contact_list).to_contain_text("Reintegration coordinator")
    expect(contact_list).not_to_contain_text(directory.name(Function.IDENTIFICATION))
    expect(contact_list).not_to_contain_text(directory.name(Function.PROCEEDINGS))

    # The language switcher in the header changes the language with its button (never on a
    # mere change of the selection, WCAG 3.2.2) and keeps the page and its filter.
    page.get_by_label("Language", exact=True).select_option("sr")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "sr")
    expect(page).to_have_url(re.compile(rf"/directory/{directory.albania.code}/\?function=sop4$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Албанија")
    expect(
        page.get_by_role("navigation", name="Главна навигација").get_by_role("link", name="Именик")
    ).to_be_visible()
    assert CYRILLIC.search(heading.inner_text())
    expect(contact_list).to_contain_text(directory.name(Function.RETURN))
    expect(contact_list).not_to_contain_text(directory.name(Function.IDENTIFICATION))

    # The contact list is exported as CSV, in the Serbian interface, with the procedure shown on
    # the screen (issue 12 §7), and the export is audited.
    exports_before = AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED).count()
    with page.expect_download() as download_info:
        page.locator("a[href$='/export/?format=csv&function=sop4']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    exported = saved.read_text(encoding="utf-8-sig")
    assert directory.name(Function.RETURN) in exported
    assert directory.name(Function.IDENTIFICATION) not in exported
    assert "Reintegration coordinator" in exported
    assert "+355 69 000 1004" in exported
    assert "Imaginara City Police Directorate" not in exported
    assert AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED).count() == (
        exports_before + 1
    )


@pytest.mark.parametrize("export_format", ["pdf", "xlsx"])
def test_it_downloads_the_contact_list_as_a_document(
    page: Page,
    live_server: LiveServer,
    directory: FictionalDirectory,
    tmp_path: Path,
    export_format: str,
) -> None:
    log_in(page, live_server.url, directory.member)
    page.goto(f"{live_server.url}/directory/{directory.albania.code}/")
    link = page.get_by_role("link", name=f"Export {export_format.upper()}")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(f".{export_format}")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    if export_format == "pdf":
        assert content.startswith(b"%PDF")
        assert len(content) > 1000
    else:
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        cells = {
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        }
        assert directory.name(Function.RETURN) in cells
        assert directory.name(Function.IDENTIFICATION) in cells


def test_it_switches_language_with_the_button_when_javascript_is_off(
    no_script_page: Page, live_server: LiveServer, directory: FictionalDirectory
) -> None:
    page = no_script_page
    log_in(page, live_server.url, directory.member)
    page.goto(f"{live_server.url}/")  # the directory: country names to read in Serbian
    button = page.get_by_role("button", name="Change")
    expect(button).to_be_visible()
    page.get_by_label("Language", exact=True).select_option("sr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    button.click()
    expect(page.locator("html")).to_have_attribute("lang", "sr")
    expect(page.get_by_role("link", name="Албанија")).to_be_visible()
