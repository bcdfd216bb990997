"""The flat contact-list layout (docs/directory-import.md), and what an import reports."""

from dataclasses import dataclass

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
)

# The flat layout: one row per (organisation, contact point, responsibility). Export writes
# exactly these columns in this order.
COLUMNS: tuple[str, ...] = (
    "country",
    "organisation",
    "acronym",
    "type",
    "parent",
    "city",
    "region",
    "address",
    "website",
    "function",
    "row_label",
    "note",
    "position",
    "person_name",
    "unit",
    "phone",
    "mobile",
    "fax",
    "email",
    "hotline",
    "hotline_hours",
    "available_24_7",
    "messenger",
    "postal",
    "po_box",
    "languages",
    "last_verified",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("country", "organisation", "type")
ORGANISATION_COLUMNS: tuple[str, ...] = ("acronym", "city", "region", "address", "website")
CHANNEL_COLUMNS: dict[str, ChannelKind] = {
    "phone": ChannelKind.PHONE,
    "mobile": ChannelKind.MOBILE,
    "fax": ChannelKind.FAX,
    "email": ChannelKind.EMAIL,
    "hotline": ChannelKind.HOTLINE,
    "messenger": ChannelKind.MESSENGER,
    "postal": ChannelKind.POSTAL,
    "po_box": ChannelKind.PO_BOX,
}
# Addresses may contain ";", so they are one per line; everything else is ";"-separated.
LINE_SEPARATED = frozenset({ChannelKind.POSTAL, ChannelKind.PO_BOX})
CONTACT_COLUMNS: tuple[str, ...] = (
    "position",
    "person_name",
    "unit",
    *CHANNEL_COLUMNS,
    "hotline_hours",
    "available_24_7",
    "languages",
)
MAX_ROWS = 20_000
NEUTRALISED_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Model fields named in service errors -> the column the user should look at.
FIELD_COLUMNS = {"name": "organisation", "contact_point": "position", "label": "row_label"}
CHANNEL_LENGTH = MaxLengthValidator(ContactChannel._meta.get_field("value").max_length or 300)
HOURS_LENGTH = MaxLengthValidator(ContactChannel._meta.get_field("hours").max_length or 120)


@dataclass(frozen=True)
class RowError:
    """One problem: where it is (file row, header = row 1; column) and what is wrong."""

    message: str
    row: int | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.row and self.column:
            return _("row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row:
            return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        if self.column:
            return _("column %(column)s: %(message)s") % {
                "column": self.column,
                "message": self.message,
            }
        return self.message


class ContactImportError(Exception):
    """The file was refused; nothing was changed."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


@dataclass
class ImportResult:
    rows: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    contact_points_created: int = 0
    contact_points_updated: int = 0
    responsibilities_created: int = 0
    responsibilities_updated: int = 0
    verified: int = 0

    def counts(self) -> dict[str, int]:
        return dict(self.__dict__)

    def summary(self) -> str:
        return _(
            "Imported %(rows)d rows. Organisations: %(oc)d new, %(ou)d updated. Contact points: "
            "%(cc)d new, %(cu)d updated. Responsibilities: %(rc)d new, %(ru)d updated."
        ) % {
            "rows": self.rows,
            "oc": self.organisations_created,
            "ou": self.organisations_updated,
            "cc": self.contact_points_created,
            "cu": self.contact_points_updated,
            "rc": self.responsibilities_created,
            "ru": self.responsibilities_updated,
        }


def malformed(message: str) -> ContactImportError:
    return ContactImportError([RowError(message)])
