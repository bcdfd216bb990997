"""Who opened a case file, and why (issue 17 §3): the reads of one case from the audit trail,
each with the reason the reader had: her organisation is on the case, or an emergency access
with its reason. For the owner organisation's case managers."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, EmergencyAccess

# The events that show or hand out a case's personal data.
READ_EVENTS = (
    EventType.CASE_VIEWED,
    EventType.HEALTH_VIEWED,
    EventType.CASE_TIMELINE_VIEWED,
    EventType.CASE_SUMMARY_EXPORTED,
    EventType.DOCUMENT_DOWNLOADED,
    EventType.EMERGENCY_ACCESS_OPENED,
)
SHOWN = 500


@dataclass(frozen=True)
class Opening:
    occurred_at: datetime
    who: str
    organisation: str
    what: str
    emergency: EmergencyAccess | None


def case_openings(case: Case) -> list[Opening]:
    """The latest ``SHOWN`` reads of ``case``, newest first, each with its emergency access
    when it happened under one."""
    events = AuditEvent.objects.filter(
        Q(target_type=Case._meta.label_lower, target_id=str(case.pk)) | Q(detail__case_id=case.pk),
        event_type__in=[event.value for event in READ_EVENTS],
    ).order_by("-sequence")[:SHOWN]
    accesses = list(case.emergency_accesses.all())
    openings = []
    for event in events:
        emergency = next(
            (
                access
                for access in accesses
                if access.user_id == event.actor_id
                and access.organisation_id == event.organisation_id
                and access.opened_at <= event.occurred_at <= access.expires_at
            ),
            None,
        )
        detail = event.detail or {}
        what = str(event.event_label)
        if detail.get("view"):
            what = f"{what} ({detail['view']})"
        openings.append(
            Opening(
                occurred_at=event.occurred_at,
                who=event.actor_label,
                organisation=event.organisation_label,
                what=what,
                emergency=emergency,
            )
        )
    return openings
