"""Import a referral or request received from a country not on OpenTRM (issue 4 §9, "Bad input").

The file is the JSON of an export (``services/export.py``, format ``opentrm.referral-export``
version 1, described by ``schemas/referral-export-v1.schema.json`` and docs/referrals.md), written
by OpenTRM or filled by hand or by another system. An organisation that may respond to referrals
imports it; it lands in its inbox as a referral received from the sending organisation, looked up
in the directory by the name and country the file gives, with status "sent".

Checked before anything is stored, each failure named with the JSON pointer of the place (at most
ten): size (2 MiB), UTF-8, JSON, the schema, then the meaning: a sender in the directory, a
receiver that is the importing organisation (or its country's focal point), dates that exist and
follow each other, known codes, template values valid for their field. Unknown fields are kept
(rendered as "unknown field", like fields a profile added). Nothing is audited of a refused file;
an import is audited as REFERRAL_CREATED with ``{"imported": true}`` and ids only.

Storage (no model of its own): the ``Referral`` row holds what every referral holds; its
``TemplateInstance.data["imported"]`` keeps what the file said of the person and the exchange
(for the page's "received from outside OpenTRM" section), and for a transnational referral
``data["sent"]`` / ``data["fields"]`` / ``data["disabled"]`` hold the template as a sent snapshot,
the shape the template section reads.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, FieldGroup, require
from opentrm.directory import reference as directory_reference
from opentrm.directory.models import Organisation
from opentrm.directory.selectors import organisation_by_name, same_name
from opentrm.referrals.event_notes import IMPORTED_FROM_FILE, Note
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralKind,
    Routing,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import routing
from opentrm.referrals.services.export import FORMAT, FORMAT_VERSION
from opentrm.referrals.services.import_file import (
    MAX_BYTES,
    MAX_PROBLEMS,
    Problems,
    decode,
    schema,
    schema_problems,
)
from opentrm.referrals.services.receiving import AlreadyReceivedError, Incoming, referral_receive
from opentrm.referrals.services.requests import FIELDS, RequestedDocument
from opentrm.referrals.template import loader

CLOCK_SKEW = timedelta(minutes=10)


# --- the meaning -----------------------------------------------------------------------------


def _moment(raw: Any) -> datetime | None:
    if raw in (None, ""):
        return None
    moment = datetime.fromisoformat(str(raw).replace(" ", "T", 1))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _receivers(importer: Organisation) -> list[Organisation]:
    """Whom a file may name as its receiver: the importing organisation, or its country's
    national focal point (or single child authority)."""
    found = [importer]
    for child in (False, True):
        point = routing.focal_point(importer.country.code, child=child)
        if point is not None:
            found.append(point)
    return found


def _check_sender(
    document: Mapping[str, Any], importer: Organisation, problems: Problems
) -> Organisation | None:
    """The sending organisation the file names, found in the directory."""
    sender_name, sender_country = document["sender"]["organisation"], document["sender"]["country"]
    sender = organisation_by_name(name=sender_name, country_code=sender_country)
    if sender is None:
        problems.add(
            "/sender/organisation",
            _(
                "“%(name)s” (%(country)s) is not in the directory. Ask your national coordinator "
                "to add the organisation, then import the file again."
            )
            % {"name": sender_name[:200], "country": sender_country},
        )
    elif not sender.is_active:
        problems.add("/sender/organisation", _("the organisation is no longer active."))
    elif sender.pk == importer.pk:
        problems.add("/sender/organisation", _("your own organisation sent this referral."))
    return sender


def _check_receiver(
    document: Mapping[str, Any], importer: Organisation, problems: Problems
) -> None:
    receiver = document["receiver"]
    if receiver["country"] != importer.country.code:
        problems.add(
            "/receiver/country",
            _("the file is addressed to %(country)s, not to your country.")
            % {"country": receiver["country"]},
        )
    elif not any(same_name(receiver["organisation"], o.name) for o in _receivers(importer)):
        problems.add(
            "/receiver/organisation",
            _(
                "the file is addressed to another organisation: only your organisation or your "
                "country's national focal point may be named."
            ),
        )


def _imported_already(problems: Problems, earlier: Referral) -> None:
    problems.add(
        "/reference",
        _("this referral was imported already, as %(reference)s.")
        % {"reference": earlier.reference},
    )


def _check_dates(document: Mapping[str, Any], problems: Problems) -> dict[str, datetime | None]:
    moments: dict[str, datetime | None] = {}
    for key in ("exported_at", "sent_at", "acknowledge_by", "answer_by"):
        try:
            moments[key] = _moment(document.get(key))
        except ValueError:
            problems.add(f"/{key}", _("not a valid date or time."))
            moments[key] = None
    latest = timezone.now() + CLOCK_SKEW
    for key in ("exported_at", "sent_at"):
        moment = moments[key]
        if moment is not None and moment > latest:
            problems.add(f"/{key}", _("the date is in the future."))
        if moment is not None and moment.year < 2000:
            problems.add(f"/{key}", _("the date is not plausible."))
    sent, exported = moments["sent_at"], moments["exported_at"]
    if sent is not None and exported is not None and sent > exported:
        problems.add("/sent_at", _("the referral cannot have been sent after it was exported."))
    for key in ("acknowledge_by", "answer_by"):
        moment = moments[key]
        if sent is not None and moment is not None and moment < sent:
            problems.add(f"/{key}", _("the date is before the referral was sent."))
    return moments


def _check_kind(document: Mapping[str, Any], problems: Problems) -> None:
    kind = document["kind"]
    document_type = document.get("document_type") or ""
    if kind == ReferralKind.DOCUMENT_ISSUANCE and document_type not in RequestedDocument.values:
        problems.add(
            "/document_type",
            _("a document-issuance request names the document asked for, one of: %(values)s.")
            % {"values": ", ".join(RequestedDocument.values)},
        )
    elif kind != ReferralKind.DOCUMENT_ISSUANCE and document_type:
        problems.add("/document_type", _("only a document-issuance request asks for a document."))
    if document.get("template") is not None and kind != ReferralKind.TRANSNATIONAL:
        problems.add("/template", _("only a transnational referral carries the template."))


def _check_person(document: Mapping[str, Any], problems: Problems) -> None:
    person = document.get("person") or {}
    for index, code in enumerate(person.get("languages") or []):
        if not directory_reference.is_language_code(str(code).lower()):
            problems.add(f"/person/languages/{index}", _("not a known language code (ISO 639)."))


def _check_data(
    document: Mapping[str, Any], groups: frozenset[str], problems: Problems
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The person's fields as the file gives them, and the codes this node does not know."""
    kept: dict[str, dict[str, str]] = {}
    unknown: list[str] = []
    for code, item in (document.get("data") or {}).items():
        group = item["group"]
        known = FIELDS.get(code)
        if known is not None and known.group.value != group:
            problems.add(
                f"/data/{code}/group",
                _("this field belongs to the group “%(group)s”.") % {"group": known.group.value},
            )
            continue
        if group not in groups:
            problems.add(
                f"/data/{code}/group",
                _(
                    "the file does not share this group (add it to shared_groups, or leave the "
                    "field out)."
                ),
            )
            continue
        if known is None:
            unknown.append(code)
        label = str(item.get("label") or "") or (str(known.label) if known else code)
        kept[code] = {"label": label, "group": group, "value": item["value"]}
    return kept, sorted(unknown)


def _unknown_field(definition: loader.Template, code: str) -> dict[str, Any] | None:
    """A definition for a template value of a field this node does not know: a text field in
    its section, in the section's group (never less guarded than its neighbours)."""
    section = definition.section(code.split(".")[0])
    if section is None:
        return None
    group = next((f.group for f in section.fields if f.group), FieldGroup.IDENTITY.value)
    return {
        "code": code,
        "label": code,
        "type": "text",
        "section": section.code,
        "group": group,
        "owner": section.owner,
    }


def _check_template(
    template: Mapping[str, Any], groups: frozenset[str], lang: str, problems: Problems
) -> dict[str, Any]:
    """The template as the instance stores it (``fields``, ``disabled``, ``sent``)."""
    version = int(template.get("template_version") or loader.CURRENT_VERSION)
    if version not in loader.available_versions():
        problems.add("/template/template_version", _("unknown version of the template."))
        return {}
    base = loader.load_template(version)
    added: list[dict[str, Any]] = []
    for index, item in enumerate(template.get("fields") or []):
        try:
            field = loader.added_field(item)
        except ValueError:
            problems.add(
                f"/template/fields/{index}",
                _("not a valid added field (code “<section>.<name>”, a known type and group)."),
            )
            continue
        if base.section(field.section) is None:
            problems.add(f"/template/fields/{index}/section", _("no such section."))
            continue
        if base.field(field.code) is None:
            added.append(field.as_dict())
    disabled = sorted(
        code
        for code in template.get("disabled") or []
        if (item := base.field(code)) is not None and not item.required_by_law
    )
    definition = loader.definition(version, added=added, disabled=disabled)
    values: dict[str, Any] = {}
    from opentrm.referrals.services.transnational import clean_value, has_value

    for code, raw in (template.get("values") or {}).items():
        where = f"/template/values/{code}"
        item = definition.field(code)
        if item is None:
            if base.field(code) is not None:
                continue  # switched off by the sender's profile: not shown
            extra = _unknown_field(definition, code)
            if extra is None:
                problems.add(where, _("no such section in the template."))
                continue
            added.append(extra)
            definition = loader.definition(version, added=added, disabled=disabled)
            item = definition.field(code)
            assert item is not None
            if raw is not None and not isinstance(raw, str | Mapping):
                raw = json.dumps(raw, ensure_ascii=False)
        if item.group is not None and item.group not in groups:
            problems.add(
                where,
                _("the file does not share the group “%(group)s” (shared_groups).")
                % {"group": item.group},
            )
            continue
        try:
            value = clean_value(item, raw, lang=lang)
        except ValueError as error:
            problems.add(where, str(error))
            continue
        if has_value(value):
            values[code] = value
    withheld = sorted(
        code for code in template.get("withheld") or [] if definition.field(code) is not None
    )
    return {
        "version": version,
        "profile_country": str(template.get("profile_country") or ""),
        "profile_version": int(template.get("profile_version") or 0),
        "fields": added,
        "disabled": disabled,
        "values": values,
        "withheld": withheld,
    }


# --- importing -------------------------------------------------------------------------------


def already_imported(sender: Organisation, receiver: Organisation, source: str) -> Referral | None:
    return (
        Referral.objects.filter(
            delivery=Delivery.ON_NODE,
            sender_organisation=sender,
            receiver_organisation=receiver,
            origin_reference=source,
        )
        .order_by("pk")
        .first()
    )


def referral_import(*, actor: Actor, raw: bytes) -> Referral:
    """Import the JSON file ``raw``; the new referral, in the actor's organisation's inbox.

    ValidationError keyed by JSON pointer (``file`` for the file as a whole), each message
    naming the place, at most ten; nothing stored, nothing audited.
    """
    require(actor, Action.REFERRAL_RESPOND)
    assert actor.membership is not None
    importer = actor.membership.organisation
    document = decode(raw)
    problems = schema_problems(document)
    if problems:
        raise problems.error()
    sender = _check_sender(document, importer, problems)
    _check_receiver(document, importer, problems)
    moments = _check_dates(document, problems)
    _check_kind(document, problems)
    _check_person(document, problems)
    groups = frozenset(document.get("shared_groups") or [])
    data, unknown = _check_data(document, groups, problems)
    from opentrm.referrals.services.transnational import country_language

    sender_language = country_language(document["sender"]["country"])
    template: dict[str, Any] = {}
    if document.get("template") is not None and not problems.full:
        lang = str(document["template"].get("language") or sender_language)
        template = _check_template(document["template"], groups, lang, problems)
    if sender is not None and not problems:
        earlier = already_imported(sender, importer, document["reference"])
        if earlier is not None:
            _imported_already(problems, earlier)
    if problems:
        raise problems.error()
    assert sender is not None
    try:
        return _store(
            actor=actor,
            importer=importer,
            sender=sender,
            document=document,
            moments=moments,
            groups=groups,
            data=data,
            unknown=unknown,
            template=template,
            sha256=hashlib.sha256(raw).hexdigest(),
            sender_language=sender_language,
        )
    except AlreadyReceivedError as again:  # a concurrent import of the same file won
        _imported_already(problems, again.existing)
        raise problems.error() from None


def _imported_data(
    template: Mapping[str, Any],
    *,
    groups: frozenset[str],
    sent_at: datetime,
    imported: dict[str, Any],
) -> dict[str, Any]:
    """The template instance's data: what the file said, and the template as a sent snapshot."""
    instance_data: dict[str, Any] = {"imported": imported}
    if template:
        instance_data["fields"] = template["fields"]
        instance_data["disabled"] = template["disabled"]
        instance_data["sent"] = {
            "values": template["values"],
            "withheld": template["withheld"],
            "groups": sorted(groups),
            "at": sent_at.isoformat(),
        }
    return instance_data


@transaction.atomic
def _store(
    *,
    actor: Actor,
    importer: Organisation,
    sender: Organisation,
    document: Mapping[str, Any],
    moments: Mapping[str, datetime | None],
    groups: frozenset[str],
    data: dict[str, dict[str, str]],
    unknown: list[str],
    template: Mapping[str, Any],
    sha256: str,
    sender_language: str,
) -> Referral:
    now = timezone.now()
    kind = document["kind"]
    urgency = document.get("urgency") or Urgency.ROUTINE
    if kind == ReferralKind.IMMEDIATE_DANGER:
        urgency = Urgency.IMMEDIATE
    point = routing.focal_point(importer.country.code)
    default_routing = (
        Routing.FOCAL_POINT if point is not None and point.pk == importer.pk else Routing.DIRECT
    )
    imported = {
        "reference": document["reference"],
        "node": document.get("node") or "",
        "exported_at": document.get("exported_at"),
        "sent_at": document.get("sent_at"),
        "status": document.get("status"),
        "sender": dict(document["sender"]),
        "receiver": dict(document["receiver"]),
        "person": dict(document.get("person") or {}),
        "data": data,
        "unknown": unknown,
        "json_sha256": sha256,
        "imported_at": now.isoformat(),
    }
    incoming = Incoming(
        kind=kind,
        sender=sender,
        receiver=importer,
        origin_node=str(document.get("node") or "")[:200],
        origin_reference=document["reference"],
        delivery=Delivery.ON_NODE,
        routing=document.get("routing") or default_routing,
        urgency=urgency,
        sent_at=moments.get("sent_at") or moments.get("exported_at") or now,
        shared_groups=sorted(groups),
        data=_imported_data(
            template,
            groups=groups,
            sent_at=moments.get("sent_at") or now,
            imported=imported,
        ),
        sender_language=sender_language,
        event_organisation=importer,
        note=Note(IMPORTED_FROM_FILE),
        measure_code=document.get("measure") or "",
        service_type=document.get("service") or "",
        document_type=document.get("document_type") or "",
        needs=list(document.get("needs") or []),
        reason=document.get("reason") or "",
        template_version=template.get("version", loader.CURRENT_VERSION),
        profile_country=template.get("profile_country", ""),
        profile_version=template.get("profile_version", 0),
        audit={
            "imported": True,
            "fields": sorted(data),
            "template_fields": sorted(template.get("values", {})),
            "unknown_fields": len(unknown)
            + sum(1 for f in template.get("fields", []) if f["label"] == f["code"]),
            "json_sha256": sha256,
        },
    )
    return referral_receive(actor=actor, incoming=incoming)


# --- reading an imported referral -------------------------------------------------------------


def imported_of(referral: Referral) -> dict[str, Any] | None:
    """What the file said, for an imported referral (else None)."""
    instance = TemplateInstance.objects.filter(referral=referral).only("data").first()
    if instance is None:
        return None
    imported = (instance.data or {}).get("imported")
    return dict(imported) if isinstance(imported, Mapping) else None


def content_sections(referral: Referral) -> dict[str, Any]:
    """The imported referral in the sections of the export format (tests compare these with
    the file): the exchange, the person's minimal offer and data, the template values."""
    imported = imported_of(referral) or {}
    instance = TemplateInstance.objects.filter(referral=referral).first()
    sent = ((instance.data if instance else {}) or {}).get("sent") or {}
    return {
        "kind": referral.kind,
        "urgency": referral.urgency,
        "reason": referral.reason,
        "document_type": referral.document_type,
        "measure": referral.measure_code,
        "service": referral.service_type,
        "needs": list(referral.needs or []),
        "shared_groups": list(referral.shared_groups or []),
        "sender": imported.get("sender"),
        "person": imported.get("person") or None,
        "data": imported.get("data") or {},
        "template_values": sent.get("values") or {},
    }


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_BYTES",
    "MAX_PROBLEMS",
    "content_sections",
    "decode",
    "imported_of",
    "referral_import",
    "schema",
]
