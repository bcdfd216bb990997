"""Reading a CSV or XLSX file into rows of text cells under known column names."""

import csv
import io
import re
import zipfile
from datetime import date, datetime

from django.utils.translation import gettext as _

from opentrm.directory.importing.layout import (
    COLUMNS,
    MAX_ROWS,
    NEUTRALISED_PREFIXES,
    REQUIRED_COLUMNS,
    ContactImportError,
    RowError,
    malformed,
)

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A workbook unpacks to a few times its size; far more means a zip bomb, not a contact list.
_MAX_UNPACKED_RATIO = 50


def _cell(value: object) -> str:
    """A cell as text; a quote that an export put before a formula-like value is removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.date().isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if text[:1] == "'" and text[1:2] and text[1] in NEUTRALISED_PREFIXES:
        text = text[1:]
    return text.strip()


def _column_name(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise malformed(
            _(
                "The file is neither an XLSX workbook nor UTF-8 text. "
                "Save it as “CSV UTF-8” or as XLSX."
            )
        ) from error
    if "\x00" in text:
        raise malformed(_("The file is not a CSV or XLSX file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [
            [_cell(value) for value in record]
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise malformed(_("The CSV file cannot be read: %(reason)s") % {"reason": error}) from error


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise malformed(_("The file is not a valid XLSX workbook.")) from error
    if unpacked > _MAX_UNPACKED_RATIO * max(len(data), 64 * 1024):
        raise malformed(_("The file is not a valid XLSX workbook."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        OSError,
        TypeError,
    ) as error:
        raise malformed(_("The file is not a valid XLSX workbook.")) from error
    try:
        sheet = workbook.worksheets[0]
        records: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            records.append([_cell(value) for value in values])
            if len(records) > MAX_ROWS + 1:
                break
        return records
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise malformed(_("The file is not a valid XLSX workbook.")) from error
    finally:
        workbook.close()


def read_records(data: bytes) -> list[list[str]]:
    """The file's rows as lists of text cells (header first); raise on a malformed file."""
    if not data.strip():
        raise malformed(_("The file is empty."))
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data)
    if data.startswith(_XLS_MAGIC):
        raise malformed(
            _("Old Excel files (.xls) are not supported. Save the file as XLSX or CSV.")
        )
    return _read_csv(data)


def read_table(records: list[list[str]]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Check the header and turn every non-empty row into {column: value}, with its number."""
    while records and not any(records[-1]):
        records.pop()
    if not records:
        raise malformed(_("The file is empty."))
    header = [_column_name(name) for name in records[0]]
    errors: list[RowError] = []
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        errors.append(RowError(_("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}))
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        errors.append(
            RowError(_("Columns named twice: %(names)s.") % {"names": ", ".join(duplicated)})
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        errors.append(
            RowError(_("Required columns are missing: %(names)s.") % {"names": ", ".join(missing)})
        )
    if len(records) - 1 > MAX_ROWS:
        errors.append(RowError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS}))
    if errors:
        raise ContactImportError(errors)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(record):
            continue
        stray = [
            value
            for index, value in enumerate(record)
            if value and (index >= len(header) or not header[index])
        ]
        if stray:
            errors.append(
                RowError(
                    _("a cell has a value but its column has no name in the header."), row=number
                )
            )
            continue
        rows.append(
            (number, {name: value for name, value in zip(header, record, strict=False) if name})
        )
    if errors:
        raise ContactImportError(errors)
    if not rows:
        raise malformed(_("The file has a header but no rows."))
    return [name for name in header if name], rows
