"""A case's whole audit trail, for the data-protection officer (docs/audit.md, "A case's trail").

An event belongs to a case when its target is an object of the case, or when its ``detail``
names the case (``case_id``, as reads and lists of a case record it). The objects of a case are
found through the models, not listed by hand, so a new kind of case record (in this app or in
an app above it, such as referrals) is included without this module importing it: the case,
its person, every row with a foreign key to either, and every row with a foreign key to one of
those (a measure's settings, a referral's messages).
"""

from collections.abc import Collection, Iterator

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, Person


def case_by_number(number: str, organisation_ids: Collection[int] | None) -> Case | None:
    """The case (deleted ones too: their trail outlives them) with this number, if its owner is
    one of ``organisation_ids`` (the officer's audit scope; None: any)."""
    cases = Case.objects.filter(number__iexact=number.strip())
    if organisation_ids is not None:
        cases = cases.filter(owner_organisation_id__in=sorted(organisation_ids))
    return cases.first()


def _children(parents: tuple[type[models.Model], ...]) -> Iterator[tuple[type[models.Model], str]]:
    """Every (model, foreign-key field name) whose foreign key points to one of ``parents``."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model in parents
                and model not in parents
            ):
                yield model, field.name


def case_objects(case: Case) -> dict[str, set[str]]:
    """The ids (as the trail stores them) of the objects of ``case``, by model label."""
    found: dict[str, set[str]] = {
        Case._meta.label_lower: {str(case.pk)},
        Person._meta.label_lower: {str(case.person_id)},
    }
    owners: dict[type[models.Model], int] = {Case: case.pk, Person: case.person_id}
    first_level: list[tuple[type[models.Model], set[int]]] = []
    for model, field in _children((Case, Person)):
        target = owners[field_model(model, field)]
        ids = set(model._base_manager.filter(**{field: target}).values_list("pk", flat=True))
        if ids:
            found.setdefault(model._meta.label_lower, set()).update(str(pk) for pk in ids)
            first_level.append((model, ids))
    parents = dict(first_level)
    if parents:
        for model, field in _children(tuple(parents)):
            parent_ids = parents[field_model(model, field)]
            ids = set(
                model._base_manager.filter(**{f"{field}__in": parent_ids}).values_list(
                    "pk", flat=True
                )
            )
            if ids:
                found.setdefault(model._meta.label_lower, set()).update(str(pk) for pk in ids)
    return found


def field_model(model: type[models.Model], field: str) -> type[models.Model]:
    related = model._meta.get_field(field).related_model
    assert isinstance(related, type)
    return related


def case_audit_events(
    case: Case, *, organisation_ids: Collection[int] | None, include_unattributed: bool
) -> QuerySet[AuditEvent]:
    """The events of ``case`` and of its objects within the officer's scope, oldest first."""
    condition = Q(detail__case_id=case.pk)
    for label, ids in case_objects(case).items():
        condition |= Q(target_type=label, target_id__in=sorted(ids))
    events = AuditEvent.objects.filter(condition)
    if organisation_ids is not None:
        scope = Q(organisation_id__in=sorted(organisation_ids))
        if include_unattributed:
            scope |= Q(organisation_id__isnull=True)
        events = events.filter(scope)
    return events.order_by("sequence")
