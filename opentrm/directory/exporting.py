"""Exporting a country's contact list as CSV, XLSX or a printable PDF.

CSV and XLSX come in two layouts. ``readable`` (what the export buttons give) has headings and
values in the reader's language: "Anti-trafficking police", not ``anti_trafficking_police``,
"Identification", not ``sop1``. ``import`` uses the columns and codes of ``importing.COLUMNS``,
so the file can be edited and imported again (docs/directory-import.md). Both hold the same
rows, narrowed to the procedure chosen on the screen.

Every text cell that a spreadsheet could read as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) gets a leading single quote, which the importer removes again.
Phone numbers starting with ``+`` get it too.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import Action, Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core import pdf
from opentrm.directory import reference, selectors
from opentrm.directory.importing import (
    CHANNEL_COLUMNS,
    COLUMNS,
    LINE_SEPARATED,
    NEUTRALISED_PREFIXES,
)
from opentrm.directory.models import (
    ChannelKind,
    ContactPoint,
    Country,
    Function,
    Organisation,
    OrganisationType,
)


class ExportFormat(TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    PDF = "pdf", _("PDF")


class ExportLayout(TextChoices):
    READABLE = "readable", _("Names and labels, to read")
    IMPORT = "import", _("Codes in the import layout, to edit and import again")


# The headings of the readable layout; a channel column is headed by its kind's label.
HEADINGS = {
    "country": _("Country"),
    "organisation": _("Organisation"),
    "acronym": _("Acronym"),
    "type": _("Type"),
    "parent": _("Parent body"),
    "city": _("City"),
    "region": _("Region"),
    "address": _("Address"),
    "website": _("Website"),
    "function": _("Procedure or function"),
    "row_label": _("Label of the row"),
    "note": _("Note"),
    "position": _("Position or function"),
    "person_name": _("Named person"),
    "unit": _("Unit or department"),
    **{column: kind.label for column, kind in CHANNEL_COLUMNS.items()},
    "hotline_hours": _("Hotline hours"),
    "available_24_7": _("Available 24/7"),
    "languages": _("Languages spoken"),
    "last_verified": _("Last verified"),
}


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str
    rows: int


def neutralise(value: str) -> str:
    """Make sure a spreadsheet shows ``value`` as text and never evaluates it as a formula."""
    if value.startswith(NEUTRALISED_PREFIXES):
        return "'" + value
    return value


# --- the rows -------------------------------------------------------------------------------


def _channel_cells(contact_point: ContactPoint | None) -> dict[str, str]:
    cells = dict.fromkeys([*CHANNEL_COLUMNS, "hotline_hours", "available_24_7", "languages"], "")
    if contact_point is None:
        return cells
    channels = list(contact_point.channels.all())
    for column, kind in CHANNEL_COLUMNS.items():
        values = [c.value for c in channels if c.kind == kind]
        cells[column] = ("\n" if kind in LINE_SEPARATED else "; ").join(values)
    hotlines = [c for c in channels if c.kind == ChannelKind.HOTLINE]
    cells["hotline_hours"] = next((c.hours for c in hotlines if c.hours), "")
    cells["available_24_7"] = "yes" if any(c.available_24_7 for c in hotlines) else ""
    cells["languages"] = ", ".join(
        sorted(language.code for language in contact_point.languages.all())
    )
    return cells


def flat_row(
    country: Country,
    organisation: Organisation,
    contact_point: ContactPoint | None,
    *,
    function: str = "",
    label: str = "",
    note: str = "",
) -> dict[str, str]:
    verified = (contact_point or organisation).last_verified_at
    return {
        "country": country.code,
        "organisation": organisation.name,
        "acronym": organisation.acronym,
        "type": organisation.type,
        "parent": organisation.parent.name if organisation.parent else "",
        "city": organisation.city,
        "region": organisation.region,
        "address": organisation.address,
        "website": organisation.website,
        "function": function,
        "row_label": label,
        "note": note,
        "position": contact_point.position if contact_point else "",
        "person_name": contact_point.person_name if contact_point else "",
        "unit": contact_point.unit if contact_point else "",
        **_channel_cells(contact_point),
        "last_verified": verified.isoformat() if verified else "",
    }


def _label(choices: type[TextChoices], code: str) -> str:
    return str(choices(code).label) if code in choices.values else code


def readable(row: dict[str, str]) -> dict[str, str]:
    """``row`` with names and labels in the active language instead of codes."""
    codes = [code for code in row["languages"].split(", ") if code]
    return {
        **row,
        "country": reference.country_name(row["country"]) if row["country"] else "",
        "type": _label(OrganisationType, row["type"]),
        "function": _label(Function, row["function"]),
        "available_24_7": str(_("yes")) if row["available_24_7"] else "",
        "languages": ", ".join(reference.language_name(code) for code in codes),
    }


def contact_rows(
    *, actor: Actor, country: Country, functions: list[Function] | None = None
) -> list[dict[str, str]]:
    """The country's contact list in the flat layout.

    First one row per responsibility, in the order of the contact list. Then, with an empty
    function, the active contact points of those bodies that no row names yet (the contact
    list shows them under a body listed without a contact point), and the parent bodies, so
    that the file can be imported into an empty directory. Narrowed to ``functions`` (the
    procedure chosen on the screen), the file holds those rows only, as the screen does.
    """
    rows: list[dict[str, str]] = []
    done: set[tuple[int, int | None]] = set()
    organisations: dict[int, Organisation] = {}
    for list_row in selectors.contact_list(actor=actor, country=country, functions=functions):
        for responsibility in list_row.responsibilities:
            organisation = responsibility.organisation
            contact_point = responsibility.contact_point
            rows.append(
                flat_row(
                    country,
                    organisation,
                    contact_point,
                    function=responsibility.function,
                    label=responsibility.label,
                    note=responsibility.note,
                )
            )
            organisations.setdefault(organisation.pk, organisation)
            done.add((organisation.pk, contact_point.pk if contact_point else None))
    if functions:
        return rows
    for contact_point in (
        ContactPoint.objects.visible_to(actor)
        .filter(organisation_id__in=organisations, is_active=True)
        .with_details()
        .select_related("organisation__parent")
        .order_by("organisation__name", "position", "person_name", "id")
    ):
        if (contact_point.organisation_id, contact_point.pk) not in done:
            rows.append(flat_row(country, contact_point.organisation, contact_point))
            done.add((contact_point.organisation_id, contact_point.pk))
    rows += [flat_row(country, parent, None) for parent in _missing_parents(actor, organisations)]
    return rows


def _missing_parents(actor: Actor, organisations: dict[int, Organisation]) -> list[Organisation]:
    """Parent bodies (and theirs) not in the list, which an import needs to link units."""
    found: dict[int, Organisation] = {}
    wanted = {o.parent_id for o in organisations.values() if o.parent_id} - set(organisations)
    while wanted:
        batch = list(
            Organisation.objects.visible_to(actor).filter(pk__in=wanted).select_related("parent")
        )
        found.update((o.pk, o) for o in batch)
        known = set(organisations) | set(found)
        wanted = {o.parent_id for o in batch if o.parent_id and o.parent_id not in known}
    return sorted(found.values(), key=lambda o: o.name.casefold())


# --- the formats --------------------------------------------------------------------------------


def _laid_out(
    rows: Iterable[dict[str, str]], layout: ExportLayout
) -> tuple[list[str], Iterable[dict[str, str]]]:
    """The heading row and the rows of ``layout``."""
    if layout == ExportLayout.IMPORT:
        return list(COLUMNS), rows
    return [str(HEADINGS[column]) for column in COLUMNS], (readable(row) for row in rows)


def to_csv(rows: Iterable[dict[str, str]], layout: ExportLayout = ExportLayout.IMPORT) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs detect the encoding."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    heading, rows = _laid_out(rows, layout)
    writer.writerow(heading)
    for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[dict[str, str]], layout: ExportLayout = ExportLayout.IMPORT) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "contacts"
    heading, rows = _laid_out(rows, layout)
    sheet.append(heading)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        # Every cell is text: openpyxl would store a string starting with "=" as a formula.
        sheet.append([neutralise(ILLEGAL_CHARACTERS_RE.sub("", row[column])) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(
    *,
    actor: Actor,
    country: Country,
    generated_on: date,
    functions: list[Function] | None = None,
) -> tuple[bytes, int]:
    """The printable contact list (as Annex II): TRM measures | responsible body | contacts."""
    rows = selectors.contact_list(actor=actor, country=country, functions=functions)
    content = pdf.render(
        "directory/contact_list_pdf.html",
        {
            "country": country,
            "rows": rows,
            "generated_on": generated_on,
            "node_name": settings.OPENTRM_NODE_NAME,
        },
    )
    return content, sum(len(row.responsibilities) for row in rows)


# --- the service ---------------------------------------------------------------------------------


def contacts_export(
    *,
    actor: Actor,
    country: Country,
    fmt: ExportFormat,
    layout: ExportLayout = ExportLayout.IMPORT,
    functions: list[Function] | None = None,
) -> ExportFile:
    """Export the country's contact list as the actor sees it (narrowed to ``functions``, as
    on the screen), and audit the export.

    The file is built first and handed out only after the audit event is written.
    """
    if not actor.may(Action.DIRECTORY_EXPORT):
        raise PermissionDenied
    today = timezone.localdate()
    if fmt == ExportFormat.PDF:
        content, count = to_pdf(
            actor=actor, country=country, generated_on=today, functions=functions
        )
    else:
        rows = contact_rows(actor=actor, country=country, functions=functions)
        content = to_csv(rows, layout) if fmt == ExportFormat.CSV else to_xlsx(rows, layout)
        count = len(rows)
    detail: dict[str, object] = {"country": country.code, "format": fmt.value, "rows": count}
    if functions:
        detail["functions"] = [function.value for function in functions]
    record_event(event_type=EventType.CONTACTS_EXPORTED, actor=actor, target=country, detail=detail)
    # The name holds the country code and the date only, never personal data.
    filename = f"contacts-{country.code}-{today.isoformat()}.{fmt.value}"
    return ExportFile(content, CONTENT_TYPES[fmt], filename, count)
