"""CSV and XLSX of a dashboard table: the protected figures only, with the disclosure rule."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from opentrm.directory.exporting import neutralise
from opentrm.stats.disclosure import SUPPRESSED_MARK
from opentrm.stats.selectors import Table


def _shown(value: int | float | None) -> str:
    return SUPPRESSED_MARK if value is None else str(value)


def table_rows(table: Table) -> tuple[list[str], list[list[str]], list[str]]:
    """Heading, rows and footer lines (period, rule) of ``table``."""
    this, before = table.filters.label(), table.filters.previous().label()
    heading = [table.dimension_label, this]
    if table.compares:
        heading.append(before)
    if table.indicator.is_duration:
        heading.append(
            _("Mean (%(unit)s), %(period)s") % {"unit": table.indicator.unit, "period": this}
        )
    rows = []
    for row in table.rows:
        line = [row.label, _shown(row.current)]
        if table.compares:
            line.append(_shown(row.previous))
        if table.indicator.is_duration:
            line.append("" if row.mean_current is None else str(row.mean_current))
        rows.append(line)
    if table.total_current is not None or table.total_previous is not None:
        total = [_("Total"), _shown(table.total_current)]
        if table.compares:
            total.append(_shown(table.total_previous))
        rows.append(total)
    footer = [
        f"{table.indicator.label} - {table.dimension_label}",
        table.rule,
    ]
    return heading, rows, footer


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    heading, rows, footer = table_rows(table)
    writer.writerow(heading)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    writer.writerow([])
    for line in footer:
        writer.writerow([neutralise(line)])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "statistics"
    heading, rows, footer = table_rows(table)
    sheet.append(heading)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # numbers as numbers, the suppression mark and labels as text
        sheet.append([int(c) if c.isdigit() else neutralise(c) for c in row])
    sheet.append([])
    for line in footer:
        sheet.append([neutralise(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
