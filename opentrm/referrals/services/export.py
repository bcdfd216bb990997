"""A referral or request for a country not on OpenTRM (issue 4 §9).

The sender downloads one ZIP holding the referral as a PDF encrypted with a password the user
chooses (AES-256, pypdf) and a JSON file of the same content. Both hold only the shared data:
what the consent + agreement gate allows towards the receiver today, of the groups shared at
sending. The password is used once to encrypt and then forgotten: never stored, never logged,
never audited. The export is audited with the SHA-256 of both files; recording how and when
the files were sent (``ExternalDispatch``) refers to them by those hashes, and marks the
referral as exported.
"""

import hashlib
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from opentrm.accounts.policy import Action, Actor, FieldGroup, require
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.cases.access import RESTRICTED, visible_groups
from opentrm.core import pdf
from opentrm.core.concurrency import save_if_unchanged
from opentrm.referrals.access import EXPORTABLE, is_sender, receiver_on_node
from opentrm.referrals.models import (
    Delivery,
    DispatchChannel,
    ExternalDispatch,
    Referral,
    ReferralKind,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services.national import offer_shows_person
from opentrm.referrals.services.requests import (
    FIELDS,
    KIND_FIELDS,
    effective_groups,
    field_value,
    minimal_offer,
)

S = ReferralStatus
FORMAT = "opentrm.referral-export"
FORMAT_VERSION = 1
MIN_PASSWORD = 12
_REFERRAL_TYPE = "referrals.referral"


def _fields_for(kind: str) -> tuple[str, ...]:
    """A request's fields; a referral carries every field of the person."""
    return KIND_FIELDS.get(kind, tuple(FIELDS))


def export_groups(actor: Actor, referral: Referral) -> frozenset[FieldGroup]:
    """What the export holds: the groups the receiver may see today, of those the sender's
    own role sees."""
    if referral.case is None:
        return frozenset()
    return effective_groups(referral) & visible_groups(actor, referral.case)


def _template_section(referral: Referral, groups: frozenset[FieldGroup]) -> Any:
    """The filled reporting template of a transnational referral as it was sent, narrowed to
    ``groups``: a value of a group the receiver may not see today is left out and listed as
    withheld (the importer reads this part, ``importing._check_template``)."""
    from opentrm.referrals.template import loader

    instance = TemplateInstance.objects.filter(referral=referral).first()
    data = (instance.data if instance is not None else None) or {}
    sent = data.get("sent")
    if instance is None or not sent:
        return None
    fields = list(data.get("fields") or [])
    disabled = list(data.get("disabled") or [])
    definition = loader.definition(instance.template_version, added=fields, disabled=disabled)
    shared = {group.value for group in groups}
    values: dict[str, Any] = {}
    withheld = set(sent.get("withheld") or [])
    for code, value in (sent.get("values") or {}).items():
        item = definition.field(code)
        if item is None:
            continue
        if item.group is not None and item.group not in shared:
            withheld.add(code)
            continue
        values[code] = value
    return {
        "template_version": instance.template_version,
        "profile_country": instance.profile_country or "",
        "profile_version": instance.profile_version,
        "language": instance.sender_language,
        "fields": fields,
        "disabled": disabled,
        "withheld": sorted(withheld),
        "values": values,
    }


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_content(actor: Actor, referral: Referral, *, now: datetime) -> dict[str, Any]:
    """The content of both files: the referral and only the data that may be shared."""
    groups = export_groups(actor, referral)
    person = referral.case.person if referral.case is not None else None
    data: dict[str, dict[str, str]] = {}
    if person is not None:
        for code in _fields_for(referral.kind):
            field = FIELDS[code]
            if field.group in groups:
                data[code] = {
                    "label": str(field.label),
                    "group": field.group.value,
                    "value": field_value(person, code),
                }
    # The exporting sender shows the person only as far as it may see her identity.
    offer = minimal_offer(
        referral,
        shows_person=offer_shows_person(actor, referral, on_case=is_sender(actor, referral)),
    )
    content: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "node": settings.OPENTRM_NODE_NAME,
        "reference": referral.reference,
        "kind": referral.kind,
        "kind_label": str(ReferralKind(referral.kind).label),
        "status": referral.status,
        "urgency": referral.urgency,
        "urgency_label": str(referral.get_urgency_display()),
        "sender": {
            "organisation": referral.sender_organisation.name,
            "country": referral.sender_organisation.country.code,
        },
        "receiver": {
            "organisation": referral.receiver_organisation.name,
            "country": referral.receiver_country,
        },
        "routing": referral.routing,
        "sent_at": _iso(referral.sent_at),
        "acknowledge_by": _iso(referral.acknowledge_due_at),
        "answer_by": _iso(referral.answer_due_at),
        "document_type": referral.document_type,
        "measure": referral.measure_code,
        "service": referral.service_type,
        "reason": referral.reason,
        "person": (
            {
                "age_band": offer.age_band,
                "sex": offer.sex,
                "languages": offer.languages,
            }
            if person is not None
            else None
        ),
        "needs": offer.needs,
        "shared_groups": sorted(g.value for g in groups),
        "data": data,
    }
    template = _template_section(referral, groups)
    if template is not None:
        content["template"] = template
    return content


def encrypt_pdf(content: bytes, password: str) -> bytes:
    """``content`` encrypted with AES-256: it opens only with ``password``."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(
        user_password=password,
        owner_password=secrets.token_urlsafe(32),
        algorithm="AES-256",
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class ExportFiles:
    reference: str
    pdf: bytes
    json: bytes
    pdf_sha256: str
    json_sha256: str

    @property
    def zip_name(self) -> str:
        return f"{self.reference}.zip"

    def zip(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{self.reference}.pdf", self.pdf)
            archive.writestr(f"{self.reference}.json", self.json)
        return out.getvalue()


def _check_export(actor: Actor, referral: Referral) -> None:
    require(actor, Action.REFERRAL_SEND)
    if not is_sender(actor, referral):
        raise PermissionDenied
    if referral.case is not None and referral.case.is_restricted:
        raise PermissionDenied(RESTRICTED)
    if referral.status not in EXPORTABLE:
        raise ValidationError(
            {"__all__": _("Send the referral first; a closed one is not exported.")}
        )
    if receiver_on_node(referral.receiver_organisation):
        raise ValidationError(
            {
                "__all__": _(
                    "The receiving organisation works on this OpenTRM node: it reads the "
                    "referral here, no export is needed."
                )
            }
        )


def referral_export(
    *, actor: Actor, referral: Referral, password: str, password_again: str
) -> ExportFiles:
    """The two files for a country not on OpenTRM, audited (REFERRAL_EXPORTED, with the
    hashes and the groups, never the password)."""
    _check_export(actor, referral)
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(
            {
                "password": _("Choose a password of at least %(min)d characters.")
                % {"min": MIN_PASSWORD}
            }
        )
    if password != password_again:
        raise ValidationError({"password_again": _("The two passwords differ.")})
    now = timezone.now()
    content = export_content(actor, referral, now=now)
    json_bytes = json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True).encode()
    plain = pdf.render("referrals/export_pdf.html", {"content": content, "referral": referral})
    pdf_bytes = encrypt_pdf(plain, password)
    files = ExportFiles(
        reference=referral.reference,
        pdf=pdf_bytes,
        json=json_bytes,
        pdf_sha256=hashlib.sha256(pdf_bytes).hexdigest(),
        json_sha256=hashlib.sha256(json_bytes).hexdigest(),
    )
    with transaction.atomic():
        record_event(
            event_type=EventType.REFERRAL_EXPORTED,
            actor=actor,
            target=referral,
            detail={
                "referral": referral.reference,
                "kind": referral.kind,
                "groups": content["shared_groups"],
                "pdf_sha256": files.pdf_sha256,
                "json_sha256": files.json_sha256,
            },
        )
    return files


@dataclass(frozen=True)
class ExportRecord:
    at: datetime
    by: str
    pdf_sha256: str
    json_sha256: str


def exports_of(referral: Referral) -> list[ExportRecord]:
    """The exports made of a referral, newest first (from the audit trail)."""
    events = AuditEvent.objects.filter(
        event_type=EventType.REFERRAL_EXPORTED.value,
        target_type=_REFERRAL_TYPE,
        target_id=str(referral.pk),
    ).order_by("-sequence")[:20]
    return [
        ExportRecord(
            at=event.occurred_at,
            by=event.actor_label,
            pdf_sha256=str(event.detail.get("pdf_sha256", "")),
            json_sha256=str(event.detail.get("json_sha256", "")),
        )
        for event in events
    ]


@transaction.atomic
def dispatch_record(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int,
    channel: str,
    sent_on: date,
    note: str = "",
) -> ExternalDispatch:
    """Record how and when the files of the latest export were sent; the referral is
    delivered by export from now on."""
    _check_export(actor, referral)
    errors: dict[str, str] = {}
    if channel not in DispatchChannel.values:
        errors["channel"] = _("Pick how the files were sent.")
    if sent_on > timezone.localdate():
        errors["sent_on"] = _("The date is in the future.")
    elif referral.sent_at is not None and sent_on < timezone.localdate(referral.sent_at):
        errors["sent_on"] = _("The files cannot have been sent before the referral was.")
    text = (note or "").strip()
    if len(text) > 300:
        errors["note"] = _("At most %(max)d characters.") % {"max": 300}
    exports = exports_of(referral)
    if not exports:
        errors["__all__"] = _("Export the files first, then record how they were sent.")
    if errors:
        raise ValidationError(errors)
    latest = exports[0]
    changed = referral.delivery != Delivery.EXPORTED
    if changed or expected_version != referral.version:
        referral.delivery = Delivery.EXPORTED
        save_if_unchanged(
            referral,
            expected_version=expected_version,
            fields=["delivery"] if changed else [],
            actor=actor.user,
        )
    dispatch = ExternalDispatch.objects.create(
        referral=referral,
        channel=channel,
        sent_on=sent_on,
        recorded_by=actor.user,
        pdf_sha256=latest.pdf_sha256,
        json_sha256=latest.json_sha256,
        note=text,
    )
    record_event(
        event_type=EventType.REFERRAL_DISPATCH_RECORDED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "dispatch_id": dispatch.pk,
            "channel": channel,
            "sent_on": sent_on.isoformat(),
            "pdf_sha256": latest.pdf_sha256,
            "json_sha256": latest.json_sha256,
        },
    )
    return dispatch
