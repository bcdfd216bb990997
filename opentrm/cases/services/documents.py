"""Documents attached to a case (issue 3 §12) and the scanned signature of a consent (§6).

A document is stored under ``MEDIA_ROOT`` (outside the web root) under a random path, and
served only through an access-checked view. Each one belongs to one field group: who may see
that group of the case may open it.

The type of a file is recognised by its content (its first bytes), never by its name or by what
the browser says: PDF, PNG, JPEG, or plain UTF-8 text. Anything else is refused.

Files and transactions: the file is written inside the transaction and removed again if the
transaction does not complete. ``document_upload`` does that by itself; a caller that composes
an upload with other writes in a larger transaction wraps all of it in
``files_removed_on_rollback()`` (see ``consent_signed_form_attach``).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import (
    editable_groups,
    group_access,
    require_widening,
    visible_groups,
)
from opentrm.cases.document_titles import SIGNED_CONSENT_FORM, node_title
from opentrm.cases.models import Case, CaseDocument, ConsentRecord, DocumentKind
from opentrm.cases.services.soft_delete import SoftDeletion

logger = logging.getLogger(__name__)

DEFAULT_GROUP: dict[str, FieldGroup] = {
    DocumentKind.MEDICAL: FieldGroup.HEALTH,
    DocumentKind.LEGAL: FieldGroup.PROCEEDINGS,
    DocumentKind.CHILD_PROTECTION: FieldGroup.CHILD_PROTECTION,
    DocumentKind.IDENTITY_DOCUMENT: FieldGroup.IDENTITY,
    DocumentKind.CONSENT_FORM: FieldGroup.IDENTITY,
    DocumentKind.ASSESSMENT: FieldGroup.ASSISTANCE,
}


_DELETION = SoftDeletion(
    Action.DOCUMENT_ADD,
    Action.DOCUMENT_DELETE,
    EventType.DOCUMENT_DELETED,
    gettext_lazy("Say why the document is deleted."),
)


def default_group(kind: str) -> FieldGroup:
    """The field group that guards a document of ``kind`` unless the uploader picks another."""
    return DEFAULT_GROUP.get(kind, FieldGroup.IDENTITY)


def max_bytes() -> int:
    return int(settings.OPENTRM_DOCUMENT_MAX_BYTES)


# --- Recognising the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str


PDF = FileType("application/pdf", "pdf")
PNG = FileType("image/png", "png")
JPEG = FileType("image/jpeg", "jpg")
TEXT = FileType("text/plain", "txt")
ALLOWED_TYPES = (PDF, PNG, JPEG, TEXT)
EXTENSIONS = {t.content_type: t.extension for t in ALLOWED_TYPES}

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
# Plain text: UTF-8 with no control characters but tab, line feed, form feed, carriage return.
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\x0c\r") | {"\x7f"}


@dataclass(frozen=True)
class Inspected:
    file_type: FileType | None
    size: int
    sha256: str


def inspect_file(upload: File) -> Inspected:  # type: ignore[type-arg]
    """Read the file once: its type by content, its size and its SHA-256."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        if is_text:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                is_text = False
            else:
                is_text = not any(char in _CONTROL for char in text)
    if is_text:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_text = False
    upload.seek(0)
    found = next((t for magic, t in _MAGIC if head.startswith(magic)), None)
    if found is None and is_text and size:
        found = TEXT
    return Inspected(file_type=found, size=size, sha256=digest.hexdigest())


# --- Removing files whose transaction did not complete ------------------------------------------

_WRITTEN: ContextVar[list[str] | None] = ContextVar("opentrm_documents_written", default=None)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - logged, the rollback goes on
            logger.exception("could not remove a stored document file after a rollback")


@contextmanager
def files_removed_on_rollback() -> Iterator[None]:
    """A transaction (``atomic``) that removes the files stored in it if it does not commit.

    Nested blocks hand their files to the enclosing one when they complete, so a rollback of
    the outer block removes them too.
    """
    outer = _WRITTEN.get()
    mine: list[str] = []
    token = _WRITTEN.set(mine)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        _delete_files(mine)
        raise
    finally:
        _WRITTEN.reset(token)
    if outer is not None:
        outer.extend(mine)


# --- Who may do what ----------------------------------------------------------------------------


def visible_documents(actor: Actor, case: Case) -> models.QuerySet[CaseDocument]:
    """The case's documents in the field groups the actor may see, newest first."""
    groups = [group.value for group in visible_groups(actor, case)]
    return (
        CaseDocument.objects.live()
        .filter(case=case, field_group__in=groups)
        .select_related("organisation", "uploaded_by")
        .order_by("-created_at", "-id")
    )


# --- Writes -------------------------------------------------------------------------------------


def _validate(
    actor: Actor,
    case: Case,
    *,
    upload: File | None,  # type: ignore[type-arg]
    title: str,
    kind: str,
    field_group: str,
) -> tuple[Inspected | None, dict[str, str]]:
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the document a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long (200 characters at most).")
    if kind not in DocumentKind.values:
        errors["kind"] = _("Pick a type from the list.")
    if field_group not in {group.value for group in FieldGroup}:
        errors["field_group"] = _("Pick from the list who may see the document.")
    elif group_access(actor, case, FieldGroup(field_group)) < Access.EDIT:
        errors["field_group"] = _(
            "Your role may not add documents to this part of the case. Pick another."
        )
    inspected = None
    limit = max_bytes()
    if upload is None:
        errors["file"] = _("Choose the file to upload.")
    elif upload.size is not None and upload.size > limit:
        errors["file"] = _("The file is too large: %(size)s MB at most.") % {
            "size": f"{limit / (1024 * 1024):g}"
        }
    else:
        inspected = inspect_file(upload)
        if inspected.size == 0:
            errors["file"] = _("The file is empty.")
        elif inspected.size > limit:
            errors["file"] = _("The file is too large: %(size)s MB at most.") % {
                "size": f"{limit / (1024 * 1024):g}"
            }
        elif inspected.file_type is None:
            errors["file"] = _("Only PDF, PNG, JPEG or plain-text files can be added.")
    return inspected, errors


def _original_name(upload: File) -> str:  # type: ignore[type-arg]
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200]


def document_upload(
    *,
    actor: Actor,
    case: Case,
    upload: File | None,  # type: ignore[type-arg]
    title: str,
    kind: str,
    field_group: str = "",
) -> CaseDocument:
    """Attach a file to the case. ``field_group`` defaults from ``kind``; the uploader needs
    edit rights on it. Nothing is stored when the file is empty, too large or of another type.
    """
    require(actor, Action.DOCUMENT_ADD)
    assert actor.membership is not None
    if not editable_groups(actor, case):
        raise PermissionDenied
    title = title.strip()
    field_group = field_group or default_group(kind).value
    inspected, errors = _validate(
        actor, case, upload=upload, title=title, kind=kind, field_group=field_group
    )
    if errors:
        raise ValidationError(errors)
    assert upload is not None
    assert inspected is not None
    assert inspected.file_type is not None
    with files_removed_on_rollback():
        document = CaseDocument(
            case=case,
            kind=kind,
            field_group=field_group,
            title=title,
            original_name=_original_name(upload),
            content_type=inspected.file_type.content_type,
            size=inspected.size,
            sha256=inspected.sha256,
            organisation=actor.membership.organisation,
            uploaded_by=actor.user,
        )
        document.file.save("upload", upload, save=False)
        written = _WRITTEN.get()
        assert written is not None
        written.append(document.file.name)
        document.save()
        record_event(
            event_type=EventType.DOCUMENT_UPLOADED,
            actor=actor,
            target=document,
            detail={
                "case_id": case.pk,
                "document_id": document.pk,
                "kind": kind,
                "field_group": field_group,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
            },
        )
    return document


def document_delete(*, actor: Actor, document: CaseDocument, reason: str) -> CaseDocument:
    """Delete a document softly, with a reason: it leaves every list; the file is kept."""
    _DELETION(document, actor, reason, {"case_id": document.case_id, "document_id": document.pk})
    return document


def document_opened(*, actor: Actor, document: CaseDocument, via: str = "web") -> None:
    """Record that the actor opens (downloads) a document they may see."""
    if not can(actor, Action.DOCUMENT_VIEW, document):
        raise PermissionDenied
    record_event(
        event_type=EventType.DOCUMENT_DOWNLOADED,
        actor=actor,
        target=document,
        detail={
            "case_id": document.case_id,
            "document_id": document.pk,
            "field_group": document.field_group,
            "via": via,
        },
    )


def download_name(document: CaseDocument) -> str:
    """A file name that says nothing about the person: the case number and the document id."""
    extension = EXTENSIONS.get(document.content_type, "bin")
    return f"{document.case.number}-document-{document.pk}.{extension}"


def consent_signed_form_attach(
    *,
    actor: Actor,
    consent: ConsentRecord,
    upload: File,  # type: ignore[type-arg]
) -> CaseDocument:
    """Store the scanned, signed consent form and link it to the consent record.

    Only those who may record the person's consent (the owner or its consent-taker) attach the
    form that evidences it (docs/permissions.md, "Who may widen access")."""
    require(actor, Action.CONSENT_RECORD)
    require_widening(
        can(actor, Action.CONSENT_RECORD, consent.case),
        actor,
        consent.case,
        action="consent.signed_form",
    )
    group = default_group(DocumentKind.CONSENT_FORM)
    if group_access(actor, consent.case, group) < Access.EDIT:
        raise ValidationError(
            {
                "file": _(
                    "Your role may not store the signed form: it belongs with the person's "
                    "identity data. Ask a caseworker or the case manager to add it."
                )
            }
        )
    params = {"purpose": consent.purpose}
    with files_removed_on_rollback():
        document = document_upload(
            actor=actor,
            case=consent.case,
            upload=upload,
            title=node_title(SIGNED_CONSENT_FORM, params),  # the fallback, in the node's language
            kind=DocumentKind.CONSENT_FORM,
            field_group=group.value,
        )
        # Worded in each reader's language (issue 12 §5).
        document.title_key, document.title_params = SIGNED_CONSENT_FORM, params
        CaseDocument.objects.filter(pk=document.pk).update(
            title_key=SIGNED_CONSENT_FORM, title_params=params
        )
        ConsentRecord.objects.filter(pk=consent.pk).update(signed_form=document)
        consent.signed_form = document
    return document
