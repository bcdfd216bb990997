"""Exporting the results of a directory search (issue 12 §7), with the filters on the screen.

One row per active contact point of each organisation found (the organisation alone when it
lists none), then the contact points found by name whose organisation was not found itself.
The rows have the columns of the contact-list export, in the same two layouts.
"""

from dataclasses import fields

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from opentrm.accounts.policy import Action, Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory import selectors
from opentrm.directory.exporting import (
    CONTENT_TYPES,
    ExportFile,
    ExportFormat,
    ExportLayout,
    flat_row,
    to_csv,
    to_xlsx,
)
from opentrm.directory.models import ContactPoint

# A search export is for a list someone reads; the whole directory is the country export's job.
MAX_ORGANISATIONS = 2000


def search_rows(*, actor: Actor, filters: selectors.SearchFilters) -> list[dict[str, str]]:
    values = {field.name: getattr(filters, field.name) for field in fields(filters)}
    organisations = list(selectors.organisation_list(actor=actor, **values)[:MAX_ORGANISATIONS])
    found = {organisation.pk for organisation in organisations}
    contact_points: dict[int, list[ContactPoint]] = {}
    for contact_point in (
        ContactPoint.objects.visible_to(actor)
        .filter(organisation_id__in=found, is_active=True)
        .with_details()
        .order_by("position", "person_name", "id")
    ):
        contact_points.setdefault(contact_point.organisation_id, []).append(contact_point)
    rows = []
    for organisation in organisations:
        listed: list[ContactPoint | None] = [*contact_points.get(organisation.pk, [])]
        for listed_point in listed or [None]:
            rows.append(flat_row(organisation.country, organisation, listed_point))
    for contact_point in selectors.contact_point_search(actor=actor, **values).select_related(
        "organisation__parent"
    ):
        if contact_point.organisation_id not in found:
            organisation = contact_point.organisation
            rows.append(flat_row(organisation.country, organisation, contact_point))
    return rows


def search_export(
    *,
    actor: Actor,
    filters: selectors.SearchFilters,
    fmt: ExportFormat,
    layout: ExportLayout = ExportLayout.READABLE,
) -> ExportFile:
    """The search results as a file, audited with the names of the filters used (their values
    may name a person, so they stay out of the audit trail)."""
    if not actor.may(Action.DIRECTORY_EXPORT) or fmt == ExportFormat.PDF:
        raise PermissionDenied
    rows = search_rows(actor=actor, filters=filters)
    content = to_csv(rows, layout) if fmt == ExportFormat.CSV else to_xlsx(rows, layout)
    used = sorted(field.name for field in fields(filters) if getattr(filters, field.name))
    record_event(
        event_type=EventType.CONTACTS_EXPORTED,
        actor=actor,
        detail={"search": used, "format": fmt.value, "rows": len(rows)},
    )
    filename = f"directory-search-{timezone.localdate().isoformat()}.{fmt.value}"
    return ExportFile(content, CONTENT_TYPES[fmt], filename, len(rows))
