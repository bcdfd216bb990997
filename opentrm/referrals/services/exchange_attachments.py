"""Case documents that travel with a referral to another node (issue 13 §6).

**Sending.** A ``referral`` or ``request`` package carries, as ``attachments`` inside the
encrypted package, the case's documents in the field groups the referral shares (the consent
and the agreement allowed them: ``Referral.shared_groups``), oldest first: of the types a case
document may have (PDF, PNG, JPEG, plain text), each at most
``OPENTRM_EXCHANGE_ATTACHMENT_MAX_BYTES`` and all of them together at most
``OPENTRM_EXCHANGE_ATTACHMENTS_MAX_BYTES`` (a package may not exceed
``OPENTRM_EXCHANGE_MAX_BYTES``, and base64 in a signed and encrypted package grows about 2.4
times). A document that does not fit stays behind; reading them and leaving them is audited
``REFERRAL_DOCUMENTS_SENT`` (document ids and reasons, never content).

**Receiving.** The first package's attachments are checked before anything is applied (base64,
size, SHA-256, type recognised by content as declared, group shared), else the package is
refused (``attachment_invalid``). They wait in the inbox, unseen, until the referral is
accepted; the acceptance stores each as a document of the new local case (the cases app's
``document_upload``, by the accepting member, audited ``DOCUMENT_UPLOADED``) and removes its
content from the stored package (name, type, size and SHA-256 stay).
"""

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import Case, CaseDocument
from opentrm.cases.services import documents
from opentrm.exchange.models import InboxMessage
from opentrm.referrals.models import Referral
from opentrm.referrals.services.exchange_incoming import RefusedError

TYPES = frozenset(documents.EXTENSIONS)


def _limits() -> tuple[int, int]:
    return (
        int(settings.OPENTRM_EXCHANGE_ATTACHMENT_MAX_BYTES),
        int(settings.OPENTRM_EXCHANGE_ATTACHMENTS_MAX_BYTES),
    )


def _attachment(document: CaseDocument, content: bytes) -> dict[str, Any]:
    return {
        "name": document.original_name or f"document.{documents.EXTENSIONS[document.content_type]}",
        "title": document.title[:200],
        "kind": document.kind,
        "field_group": document.field_group,
        "media_type": document.content_type,
        "size": len(content),
        "content": base64.b64encode(content).decode("ascii"),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def attachments_add(actor: Actor, referral: Referral, body: dict[str, Any]) -> None:
    """Add to ``body`` the documents of the referral's case that may travel (see above)."""
    if referral.case_id is None or not referral.shared_groups:
        return
    each, total_limit = _limits()
    found = (
        CaseDocument.objects.live()
        .filter(case_id=referral.case_id, field_group__in=list(referral.shared_groups))
        .order_by("created_at", "id")
    )
    sent: list[int] = []
    left: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    total = 0
    for document in found:
        if document.content_type not in TYPES:
            left.append({"document_id": document.pk, "reason": "type"})
            continue
        if document.size > each or total + document.size > total_limit:
            left.append({"document_id": document.pk, "reason": "too_large"})
            continue
        with document.file.open("rb") as handle:
            content = handle.read()
        attachments.append(_attachment(document, content))
        total += len(content)
        sent.append(document.pk)
    if not sent and not left:
        return
    if attachments:
        body["attachments"] = attachments
    record_event(
        event_type=EventType.REFERRAL_DOCUMENTS_SENT,
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "document_ids": sent, "left": left},
    )


def _content(item: Mapping[str, Any]) -> bytes:
    try:
        return base64.b64decode(str(item.get("content") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise RefusedError("attachment_invalid") from None


def attachments_check(body: Mapping[str, Any], groups: set[str]) -> None:
    """Refuse (``attachment_invalid``) a first package whose attachments break the limits."""
    each, total_limit = _limits()
    total = 0
    for item in body.get("attachments") or []:
        content = _content(item)
        total += len(content)
        inspected = documents.inspect_file(ContentFile(content))
        if (
            not content
            or len(content) > each
            or total > total_limit
            or hashlib.sha256(content).hexdigest() != item.get("sha256")
            or inspected.file_type is None
            or inspected.file_type.content_type != item.get("media_type")
            or str(item.get("field_group") or "") not in groups
        ):
            raise RefusedError("attachment_invalid")


def attachments_store(actor: Actor, referral: Referral, case: Case) -> list[int]:
    """On acceptance: the first package's attachments become documents of ``case`` (the new
    local case); their content leaves the stored package. Returns the documents' ids. A
    document the accepting member may not add (its role and that group) stays in the package."""
    stored: list[int] = []
    packages = InboxMessage.objects.select_for_update().filter(
        referral_id=referral.pk, type__in=("referral", "request")
    )
    for package in packages:
        body = dict(package.body or {})
        kept: list[dict[str, Any]] = []
        for item in body.get("attachments") or []:
            if "content" not in item:
                kept.append(item)
                continue
            try:
                document = documents.document_upload(
                    actor=actor,
                    case=case,
                    upload=ContentFile(_content(item), name=str(item.get("name") or "document")),
                    title=str(item.get("title") or item.get("name") or "")[:200],
                    kind=str(item.get("kind") or "other"),
                    field_group=str(item.get("field_group") or ""),
                )
            except (ValidationError, PermissionDenied, RefusedError):
                kept.append(item)
                continue
            stored.append(document.pk)
            kept.append(
                {key: value for key, value in item.items() if key != "content"}
                | {"stored_as": str(document.public_id)}
            )
        if kept != list(body.get("attachments") or []):
            body["attachments"] = kept
            package.body = body
            package.save(update_fields=["body", "updated_at"])
    return stored
