"""Importing a contact list: every row checked first, all or nothing, idempotent merge."""

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from pytest_django import Settings

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.directory import services
from opentrm.directory.importing import ContactImportError, contacts_import
from opentrm.directory.models import (
    ChannelKind,
    ContactPoint,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)

FILES = Path(__file__).parent / "files"

INSPECTORATE = {
    "country": "AL",
    "organisation": "Fictiva Labour Inspectorate",
    "acronym": "FLI",
    "type": "labour_inspectorate",
    "parent": "",
    "city": "Fictiva",
    "function": "sop1",
    "row_label": "",
    "note": "",
    "position": "Head of inspections",
    "person_name": "Arta Imagjinare",
    "phone": "+355 4 200 100; +355 4 200 101",
    "email": "inspections@fictiva.example",
    "languages": "sq, en",
    "last_verified": "2025-01-15",
}


def row(**changes: str) -> dict[str, str]:
    return {**INSPECTORATE, **changes}


def csv_file(rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    columns = list(dict.fromkeys(name for r in rows for name in r))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_file(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(world: World, data: bytes) -> list[str]:
    with pytest.raises(ContactImportError) as caught:
        contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)
    return [str(error) for error in caught.value.errors]


def snapshot() -> tuple[int, int, int, int, int]:
    """What an import may change: counts of entries, channels and audit events."""
    return (
        Organisation.objects.count(),
        ContactPoint.objects.count(),
        Responsibility.objects.count(),
        sum(len(cp.channels.all()) for cp in ContactPoint.objects.prefetch_related("channels")),
        AuditEvent.objects.count(),
    )


# --- what a good file does -------------------------------------------------------------------


def test_it_imports_bodies_contact_points_and_responsibilities(world: World) -> None:
    data = csv_file(
        [
            row(),
            row(function="sop5", row_label="Criminal Proceedings", note="Serious crimes"),
            row(
                organisation="Fictiva Inspectorate Regional Office",
                parent="Fictiva Labour Inspectorate",
                acronym="",
                city="Imagjina",
                function="regional_contact",
                position="Regional inspector",
                person_name="",
                phone="+355 4 300 300",
                email="",
                languages="sq",
                last_verified="",
            ),
        ]
    )

    result = contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    assert (result.rows, result.organisations_created, result.contact_points_created) == (3, 2, 2)
    assert result.responsibilities_created == 3
    inspectorate = Organisation.objects.get(name="Fictiva Labour Inspectorate")
    assert (inspectorate.type, inspectorate.acronym, inspectorate.country) == (
        OrganisationType.LABOUR_INSPECTORATE,
        "FLI",
        world.country_a,
    )
    office = Organisation.objects.get(name="Fictiva Inspectorate Regional Office")
    assert office.parent == inspectorate
    head = ContactPoint.objects.get(organisation=inspectorate)
    assert (head.position, head.person_name) == ("Head of inspections", "Arta Imagjinare")
    assert sorted((c.kind, c.value) for c in head.channels.all()) == [
        ("email", "inspections@fictiva.example"),
        ("phone", "+355 4 200 100"),
        ("phone", "+355 4 200 101"),
    ]
    assert sorted(language.code for language in head.languages.all()) == ["en", "sq"]
    assert head.last_verified_at == date(2025, 1, 15)
    assert head.last_verified_by == world.user(Role.DIRECTORY_EDITOR)
    proceedings = Responsibility.objects.get(function=Function.PROCEEDINGS)
    assert (proceedings.contact_point, proceedings.label, proceedings.note) == (
        head,
        "Criminal Proceedings",
        "Serious crimes",
    )


def test_it_writes_one_import_event_with_counts_only(world: World) -> None:
    contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=csv_file([row()]))

    [event] = AuditEvent.objects.filter(event_type=EventType.CONTACTS_IMPORTED)
    assert event.actor_id == world.user(Role.DIRECTORY_EDITOR).pk
    assert event.detail["organisations_created"] == 1
    assert event.detail["contact_points_created"] == 1
    assert all(isinstance(value, int) for value in event.detail.values())
    # The entries themselves are audited by the services, as when edited by hand.
    assert AuditEvent.objects.filter(event_type=EventType.ORGANISATION_CREATED).count() == 1


def test_it_imports_the_documented_example_file(world: World) -> None:
    result = contacts_import(
        actor=world.actor(Role.DIRECTORY_EDITOR), data=(FILES / "contacts-example.csv").read_bytes()
    )

    assert (result.rows, result.organisations_created, result.responsibilities_created) == (5, 3, 5)
    police = Organisation.objects.get(name="Fictiva State Police")
    assert police.parent == Organisation.objects.get(name="Fictiva Ministry of Interior")
    head = ContactPoint.objects.get(organisation=police)
    assert sorted((c.kind, c.value, c.available_24_7) for c in head.channels.all()) == [
        ("email", "police-thb@fictiva.example", False),
        ("hotline", "0800 0200", True),
        ("phone", "+355 4 000 200", False),
        ("phone", "+355 4 000 201", False),
    ]
    coordinator = Responsibility.objects.get(function=Function.NATIONAL_COORDINATOR)
    assert coordinator.label == "NIT Coordinator"


def test_it_drops_the_quote_that_keeps_a_spreadsheet_from_reading_a_formula(world: World) -> None:
    data = csv_file([row(phone="'+355 4 200 100; '+355 4 200 101", position="'=Head")])

    contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    contact_point = ContactPoint.objects.get()
    assert contact_point.position == "=Head"
    assert sorted(c.value for c in contact_point.channels.filter(kind=ChannelKind.PHONE)) == [
        "+355 4 200 100",
        "+355 4 200 101",
    ]


def test_it_reads_semicolon_separated_csv_with_a_byte_order_mark(world: World) -> None:
    data = csv_file([row(address="Rruga e Paqes 1, Fictiva")], delimiter=";", bom=True)

    contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    inspectorate = Organisation.objects.get(name="Fictiva Labour Inspectorate")
    assert inspectorate.address == "Rruga e Paqes 1, Fictiva"
    assert ContactPoint.objects.get(organisation=inspectorate).channels.count() == 3


def test_it_reads_xlsx_with_numbers_and_dates_in_cells(world: World) -> None:
    data = xlsx_file(
        [
            ["Country", "Organisation", "Type", "Function", "Position", "Mobile", "Last verified"],
            [
                "al",
                "Fictiva Shelter",
                "shelter",
                "sop2",
                "Duty officer",
                355691234567,
                date(2025, 2, 1),
            ],
            [None, None, None, None, None, None, None],
        ]
    )

    result = contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    assert result.rows == 1
    officer = ContactPoint.objects.get(organisation__name="Fictiva Shelter")
    assert [(c.kind, c.value) for c in officer.channels.all()] == [("mobile", "355691234567")]
    assert officer.last_verified_at == date(2025, 2, 1)


def test_it_changes_nothing_when_the_same_file_is_imported_again(world: World) -> None:
    data = csv_file(
        [row(), row(function="sop3"), row(function="", position="Secretary", person_name="")]
    )
    editor = world.actor(Role.DIRECTORY_EDITOR)
    contacts_import(actor=editor, data=data)
    before = snapshot()

    result = contacts_import(actor=editor, data=data)

    assert result.counts() | {"rows": 0} == dict.fromkeys(result.counts(), 0)
    assert snapshot()[:4] == before[:4]


def test_it_updates_an_existing_body_matched_by_name_regardless_of_case(world: World) -> None:
    data = csv_file(
        [
            row(
                organisation="AGENCY A centre for social work",
                type="social_services",
                city="Newtown",
            )
        ]
    )

    result = contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    assert (result.organisations_created, result.organisations_updated) == (0, 1)
    world.agency_a.refresh_from_db()
    assert (world.agency_a.name, world.agency_a.city) == (
        "Agency A Centre for Social Work",
        "Newtown",
    )
    assert Organisation.objects.filter(name__iexact="agency a centre for social work").count() == 1


def test_it_keeps_what_the_file_does_not_describe(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    contact_point = services.contact_point_create(
        actor=editor,
        organisation=world.agency_a,
        position="Case coordinator",
        channels=[
            services.ChannelData(ChannelKind.MESSENGER, "fictiva.coordinator", label="Signal"),
            services.ChannelData(ChannelKind.EMAIL, "old@agency-a.example", label="office"),
        ],
    )
    data = csv_file(
        [
            {
                "country": "AL",
                "organisation": "Agency A Centre for Social Work",
                "type": "social_services",
                "position": "case coordinator",
                "email": "new@agency-a.example; old@agency-a.example",
            }
        ]
    )

    result = contacts_import(actor=editor, data=data)

    assert result.contact_points_updated == 1
    channels = {(c.kind, c.value): c.label for c in contact_point.channels.all()}
    assert channels == {
        ("messenger", "fictiva.coordinator"): "Signal",
        ("email", "new@agency-a.example"): "",
        ("email", "old@agency-a.example"): "office",
    }
    world.agency_a.refresh_from_db()
    assert world.agency_a.city == "Fictiva"  # no city column: left as it was


def test_it_sets_hotline_hours_and_round_the_clock_flag(world: World) -> None:
    data = csv_file([row(hotline="0800 11 22", hotline_hours="", available_24_7="yes")])

    contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    hotline = ContactPoint.objects.get().channels.get(kind=ChannelKind.HOTLINE)
    assert (hotline.value, hotline.available_24_7) == ("0800 11 22", True)


def test_it_replaces_a_responsibility_whose_label_or_note_changed(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    contacts_import(actor=editor, data=csv_file([row(function="sop1"), row(function="sop5")]))
    before = Responsibility.objects.get(function=Function.PROCEEDINGS)

    result = contacts_import(
        actor=editor,
        data=csv_file([row(function="sop1"), row(function="sop5", note="Serious crimes")]),
    )

    assert (result.responsibilities_created, result.responsibilities_updated) == (0, 1)
    after = Responsibility.objects.get(function=Function.PROCEEDINGS)
    assert (after.note, after.order, after.contact_point) == (
        "Serious crimes",
        before.order,
        before.contact_point,
    )
    assert AuditEvent.objects.filter(event_type=EventType.RESPONSIBILITY_REMOVED).count() == 1


def test_it_links_a_unit_to_a_parent_listed_later_in_the_file(world: World) -> None:
    data = csv_file(
        [
            row(
                organisation="Fictiva Border Station",
                type="border_police",
                parent="Fictiva Police Directorate",
            ),
            row(
                organisation="Fictiva Police Directorate",
                type="police",
                position="Director",
                person_name="",
            ),
        ]
    )

    contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)

    assert Organisation.objects.get(
        name="Fictiva Border Station"
    ).parent == Organisation.objects.get(name="Fictiva Police Directorate")


# --- what a bad file gets --------------------------------------------------------------------


def test_it_reports_every_bad_row_and_changes_nothing(world: World) -> None:
    before = snapshot()
    data = csv_file(
        [
            row(),
            row(function="sop2", email="not-an-address"),
            row(organisation="Fictiva Mystery Body", type="secret_society", function="sop9"),
            row(function="sop3", languages="sq, xx", last_verified="15/01/2025", phone="call us"),
            row(function="sop4", country="RO"),
            row(function="sop5", country="ZZ"),
            row(function="", position="", person_name="", phone="", email="+355 4 1"),
        ]
    )

    errors = refusal(world, data)

    assert errors == [
        "row 3, column email: “not-an-address” is not an e-mail address.",
        "row 4, column type: “secret_society” is not an organisation type "
        "(see the type codes in the import instructions).",
        "row 4, column function: “sop9” is not a procedure or function "
        "(see the codes in the import instructions).",
        "row 5, column phone: “call us” is not a phone number "
        "(digits, spaces, + ( ) . / - and an optional extension).",
        "row 5, column languages: “xx” is not a known language code (ISO 639).",
        "row 5, column last_verified: “15/01/2025” is not a date (YYYY-MM-DD).",
        "row 6, column country: you may import contacts of your own country (AL) only.",
        "row 7, column country: “ZZ” is not a known country code (ISO 3166-1 alpha-2).",
        "row 8, column position: a position is required when the row has contact details.",
        "row 8, column email: “+355 4 1” is not an e-mail address.",
    ]
    assert snapshot() == before


def test_it_refuses_a_row_duplicated_in_the_file(world: World) -> None:
    errors = refusal(
        world,
        csv_file([row(), row(function="sop2"), row(organisation="fictiva labour  inspectorate")]),
    )

    assert errors == ["row 4: duplicates row 2."]
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_it_refuses_differing_details_for_the_same_body(world: World) -> None:
    errors = refusal(world, csv_file([row(), row(function="sop2", city="Elsewhere")]))

    assert errors == ["row 3, column city: differs from row 2 for the same organisation."]


def test_it_refuses_a_new_body_without_a_type_and_an_unknown_parent(world: World) -> None:
    errors = refusal(world, csv_file([row(type="", parent="Nonexistent Ministry")]))

    assert errors == [
        "row 2, column type: is required for a new organisation.",
        "row 2, column parent: “Nonexistent Ministry” is not an organisation of this country, "
        "in the directory or in the file.",
    ]


def test_it_refuses_parents_that_form_a_loop(world: World) -> None:
    errors = refusal(
        world,
        csv_file(
            [
                row(organisation="Unit One", parent="Unit Two"),
                row(organisation="Unit Two", parent="Unit One"),
            ]
        ),
    )

    assert "row 2, column parent: the parent bodies form a loop." in errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"organisation,type\nX,ngo\n", "Required columns are missing: country."),
        (b"country,organisation,type,emial\nAL,X,ngo,a@b.example\n", "Unknown columns: emial."),
        (b"country,organisation,type\n", "The file has a header but no rows."),
        (b"country,organisation,type,type\nAL,X,ngo,ngo\n", "Columns named twice: type."),
        (
            b"country,organisation,type\nAL,X,ngo,extra\n",
            "row 2: a cell has a value but its column has no name",
        ),
        (
            b'country,organisation,type\nAL,"' + b"x" * 200_000 + b'",ngo\n',
            "The CSV file cannot be read",
        ),
        ("country,organisation,type\nAL,Qendra Sociale Fiktive Ë,ngo\n".encode("cp1250"), "UTF-8"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "Old Excel files (.xls) are not supported",
        ),
        (b"PK\x03\x04 not really a workbook", "The file is not a valid XLSX workbook."),
        (b"%PDF-1.7\n\x00\x01\x02", "The file is not a CSV or XLSX file."),
    ],
)
def test_it_refuses_a_malformed_file_with_a_clear_message(
    world: World, data: bytes, message: str
) -> None:
    before = snapshot()

    [error] = refusal(world, data)

    assert message in error
    assert snapshot() == before


def test_it_refuses_a_workbook_that_unpacks_to_far_more_than_its_size(world: World) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"0" * 20_000_000)

    [error] = refusal(world, buffer.getvalue())

    assert error == "The file is not a valid XLSX workbook."


def test_it_refuses_a_file_over_the_size_limit(world: World, settings: Settings) -> None:
    settings.DIRECTORY_IMPORT_MAX_BYTES = 200

    [error] = refusal(world, csv_file([row(), row(function="sop2"), row(function="sop3")]))

    assert "too large" in error
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_it_rolls_everything_back_when_a_service_refuses_late(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot()
    original = services.responsibility_add
    calls = []

    def refuse_the_second(**kwargs: Any) -> Responsibility:
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError({"note": "Refused by a rule checked only at save time."})
        return original(**kwargs)

    monkeypatch.setattr(services, "responsibility_add", refuse_the_second)

    errors = refusal(world, csv_file([row(), row(function="sop2", note="Second")]))

    assert errors == ["row 3, column note: Refused by a rule checked only at save time."]
    assert snapshot() == before
    assert not AuditEvent.objects.filter(event_type=EventType.CONTACTS_IMPORTED).exists()


def test_it_rolls_back_when_a_parent_change_would_make_a_loop_with_stored_bodies(
    world: World,
) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    services.organisation_create(
        actor=editor,
        country=world.country_a,
        name="Fictiva Unit",
        type=OrganisationType.OTHER,
        parent=world.agency_a,
    )
    before = snapshot()
    data = csv_file(
        [
            row(),  # a new body, created before the refusal and rolled back with it
            row(
                organisation="Agency A Centre for Social Work",
                type="",
                parent="Fictiva Unit",
                function="sop2",
            ),
        ]
    )

    errors = refusal(world, data)

    assert errors == ["row 3, column parent: An organisation cannot be its own parent."]
    assert snapshot() == before


def test_it_refuses_the_import_when_an_entry_changed_meanwhile(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def changed_meanwhile(**kwargs: Any) -> Organisation:
        raise ConflictError("This record was changed after you opened it.")

    monkeypatch.setattr(services, "organisation_update", changed_meanwhile)
    before = snapshot()

    errors = refusal(
        world, csv_file([row(), row(organisation="Agency A Centre for Social Work", type="")])
    )

    assert errors == ["row 3: This record was changed after you opened it."]
    assert snapshot() == before


def test_it_lets_only_directory_editors_import(world: World) -> None:
    with pytest.raises(PermissionDenied):
        contacts_import(actor=world.actor(Role.CASEWORKER), data=csv_file([row()]))


# --- the command -------------------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name: str = "contacts.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_command_imports_as_the_named_editor(world: World, tmp_path: Path) -> None:
    out = StringIO()

    call_command(
        "import_contacts",
        write(tmp_path, csv_file([row()])),
        "--as",
        "a_directory_editor",
        stdout=out,
    )

    assert "Organisations: 1 new" in out.getvalue()
    [event] = AuditEvent.objects.filter(event_type=EventType.CONTACTS_IMPORTED)
    assert event.actor_label == "a_directory_editor"


def test_the_command_prints_row_errors_and_fails(world: World, tmp_path: Path) -> None:
    err = StringIO()

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command(
            "import_contacts",
            write(tmp_path, csv_file([row(email="x")])),
            "--as",
            "a_directory_editor",
            stderr=err,
        )

    assert "row 2, column email: “x” is not an e-mail address." in err.getvalue()
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_the_command_says_when_it_cannot_read_the_file(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_contacts", str(tmp_path / "missing.csv"), "--as", "a_directory_editor")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "--as"),
        (["--as", "a_caseworker"], "may not do this"),
        (["--as", "nobody"], "No active user"),
    ],
)
def test_the_command_needs_a_directory_editor(
    world: World, tmp_path: Path, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("import_contacts", write(tmp_path, csv_file([row()])), *arguments)
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


# --- the page ------------------------------------------------------------------------------------


def upload(data: bytes, name: str = "contacts.csv") -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile(name, data, content_type="text/csv")}


def test_the_page_imports_a_file_for_an_editor(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.user(Role.DIRECTORY_EDITOR))

    response = client.post(reverse("directory:import"), upload(csv_file([row()])), follow=True)

    assert response.redirect_chain[-1][0] == reverse("directory:country_detail", args=["AL"])
    assert "Organisations: 1 new" in response.content.decode()
    assert Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_the_page_shows_row_errors_and_imports_nothing(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.user(Role.DIRECTORY_EDITOR))
    before = snapshot()

    response = client.post(
        reverse("directory:import"), upload(csv_file([row(), row(function="x")]))
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "row 3, column function: “x” is not a procedure or function" in page
    assert snapshot() == before


def test_the_page_refuses_an_oversized_upload(
    world: World, login: Callable[[User], Client], settings: Settings
) -> None:
    settings.DIRECTORY_IMPORT_MAX_BYTES = 100
    client = login(world.user(Role.DIRECTORY_EDITOR))

    response = client.post(
        reverse("directory:import"), upload(csv_file([row(), row(function="sop2")]))
    )

    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_the_page_is_forbidden_to_a_caseworker(
    world: World, login: Callable[[User], Client]
) -> None:
    client = login(world.user(Role.CASEWORKER))

    assert client.get(reverse("directory:import")).status_code == 403
    assert client.post(reverse("directory:import"), upload(csv_file([row()]))).status_code == 403
    assert not Organisation.objects.filter(name="Fictiva Labour Inspectorate").exists()


def test_the_page_lists_the_columns_and_codes(
    world: World, login: Callable[[User], Client]
) -> None:
    response = login(world.user(Role.DIRECTORY_EDITOR)).get(reverse("directory:import"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "labour_inspectorate" in page
    assert "national_focal_point" in page
    assert 'enctype="multipart/form-data"' in page
