"""Importing a country's contact list from CSV or XLSX (docs/directory-import.md).

Two phases. First every row is read and checked, against the file and against the directory,
and every problem is collected with its row and column. Only a file without problems is
applied, in one transaction, through the same services the editing screens use (so the same
rules and the same audit events apply); if a service still refuses something, the whole import
rolls back. Re-importing the same file changes nothing: organisations are matched by country
and name, contact points by organisation, position and person, responsibilities by procedure,
body and contact point.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor
from opentrm.directory.importing.applying import apply_plan
from opentrm.directory.importing.layout import (
    CHANNEL_COLUMNS,
    COLUMNS,
    LINE_SEPARATED,
    NEUTRALISED_PREFIXES,
    REQUIRED_COLUMNS,
    ContactImportError,
    ImportResult,
    RowError,
    malformed,
)
from opentrm.directory.importing.planning import make_plan
from opentrm.directory.importing.reading import read_records, read_table
from opentrm.directory.models import Country

__all__ = [
    "CHANNEL_COLUMNS",
    "COLUMNS",
    "LINE_SEPARATED",
    "NEUTRALISED_PREFIXES",
    "REQUIRED_COLUMNS",
    "ContactImportError",
    "ImportResult",
    "RowError",
    "check_size",
    "contacts_import",
    "contacts_import_upload",
    "read_records",
]


def check_size(size: int) -> None:
    limit: int = settings.DIRECTORY_IMPORT_MAX_BYTES
    if size > limit:
        raise malformed(
            _("The file is too large (%(size)d KB; at most %(limit)d KB).")
            % {"size": (size + 1023) // 1024, "limit": limit // 1024}
        )


def contacts_import(*, actor: Actor, data: bytes) -> ImportResult:
    """Import a contact list file (CSV or XLSX) for the actor's country: all rows or none.

    Raises ContactImportError listing every problem (nothing changed), PermissionDenied for
    an actor who is not a directory editor.
    """
    if not actor.may(Action.DIRECTORY_IMPORT) or actor.country_id is None:
        raise PermissionDenied
    check_size(len(data))
    header, rows = read_table(read_records(data))
    country = Country.objects.get(pk=actor.country_id)
    return apply_plan(actor, make_plan(country, header, rows))


def contacts_import_upload(*, actor: Actor, upload: UploadedFile) -> ImportResult:
    """The same for a browser upload; the size is checked before the file is read."""
    if not actor.may(Action.DIRECTORY_IMPORT):
        raise PermissionDenied
    check_size(upload.size or 0)
    return contacts_import(actor=actor, data=upload.read(settings.DIRECTORY_IMPORT_MAX_BYTES + 1))
