from collections.abc import Collection
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from opentrm.audit.models import AuditEvent


def audit_event_list(
    *,
    organisation_ids: Collection[int] | None = None,
    include_unattributed: bool = True,
    user: str = "",
    organisation_id: int | None = None,
    event_type: str = "",
    target_type: str = "",
    target_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered. The caller has checked Action.AUDIT_VIEW.

    ``organisation_ids`` (from ``accounts.policy.audit_scope``) limits the events to those
    organisations, plus the events of no organisation if ``include_unattributed``; None: all.
    """
    events = AuditEvent.objects.all()
    if organisation_ids is not None:
        scope = Q(organisation_id__in=sorted(organisation_ids))
        if include_unattributed:
            scope |= Q(organisation_id__isnull=True)
        events = events.filter(scope)
    if user:
        condition = Q(actor_label__iexact=user)
        if user.isdigit():
            condition |= Q(actor_id=int(user))
        events = events.filter(condition)
    if organisation_id:
        events = events.filter(organisation_id=organisation_id)
    if event_type:
        events = events.filter(event_type=event_type)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(occurred_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        events = events.filter(
            occurred_at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        )
    return events.order_by("-sequence")
