"""Exchange operations API (/api/v1/exchange/): the dashboard and the dead-letter queue.

The same services as the pages (opentrm.exchange.services.delivery); system administrators
only (Action.EXCHANGE_MANAGE). Package bodies are never returned: they are case data.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from django.http import HttpRequest
from ninja import Router

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, Schema
from opentrm.exchange.services import delivery

router = Router(tags=["exchange"], auth=member_auth(Action.EXCHANGE_MANAGE))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="exchange_")


class PeerStatsOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "peer_id": "peer.pk",
        "node_id": "peer.node_id",
        "name": "peer.name",
        "country": "peer.country_code",
        "status": "peer.status",
    }
    peer_id: int
    node_id: str
    name: str
    country: str
    status: str
    queued: int
    delivered: int
    failed: int
    dead: int
    last_error: str
    last_error_at: datetime | None
    median_round_trip_ms: float | None
    last_delivered_at: datetime | None

    # A ``delivery.PeerStats``: its counts, and the peer's own fields.


class OutboxMessageOut(Schema):
    message_id: uuid.UUID
    peer_id: int
    type: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


@_route("GET", "/peers/stats", list[PeerStatsOut])
def peer_stats(request: HttpRequest) -> Any:
    """Per peer node: packages queued, delivered, failed, dead; last error; round trip"""
    return delivery.peer_stats(acting(request))


@_route("GET", "/dead-letters", list[OutboxMessageOut])
def dead_letters(request: HttpRequest, peer: int | None = None) -> Any:
    """Packages refused by their receiver or failed too often, newest first (max 500)"""
    messages = delivery.dead_letters(acting(request), peer_id=peer)[:500]
    return list(messages)


@_route("POST", "/dead-letters/{message_id}/retry", OutboxMessageOut)
def dead_letter_retry(request: HttpRequest, message_id: uuid.UUID) -> Any:
    """Queue a dead letter again (attempts start from zero; same message id)"""
    return delivery.retry_dead_letter(actor=acting(request), message_id=message_id)
