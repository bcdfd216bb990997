"""Packages the inbox refused: counted, and sampled into the audit trail (issue 9).

The inbox answers anyone, and every audit row stays for good: one row per refused package
would let a stranger fill the database (about 590 bytes a row; 64 requests a second is 3 GB a
day). So each refusal adds one to a counter per sender, code and hour, and only the first of
each hour is written to the audit trail.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.exchange.models import Peer, RejectionCount


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@transaction.atomic
def rejection_record(
    *, code: str, peer: Peer | None, message_id: uuid.UUID | None, now: datetime
) -> bool:
    """Count one refused package; audit it when it is the first of its sender, code and hour.
    True when it was audited."""
    key = peer.pk if peer is not None else 0
    hour = _hour(now)
    same = RejectionCount.objects.filter(sender_key=key, code=code, hour=hour)
    if same.update(count=F("count") + 1):
        return False
    try:
        with transaction.atomic():
            RejectionCount.objects.create(sender_key=key, peer=peer, code=code, hour=hour, count=1)
    except IntegrityError:  # a concurrent refusal opened the hour first
        same.update(count=F("count") + 1)
        return False
    detail: dict[str, Any] = {"code": code}
    if peer is not None:
        detail["peer_id"] = peer.pk
    if message_id is not None:
        detail["message_id"] = str(message_id)
    record_event(
        event_type=EventType.EXCHANGE_REJECTED,
        actor=None,
        target_type="exchange.peer" if peer is not None else "",
        target_id=peer.pk if peer is not None else "",
        detail=detail,
    )
    return True


@dataclass(frozen=True)
class RejectionLine:
    peer: Peer | None
    code: str
    count: int


def rejection_summary(*, since: datetime) -> list[RejectionLine]:
    """Refusals since ``since`` per sender and code, most first (for the dashboard)."""
    rows = (
        RejectionCount.objects.filter(hour__gte=_hour(since))
        .values("sender_key", "code")
        .annotate(total=Sum("count"))
        .order_by("-total", "sender_key", "code")
    )
    peers = Peer.objects.in_bulk([row["sender_key"] for row in rows if row["sender_key"]])
    return [
        RejectionLine(peer=peers.get(row["sender_key"]), code=row["code"], count=row["total"])
        for row in rows
    ]


def last_day(now: datetime) -> datetime:
    return now - timedelta(hours=24)
