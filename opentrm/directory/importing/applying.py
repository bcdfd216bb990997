"""Writing a checked plan through the directory services, in one transaction."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.errors import ConflictError
from opentrm.directory import services
from opentrm.directory.importing.layout import (
    CHANNEL_COLUMNS,
    ORGANISATION_COLUMNS,
    ContactImportError,
    ImportResult,
    RowError,
)
from opentrm.directory.importing.planning import (
    ContactPlan,
    OrganisationPlan,
    Plan,
    ResponsibilityPlan,
    column_of,
)
from opentrm.directory.models import (
    ChannelKind,
    ContactChannel,
    Country,
    Organisation,
    Responsibility,
)


def _refused(error: ValidationError | ConflictError, row: int) -> ContactImportError:
    if isinstance(error, ConflictError):
        return ContactImportError([RowError(error.message, row=row)])
    if hasattr(error, "error_dict"):
        return ContactImportError(
            [
                RowError(message, row=row, column=column_of(name))
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        )
    return ContactImportError([RowError(message, row=row) for message in error.messages])


def _parent_of(plan: OrganisationPlan) -> Organisation | None:
    parent = plan.parent
    if isinstance(parent, OrganisationPlan):
        return parent.result
    return parent


def _apply_organisation(
    actor: Actor, country: Country, plan: OrganisationPlan, result: ImportResult
) -> None:
    values = plan.merged.values
    fields: dict[str, Any] = {
        column: values[column] for column in ORGANISATION_COLUMNS if column in values
    }
    if values.get("type"):
        fields["type"] = values["type"]
    if "parent" in values:
        fields["parent"] = _parent_of(plan)
    if plan.existing is None:
        plan.result = services.organisation_create(
            actor=actor, country=country, name=plan.name, **fields
        )
        result.organisations_created += 1
    else:
        version = plan.existing.version
        plan.result = services.organisation_update(
            actor=actor, organisation=plan.existing, expected_version=version, **fields
        )
        result.organisations_updated += plan.result.version != version
    verified = values.get("last_verified")
    if verified and (
        plan.result.last_verified_at is None or verified > plan.result.last_verified_at
    ):
        services.organisation_verify(actor=actor, organisation=plan.result, on=verified)
        result.verified += 1


def _channels(plan: ContactPlan) -> list[services.ChannelData] | None:
    """The contact's channels after the import: the file's for the columns it has, the
    existing ones for the rest. Existing channels keep their labels, hours and place (the
    order is part of the entry, so an unchanged file leaves the contact point unchanged)."""
    values = plan.merged.values
    given: dict[str, tuple[str, ...]] = {
        kind.value: values[column] for column, kind in CHANNEL_COLUMNS.items() if column in values
    }
    if not given and "hotline_hours" not in values and "available_24_7" not in values:
        return None
    old = list(plan.existing.channels.all()) if plan.existing else []

    def channel(kind: str, value: str, prior: ContactChannel | None) -> services.ChannelData:
        label = prior.label if prior else ""
        hours = prior.hours if prior else ""
        around_the_clock = prior.available_24_7 if prior else False
        if kind == ChannelKind.HOTLINE:
            hours = values.get("hotline_hours", hours)
            around_the_clock = values.get("available_24_7", around_the_clock) or False
        return services.ChannelData(kind, value, label, hours, around_the_clock)

    channels = [
        channel(c.kind, c.value, c) for c in old if c.kind not in given or c.value in given[c.kind]
    ]
    known = {(c.kind, c.value) for c in old}
    for kind, found in given.items():
        channels += [channel(kind, value, None) for value in found if (kind, value) not in known]
    return channels


def _apply_contact(actor: Actor, plan: ContactPlan, result: ImportResult) -> None:
    values = plan.merged.values
    organisation = plan.organisation.result
    assert organisation is not None
    channels = _channels(plan)
    languages = list(values["languages"]) if "languages" in values else None
    fields = {"unit": values["unit"]} if "unit" in values else {}
    if plan.existing is None:
        plan.result = services.contact_point_create(
            actor=actor,
            organisation=organisation,
            channels=channels or (),
            languages=languages or (),
            position=plan.position,
            person_name=plan.person_name,
            **fields,
        )
        result.contact_points_created += 1
    else:
        version = plan.existing.version
        plan.result = services.contact_point_update(
            actor=actor,
            contact_point=plan.existing,
            expected_version=version,
            channels=channels,
            languages=languages,
            **fields,
        )
        result.contact_points_updated += plan.result.version != version
    verified = values.get("last_verified")
    if verified and (
        plan.result.last_verified_at is None or verified > plan.result.last_verified_at
    ):
        services.contact_point_verify(actor=actor, contact_point=plan.result, on=verified)
        result.verified += 1


def _apply_responsibility(
    actor: Actor,
    country: Country,
    plan: ResponsibilityPlan,
    next_order: dict[str, int],
    result: ImportResult,
) -> None:
    organisation = plan.organisation.result
    contact_point = plan.contact.result if plan.contact else None
    assert organisation is not None
    existing = Responsibility.objects.filter(
        country=country,
        function=plan.function,
        organisation=organisation,
        contact_point=contact_point,
    ).first()
    label = existing.label if existing and plan.label is None else (plan.label or "")
    note = existing.note if existing and plan.note is None else (plan.note or "")
    if existing is not None:
        if (existing.label, existing.note) == (label.strip(), note.strip()):
            return
        # No service changes a responsibility in place; replacing it keeps its place in the list.
        order = existing.order
        services.responsibility_remove(actor=actor, responsibility=existing)
        result.responsibilities_updated += 1
    else:
        if plan.function.value not in next_order:
            highest = Responsibility.objects.filter(
                country=country, function=plan.function
            ).aggregate(Max("order"))
            next_order[plan.function.value] = (
                -1 if highest["order__max"] is None else highest["order__max"]
            )
        next_order[plan.function.value] += 1
        order = next_order[plan.function.value]
        result.responsibilities_created += 1
    services.responsibility_add(
        actor=actor,
        country=country,
        function=plan.function,
        organisation=organisation,
        contact_point=contact_point,
        label=label,
        note=note,
        order=order,
    )


def _in_dependency_order(organisations: Iterable[OrganisationPlan]) -> list[OrganisationPlan]:
    """Parents before their units, so a unit can point to a parent created by the same file."""
    ordered: list[OrganisationPlan] = []
    placed: set[int] = set()

    def place(plan: OrganisationPlan) -> None:
        if id(plan) in placed:
            return
        placed.add(id(plan))
        if isinstance(plan.parent, OrganisationPlan):
            place(plan.parent)
        ordered.append(plan)

    for plan in organisations:
        place(plan)
    return ordered


def apply_plan(actor: Actor, plan: Plan) -> ImportResult:
    result = ImportResult(rows=plan.rows)
    row = 0
    try:
        with transaction.atomic():
            for organisation in _in_dependency_order(plan.organisations.values()):
                row = organisation.row
                _apply_organisation(actor, plan.country, organisation, result)
            for contact in plan.contacts.values():
                row = contact.row
                _apply_contact(actor, contact, result)
            next_order: dict[str, int] = {}
            for responsibility in plan.responsibilities:
                row = responsibility.row
                _apply_responsibility(actor, plan.country, responsibility, next_order, result)
            record_event(
                event_type=EventType.CONTACTS_IMPORTED,
                actor=actor,
                target=plan.country,
                detail=result.counts(),
            )
    except (ValidationError, ConflictError) as error:
        # Leaving the atomic block with the exception has rolled everything back.
        raise _refused(error, row) from error
    except IntegrityError as error:
        message = _(
            "conflicts with an entry saved in the directory meanwhile; nothing was imported."
        )
        raise ContactImportError([RowError(message, row=row)]) from error
    return result
