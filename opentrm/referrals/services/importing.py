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
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from opentrm.accounts.policy import Action, Actor, FieldGroup, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory import reference as directory_reference
from opentrm.directory.models import Organisation
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    Routing,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import core, routing
from opentrm.referrals.services.export import FORMAT, FORMAT_VERSION
from opentrm.referrals.services.requests import FIELDS, RequestedDocument
from opentrm.referrals.services.timelines import due_dates
from opentrm.referrals.template import loader

MAX_BYTES = 2 * 1024 * 1024
MAX_PROBLEMS = 10
SCHEMA_NAME = "referral-export-v1.schema.json"
CLOCK_SKEW = timedelta(minutes=10)
FILE = "file"  # the key of problems with the file as a whole
_KEY_MAX = 40


# --- problems --------------------------------------------------------------------------------


def pointer(path: Iterable[Any]) -> str:
    """The JSON pointer (RFC 6901) of a place in the file."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "/" + "/".join(parts) if parts else ""


class Problems:
    """What is wrong with a file, by place; at most MAX_PROBLEMS."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append((where, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_PROBLEMS

    def error(self) -> ValidationError:
        """Keyed by JSON pointer (``file`` for the file as a whole); each message names it."""
        found: dict[str, list[str]] = {}
        for where, message in self.items:
            key = where or FILE
            text = f"{where}: {message}" if where else message
            found.setdefault(key, []).append(text)
        return ValidationError(found)


def _refuse(message: str) -> ValidationError:
    return ValidationError({FILE: [message]})


# --- reading the file ------------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def decode(raw: bytes) -> Any:
    """The parsed JSON of an uploaded file; ValidationError (key ``file``) when it is too large,
    empty, not UTF-8 or not JSON."""
    if len(raw) > MAX_BYTES:
        raise _refuse(_("The file is larger than 2 MiB."))
    if not raw.strip():
        raise _refuse(_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse(
            _("The file is not UTF-8 text (invalid byte at position %(position)d).")
            % {"position": error.start}
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _refuse(
            _("The file is not valid JSON: line %(line)d, column %(column)d.")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    except _DuplicateKeyError as error:
        raise _refuse(
            _("The file is not valid JSON: the key “%(key)s” appears twice in one object.")
            % {"key": error.key[:_KEY_MAX]}
        ) from None
    except ValueError:
        raise _refuse(_("The file is not valid JSON: NaN and Infinity are not numbers.")) from None


@cache
def schema() -> dict[str, Any]:
    path = resources.files("opentrm.referrals.schemas") / SCHEMA_NAME
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


_PATTERN_HINTS = {
    "^[A-Z]{2}$": "country",
    "^([A-Z]{2})?$": "country",
}


def _type_names(expected: Any) -> str:
    names = {
        "string": _("a text"),
        "integer": _("a whole number"),
        "number": _("a number"),
        "object": _("an object"),
        "array": _("a list"),
        "boolean": _("true or false"),
        "null": _("null"),
    }
    wanted = expected if isinstance(expected, list) else [expected]
    return _(" or ").join(names.get(str(name), str(name)) for name in wanted)


def _schema_message(error: SchemaError) -> str:
    """What is wrong, in words, never repeating the value (it may be personal data)."""
    kind = error.validator
    expected: Any = error.validator_value
    instance = error.instance
    if kind == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        return _("the property “%(name)s” is missing.") % {"name": ", ".join(missing)}
    if kind == "additionalProperties":
        known = set((error.schema or {}).get("properties", {}))
        extra = sorted(str(k)[:_KEY_MAX] for k in instance if k not in known)
        return _("unexpected property “%(name)s”.") % {"name": ", ".join(extra)}
    if kind == "type":
        return _("expected %(type)s.") % {"type": _type_names(expected)}
    if kind == "const":
        return _("must be %(value)s.") % {"value": json.dumps(expected)}
    if kind == "enum":
        return _("must be one of: %(values)s.") % {
            "values": ", ".join(json.dumps(value) for value in expected)
        }
    if kind == "pattern":
        if _PATTERN_HINTS.get(str(expected)) == "country":
            return _("expected a country code of two capital letters (ISO 3166-1 alpha-2).")
        if "[0-9]{4}-" in str(expected):
            return _("expected a date (YYYY-MM-DD) or a date and time (ISO 8601).")
        return _("does not have the expected form.")
    if kind == "minLength":
        return _("must not be empty.")
    if kind == "maxLength":
        return _("at most %(max)d characters.") % {"max": expected}
    if kind in ("maxItems", "maxProperties"):
        return _("at most %(max)d entries.") % {"max": expected}
    if kind == "uniqueItems":
        return _("an entry appears twice.")
    if kind == "minimum":
        return _("must be at least %(min)s.") % {"min": expected}
    if kind == "propertyNames":
        bad = next(
            (str(sub.instance)[:_KEY_MAX] for sub in error.context or [] if sub.instance),
            "",
        )
        return _("the key “%(key)s” is not a field code (lower-case letters, digits, _).") % {
            "key": bad
        }
    return _("is not valid.")


def schema_problems(document: Any) -> Problems:
    problems = Problems()
    errors = sorted(
        _validator().iter_errors(document),
        key=lambda e: ([str(part) for part in e.absolute_path], str(e.validator)),
    )
    for error in errors[:MAX_PROBLEMS]:
        problems.add(pointer(error.absolute_path), _schema_message(error))
    return problems


# --- the meaning -----------------------------------------------------------------------------


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def find_organisation(name: str, country_code: str) -> Organisation | None:
    """The directory's organisation of that name (case and spacing aside) in that country."""
    wanted = _normal(name)
    candidates = Organisation.objects.filter(
        country__code=country_code, name__iexact=name.strip()
    ).select_related("country")
    found = next((o for o in candidates if _normal(o.name) == wanted), None)
    if found is not None:
        return found
    # spacing differs: compare in Python among the country's organisations of similar names
    first = wanted.split(" ")[0] if wanted else ""
    for organisation in Organisation.objects.filter(
        country__code=country_code, name__icontains=first
    ).select_related("country")[:200]:
        if _normal(organisation.name) == wanted:
            return organisation
    return None


def _moment(raw: Any) -> datetime | None:
    if raw in (None, ""):
        return None
    moment = datetime.fromisoformat(str(raw).replace(" ", "T", 1))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _receivers(importer: Organisation) -> dict[str, Organisation]:
    """Whom a file may name as its receiver: the importing organisation, or its country's
    national focal point (or single child authority)."""
    found = {_normal(importer.name): importer}
    for child in (False, True):
        point = routing.focal_point(importer.country.code, child=child)
        if point is not None:
            found.setdefault(_normal(point.name), point)
    return found


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
            sender_organisation=sender,
            receiver_organisation=receiver,
            template__data__imported__reference=source,
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
    sender_name, sender_country = document["sender"]["organisation"], document["sender"]["country"]
    sender = find_organisation(sender_name, sender_country)
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
    receiver = document["receiver"]
    if receiver["country"] != importer.country.code:
        problems.add(
            "/receiver/country",
            _("the file is addressed to %(country)s, not to your country.")
            % {"country": receiver["country"]},
        )
    elif _normal(receiver["organisation"]) not in _receivers(importer):
        problems.add(
            "/receiver/organisation",
            _(
                "the file is addressed to another organisation: only your organisation or your "
                "country's national focal point may be named."
            ),
        )
    moments = _check_dates(document, problems)
    _check_kind(document, problems)
    _check_person(document, problems)
    groups = frozenset(document.get("shared_groups") or [])
    data, unknown = _check_data(document, groups, problems)
    from opentrm.referrals.services.transnational import country_language

    sender_language = country_language(sender_country)
    template: dict[str, Any] = {}
    if document.get("template") is not None and not problems.full:
        lang = str(document["template"].get("language") or sender_language)
        template = _check_template(document["template"], groups, lang, problems)
    if sender is not None and not problems:
        earlier = already_imported(sender, importer, document["reference"])
        if earlier is not None:
            problems.add(
                "/reference",
                _("this referral was imported already, as %(reference)s.")
                % {"reference": earlier.reference},
            )
    if problems:
        raise problems.error()
    assert sender is not None
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
    from opentrm.referrals.services.transnational import country_language

    now = timezone.now()
    kind = document["kind"]
    urgency = document.get("urgency") or Urgency.ROUTINE
    if kind == ReferralKind.IMMEDIATE_DANGER:
        urgency = Urgency.IMMEDIATE
    point = routing.focal_point(importer.country.code)
    default_routing = (
        Routing.FOCAL_POINT if point is not None and point.pk == importer.pk else Routing.DIRECT
    )
    acknowledge_by, answer_by = due_dates(
        kind=kind, receiver_country=importer.country.code, sent_at=now
    )
    # The time limits of the importing country count from the moment the file arrives here.
    referral = Referral.objects.create(
        reference=core.next_reference(importer.country.code),
        kind=kind,
        case=None,
        sender_organisation=sender,
        receiver_country=importer.country.code,
        receiver_organisation=importer,
        routing=document.get("routing") or default_routing,
        delivery=Delivery.ON_NODE,
        measure_code=document.get("measure") or "",
        service_type=document.get("service") or "",
        document_type=document.get("document_type") or "",
        needs=list(document.get("needs") or []),
        reason=document.get("reason") or "",
        urgency=urgency,
        status=ReferralStatus.SENT,
        shared_groups=sorted(groups),
        sent_at=moments.get("sent_at") or moments.get("exported_at") or now,
        acknowledge_due_at=acknowledge_by,
        answer_due_at=answer_by,
        updated_by=actor.user,
    )
    instance_data: dict[str, Any] = {
        "imported": {
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
    }
    if template:
        instance_data["fields"] = template["fields"]
        instance_data["disabled"] = template["disabled"]
        instance_data["sent"] = {
            "values": template["values"],
            "withheld": template["withheld"],
            "groups": sorted(groups),
            "at": (moments.get("sent_at") or now).isoformat(),
        }
    TemplateInstance.objects.create(
        referral=referral,
        template_version=template.get("version", loader.CURRENT_VERSION),
        profile_country=template.get("profile_country", ""),
        profile_version=template.get("profile_version", 0),
        data=instance_data,
        sender_language=sender_language,
        receiver_language=country_language(importer.country.code),
        updated_by=actor.user,
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=ReferralStatus.SENT,
        at=now,
        by=actor.user,
        organisation=importer,
        note=_("Imported from a file received from outside OpenTRM.")[:300],
    )
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=actor,
        target=referral,
        detail={
            "imported": True,
            "referral": referral.reference,
            "kind": kind,
            "source_reference": document["reference"],
            "sender_id": sender.pk,
            "groups": sorted(groups),
            "fields": sorted(data),
            "template_fields": sorted(template.get("values", {})),
            "unknown_fields": len(unknown)
            + sum(1 for f in template.get("fields", []) if f["label"] == f["code"]),
            "json_sha256": sha256,
        },
    )
    return referral


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
    "content_sections",
    "decode",
    "imported_of",
    "referral_import",
    "schema",
]
