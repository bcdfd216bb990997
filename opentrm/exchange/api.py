"""Exchange operations API (/api/v1/exchange/): the dashboard and the dead-letter queue.

The same services as the pages (opentrm.exchange.services.delivery and .processing); system
administrators only (Action.EXCHANGE_MANAGE). Package bodies are never returned: they are case data.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from ninja import Field, Router

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.core.api import Routes
from opentrm.core.schemas import CASE_WORK_ERRORS, IdQuery, Schema
from opentrm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus
from opentrm.exchange.services import delivery, processing

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
    refused: int  # delivered, then refused by the peer's processing (its outcome answer)
    last_error: str
    last_error_at: datetime | None
    median_round_trip_ms: float | None
    last_delivered_at: datetime | None

    # A ``delivery.PeerStats``: its counts, and the peer's own fields.


class DeadLetterOut(Schema):
    """A dead letter: one this node could not send (``outgoing``) or one it received whose
    handler failed for good (``incoming``; it has no send or delivery times)."""

    message_id: uuid.UUID
    direction: Literal["outgoing", "incoming"]
    peer_id: int
    type: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    created_at: datetime

    @staticmethod
    def resolve_direction(message: OutboxMessage | InboxMessage) -> str:
        return "incoming" if isinstance(message, InboxMessage) else "outgoing"

    @staticmethod
    def resolve_status(message: OutboxMessage | InboxMessage) -> str:
        """An incoming one is ``dead`` until retried, then ``queued`` for its handler."""
        if isinstance(message, OutboxMessage):
            return message.status
        return OutboxStatus.DEAD if message.dead_at else OutboxStatus.QUEUED


@_route("GET", "/peers/stats", list[PeerStatsOut])
def peer_stats(request: HttpRequest) -> Any:
    """Per peer node: packages queued, delivered, failed, dead, refused after delivery; last
    error; round trip"""
    return delivery.peer_stats(acting(request))


@_route("GET", "/dead-letters", list[DeadLetterOut])
def dead_letters(request: HttpRequest, peer: IdQuery | None = None) -> Any:
    """Dead letters both ways, newest first (max 500): packages refused by their receiver or
    failed too often (``outgoing``), received packages whose handler failed for good
    (``incoming``)"""
    return processing.all_dead_letters(acting(request), peer_id=peer)


class BulkRetryIn(Schema):
    """Either ``message_ids`` (a selection, at most 500) or every dead letter of ``peer`` (all
    peers when it is omitted)."""

    peer: int | None = None
    message_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class BulkRetryOut(Schema):
    retried: int
    skipped: int


@_route("POST", "/dead-letters/retry", BulkRetryOut)
def dead_letters_retry(request: HttpRequest, payload: BulkRetryIn) -> Any:
    """Queue dead letters again in bulk: a selection, all of one peer, or all; each one is
    audited like a single retry. Those of a node that is not active are skipped"""
    return processing.retry_dead_letters(
        actor=acting(request), peer_id=payload.peer, message_ids=payload.message_ids
    )


@_route("POST", "/dead-letters/{message_id}/retry", DeadLetterOut)
def dead_letter_retry(request: HttpRequest, message_id: uuid.UUID) -> Any:
    """Queue a dead letter again (attempts start from zero; same message id): an outgoing one
    is sent again, an incoming one handed to its handler again"""
    return processing.retry_any_dead_letter(actor=acting(request), message_id=message_id)
