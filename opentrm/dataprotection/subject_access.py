"""The subject-access report (GDPR art. 15; LED art. 14): everything this node holds on the
person of one case, and who opened, received or was sent it and when, from the audit trail.

"Everything" is found, not listed: every row that hangs off the case or the person through a
chain of foreign keys (the case file, referrals, exchange messages, documents, soft-deleted rows
too), so a table added later is in the report without anyone remembering to add it. Staff are
named by organisation, not by name (art. 15(1)(c) asks for recipients; staff identities are
the organisation's to give, on request).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.cases.models import Case
from opentrm.core import pdf

# Followed from the case and the person: rows of these are the trail itself or sessions.
NOT_FOLLOWED = frozenset({"audit.auditevent", "audit.auditchainhead", "sessions.session"})
# Bookkeeping that says nothing about the person.
HIDDEN_FIELDS = frozenset({"id", "version", "public_id", "sha256", "file"})
MAX_DEPTH = 4


@dataclass
class HeldRow:
    label: str
    values: list[tuple[str, str]]


@dataclass
class HeldTable:
    name: str
    rows: list[HeldRow] = field(default_factory=list)


@dataclass
class Disclosure:
    occurred_at: datetime
    what: str
    organisation: str


def _display(obj: models.Model, model_field: "models.Field[Any, Any]") -> str | None:
    """The field's value as a person reads it; None for a value not shown."""
    if model_field.is_relation:
        related = getattr(obj, model_field.name, None)
        if related is None or related._meta.label_lower == settings.AUTH_USER_MODEL.lower():
            return None
        return str(related)
    if model_field.choices:
        return str(getattr(obj, f"get_{model_field.attname}_display")())
    value = getattr(obj, model_field.attname)
    if value in (None, "", [], {}):
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _row(obj: models.Model, parent_field: str) -> HeldRow:
    values: list[tuple[str, str]] = []
    for model_field in obj._meta.concrete_fields:
        if model_field.name in HIDDEN_FIELDS or model_field.name == parent_field:
            continue
        shown = _display(obj, model_field)
        if shown is not None:
            values.append((str(model_field.verbose_name), shown))
    for many in obj._meta.many_to_many:
        names = [str(item) for item in getattr(obj, many.name).all()]
        if names:
            values.append((str(many.verbose_name), ", ".join(names)))
    return HeldRow(label=str(obj._meta.verbose_name), values=values)


def held_tables(case: Case) -> list[HeldTable]:
    """Every row hanging off the person and the case, grouped by kind, in a stable order."""
    tables: dict[str, HeldTable] = {}
    seen: set[tuple[str, Any]] = set()
    queue: list[tuple[models.Model, str, int]] = [(case.person, "", 0), (case, "", 0)]
    while queue:
        obj, parent_field, depth = queue.pop(0)
        key = (obj._meta.label_lower, obj.pk)
        if key in seen:
            continue
        seen.add(key)
        name = str(obj._meta.verbose_name_plural)
        tables.setdefault(name, HeldTable(name=name)).rows.append(_row(obj, parent_field))
        if depth >= MAX_DEPTH:
            continue
        for relation in obj._meta.related_objects:
            related_model = relation.related_model
            if (
                relation.many_to_many
                or isinstance(related_model, str)
                or related_model._meta.label_lower in NOT_FOLLOWED
            ):
                continue
            children = related_model._base_manager.filter(**{relation.field.name: obj})
            for child in children.order_by("pk"):
                queue.append((child, relation.field.name, depth + 1))
    return list(tables.values())


def disclosures(case: Case) -> list[Disclosure]:
    """Who opened, changed, printed, exported, sent or received the case, from the trail."""
    events = AuditEvent.objects.filter(
        Q(target_type="cases.case", target_id=str(case.pk))
        | Q(target_type="cases.person", target_id=str(case.person_id))
        | Q(detail__case_id=case.pk)
    ).order_by("sequence")
    labels = dict(EventType.choices)
    return [
        Disclosure(
            occurred_at=event.occurred_at,
            what=str(labels.get(event.event_type, event.event_type)),
            organisation=event.organisation_label or _("the system"),
        )
        for event in events.iterator()
    ]


def report_language(requested: str | None) -> str:
    """The language asked for if the node has it, else the one in use."""
    codes = {code for code, _name in settings.LANGUAGES}
    if requested in codes:
        return str(requested)
    return translation.get_language() or settings.LANGUAGE_CODE


def build_context(actor: Actor, case: Case) -> dict[str, Any]:
    recipients = sorted(
        {item.organisation for item in disclosures(case)} - {_("the system")}, key=str.lower
    )
    return {
        "case": case,
        "tables": held_tables(case),
        "disclosures": disclosures(case),
        "recipients": recipients,
        "generated_at": timezone.localtime(),
        "node_name": settings.OPENTRM_NODE_NAME,
        "controller": case.owner_organisation,
        "organisation": actor.organisation_label,
    }


def subject_access_pdf(*, actor: Actor, case: Case, language: str) -> bytes:
    """Render the report in ``language``, then audit it; the file is handed out once audited.
    The caller has found the case through ``access_case_as_controller``."""
    require(actor, Action.SUBJECT_ACCESS, case)
    with translation.override(language):
        content = pdf.render("dataprotection/subject_access_pdf.html", build_context(actor, case))
    with transaction.atomic():
        record_event(
            event_type=EventType.SUBJECT_ACCESS_REPORT_EXPORTED,
            actor=actor,
            target=case,
            detail={"case_id": case.pk, "language": language, "format": "pdf"},
        )
    return content
