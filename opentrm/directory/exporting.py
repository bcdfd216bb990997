"""Exporting a country's contact list as CSV, XLSX (the import layout) or a printable PDF.

CSV and XLSX use the columns of ``importing.COLUMNS``, so an exported file can be edited and
imported again (docs/directory-import.md). Every text cell that a spreadsheet could read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading single
quote, which the importer removes again. Phone numbers starting with ``+`` get it too.
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
from opentrm.directory import selectors
from opentrm.directory.importing import (
    CHANNEL_COLUMNS,
    COLUMNS,
    LINE_SEPARATED,
    NEUTRALISED_PREFIXES,
)
from opentrm.directory.models import ChannelKind, ContactPoint, Country, Organisation


class ExportFormat(TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    PDF = "pdf", _("PDF")


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


def _row(
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


def contact_rows(*, actor: Actor, country: Country) -> list[dict[str, str]]:
    """The country's contact list in the flat layout.

    First one row per responsibility, in the order of the contact list. Then, with an empty
    function, the active contact points of those bodies that no row names yet (the contact
    list shows them under a body listed without a contact point), and the parent bodies, so
    that the file can be imported into an empty directory.
    """
    rows: list[dict[str, str]] = []
    done: set[tuple[int, int | None]] = set()
    organisations: dict[int, Organisation] = {}
    for list_row in selectors.contact_list(actor=actor, country=country):
        for responsibility in list_row.responsibilities:
            organisation = responsibility.organisation
            contact_point = responsibility.contact_point
            rows.append(
                _row(
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
    for contact_point in (
        ContactPoint.objects.visible_to(actor)
        .filter(organisation_id__in=organisations, is_active=True)
        .with_details()
        .select_related("organisation__parent")
        .order_by("organisation__name", "position", "person_name", "id")
    ):
        if (contact_point.organisation_id, contact_point.pk) not in done:
            rows.append(_row(country, contact_point.organisation, contact_point))
            done.add((contact_point.organisation_id, contact_point.pk))
    rows += [_row(country, parent, None) for parent in _missing_parents(actor, organisations)]
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


def to_csv(rows: Iterable[dict[str, str]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs detect the encoding."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[dict[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "contacts"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        # Every cell is text: openpyxl would store a string starting with "=" as a formula.
        sheet.append([neutralise(ILLEGAL_CHARACTERS_RE.sub("", row[column])) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_pdf(*, actor: Actor, country: Country, generated_on: date) -> tuple[bytes, int]:
    """The printable contact list (as Annex II): TRM measures | responsible body | contacts."""
    rows = selectors.contact_list(actor=actor, country=country)
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


def contacts_export(*, actor: Actor, country: Country, fmt: ExportFormat) -> ExportFile:
    """Export the country's contact list as the actor sees it, and audit the export.

    The file is built first and handed out only after the audit event is written.
    """
    if not actor.may(Action.DIRECTORY_EXPORT):
        raise PermissionDenied
    today = timezone.localdate()
    if fmt == ExportFormat.PDF:
        content, count = to_pdf(actor=actor, country=country, generated_on=today)
    else:
        rows = contact_rows(actor=actor, country=country)
        content = to_csv(rows) if fmt == ExportFormat.CSV else to_xlsx(rows)
        count = len(rows)
    record_event(
        event_type=EventType.CONTACTS_EXPORTED,
        actor=actor,
        target=country,
        detail={"country": country.code, "format": fmt.value, "rows": count},
    )
    # The name holds the country code and the date only, never personal data.
    filename = f"contacts-{country.code}-{today.isoformat()}.{fmt.value}"
    return ExportFile(content, CONTENT_TYPES[fmt], filename, count)
