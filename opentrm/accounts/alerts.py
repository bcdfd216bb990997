"""Unusual access, found in the audit trail for the data-protection officer (issue 17 §3).

``detect_unusual_access`` (a command run from cron, like ``refresh_statuses``) reads the events
of the last hours and raises an ``AccessAlert`` for:

- one user opening more than OPENTRM_ALERT_CASES distinct case files within one window of
  OPENTRM_ALERT_WINDOW_MINUTES (windows aligned on the clock, so two runs agree);
- any case file opened outside working hours (OPENTRM_ALERT_WORKING_HOURS on
  OPENTRM_ALERT_WORKING_DAYS, in the node's TIME_ZONE): one alert per user and day;
- more than OPENTRM_ALERT_EXPORTS exports, prints or downloads by one user within one window.

Each alert is audited (``ACCESS_ALERT_RAISED``); the notifications app tells the officers of
the user's country from that event. Running twice over the same events raises nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import AccessAlert, AlertKind
from opentrm.accounts.policy import Actor, audit_scope
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.audit.services import record_event
from opentrm.core.errors import ConflictError
from opentrm.core.input import text_problem

READ_EVENTS = frozenset(
    {
        EventType.CASE_VIEWED,
        EventType.HEALTH_VIEWED,
        EventType.CASE_TIMELINE_VIEWED,
        EventType.DOCUMENT_DOWNLOADED,
        EventType.REFERRAL_VIEWED,
    }
)
CASE_LABEL = "cases.case"


def is_export(event_type: str) -> bool:
    """Exports, prints and downloads of any app (a new ``*_EXPORTED`` event counts too)."""
    return event_type.endswith(("_EXPORTED", "_PRINTED")) or event_type in {
        EventType.DOCUMENT_DOWNLOADED,
        EventType.RESOURCE_DOWNLOADED,
    }


def _range(name: str) -> tuple[int, int]:
    text = str(getattr(settings, name))
    try:
        start, end = (int(part) for part in text.split("-", 1))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {text!r}") from error
    return start, end


def outside_working_hours(moment: datetime) -> bool:
    """Outside OPENTRM_ALERT_WORKING_HOURS (start hour included, end hour not) or on a day
    outside OPENTRM_ALERT_WORKING_DAYS (ISO: 1 Monday ... 7 Sunday), in the node's time."""
    local = timezone.localtime(moment)
    start, end = _range("OPENTRM_ALERT_WORKING_HOURS")
    first_day, last_day = _range("OPENTRM_ALERT_WORKING_DAYS")
    return not (first_day <= local.isoweekday() <= last_day and start <= local.hour < end)


@dataclass
class _Tally:
    start: datetime
    end: datetime
    sequences: list[int] = field(default_factory=list)
    cases: set[str] = field(default_factory=set)


def _window_start(moment: datetime, minutes: int) -> datetime:
    seconds = minutes * 60
    return datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, tz=moment.tzinfo)


def _case_of(target_type: str, target_id: str, detail: dict[str, object] | None) -> str | None:
    if target_type == CASE_LABEL:
        return target_id
    case_id = (detail or {}).get("case_id")
    return str(case_id) if case_id is not None else None


def _tallies(events: Iterable[tuple]) -> dict[tuple[str, int, int, str], _Tally]:  # type: ignore[type-arg]
    minutes = settings.OPENTRM_ALERT_WINDOW_MINUTES
    tallies: dict[tuple[str, int, int, str], _Tally] = {}
    for (
        sequence,
        occurred_at,
        event_type,
        user_id,
        org_id,
        target_type,
        target_id,
        detail,
    ) in events:
        found: list[tuple[AlertKind, str, datetime, datetime]] = []
        start = _window_start(occurred_at, minutes)
        window = (start, start + timedelta(minutes=minutes))
        if event_type in READ_EVENTS:
            found.append((AlertKind.MANY_CASES, start.isoformat(), *window))
            if outside_working_hours(occurred_at):
                day = timezone.localtime(occurred_at).date()
                day_start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
                found.append(
                    (AlertKind.OFF_HOURS, day.isoformat(), day_start, day_start + timedelta(days=1))
                )
        if is_export(event_type):
            found.append((AlertKind.MASS_EXPORT, start.isoformat(), *window))
        for kind, bucket, begin, end in found:
            tally = tallies.setdefault((kind, user_id, org_id, bucket), _Tally(begin, end))
            tally.sequences.append(sequence)
            case = _case_of(target_type, target_id, detail)
            if case is not None:
                tally.cases.add(case)
    return tallies


def _over_threshold(kind: str, tally: _Tally) -> int:
    """The count that makes an alert, or 0."""
    if kind == AlertKind.MANY_CASES:
        return len(tally.cases) if len(tally.cases) > settings.OPENTRM_ALERT_CASES else 0
    if kind == AlertKind.MASS_EXPORT:
        return len(tally.sequences) if len(tally.sequences) > settings.OPENTRM_ALERT_EXPORTS else 0
    return len(tally.sequences)  # off hours: any


def detect_unusual_access(*, hours: int = 24, now: datetime | None = None) -> list[AccessAlert]:
    """Raise the alerts found in the events of the last ``hours``; returns the new ones."""
    now = now or timezone.now()
    events = (
        AuditEvent.objects.filter(
            occurred_at__gte=now - timedelta(hours=hours),
            occurred_at__lte=now,
            actor_id__isnull=False,
            organisation_id__isnull=False,
        )
        .filter(
            Q(event_type__in=[event.value for event in READ_EVENTS])
            | Q(event_type__endswith="_EXPORTED")
            | Q(event_type__endswith="_PRINTED")
            | Q(event_type__in=[EventType.RESOURCE_DOWNLOADED.value])
        )
        .order_by("sequence")
        .values_list(
            "sequence",
            "occurred_at",
            "event_type",
            "actor_id",
            "organisation_id",
            "target_type",
            "target_id",
            "detail",
        )
    )
    raised = []
    for (kind, user_id, org_id, bucket), tally in _tallies(events.iterator()).items():
        count = _over_threshold(kind, tally)
        if count:
            alert = _raise(kind, user_id, org_id, bucket, tally, count)
            if alert is not None:
                raised.append(alert)
    return raised


def _raise(
    kind: str, user_id: int, org_id: int, bucket: str, tally: _Tally, count: int
) -> AccessAlert | None:
    key = f"{kind}:{user_id}:{org_id}:{bucket}"
    if AccessAlert.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            alert = AccessAlert.objects.create(
                key=key,
                kind=kind,
                user_id=user_id,
                organisation_id=org_id,
                window_start=tally.start,
                window_end=tally.end,
                count=count,
                first_sequence=min(tally.sequences),
                last_sequence=max(tally.sequences),
            )
            record_event(
                event_type=EventType.ACCESS_ALERT_RAISED,
                actor=None,
                target=alert,
                detail={"kind": kind, "count": count, "user_id": user_id},
            )
    except IntegrityError:  # a concurrent run raised it
        return None
    return alert


# --- the officer's side ------------------------------------------------------------------------


def alerts_for(actor: Actor) -> QuerySet[AccessAlert]:
    """The alerts about users of the organisations in the officer's audit scope."""
    scope = audit_scope(actor)
    return AccessAlert.objects.filter(
        organisation_id__in=sorted(scope.organisation_ids)
    ).select_related("user", "organisation", "closed_by")


@transaction.atomic
def alert_close(*, actor: Actor, alert_id: int, note: str) -> AccessAlert:
    """The officer looked into the alert: what she found, in a note."""
    alert = alerts_for(actor).select_for_update(of=("self",)).filter(pk=alert_id).first()
    if alert is None:
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what you found.")})
    problem = text_problem(note)
    if problem:
        raise ValidationError({"note": problem})
    if alert.closed_at is not None:
        raise ConflictError(_("This alert was reviewed already."))
    alert.closed_at = timezone.now()
    alert.closed_by = actor.user
    alert.review_note = note
    alert.save(update_fields=["closed_at", "closed_by", "review_note"])
    record_event(
        event_type=EventType.ACCESS_ALERT_CLOSED,
        actor=actor,
        target=alert,
        detail={"kind": alert.kind},
    )
    return alert
