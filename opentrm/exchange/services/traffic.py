"""What the exchange dashboard shows besides the outbox (issue 13 §3): the packages received per
peer and how their processing went, the packages a peer refused after delivery (its outcome
answer), and the received packages whose processing fails. Counts, codes and ids only: never a
package's body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from opentrm.accounts.policy import Action, Actor, require
from opentrm.exchange import outcomes
from opentrm.exchange.models import InboxMessage, OutboxMessage, Outcome, Peer

LIST_LIMIT = 20


@dataclass
class IncomingStats:
    """One peer's received packages by how their processing went."""

    peer: Peer
    received: int = 0
    applied: int = 0
    refused: int = 0
    waiting: int = 0
    failing: int = 0
    dead: int = 0
    last_received_at: datetime | None = None


def incoming_stats(actor: Actor) -> list[IncomingStats]:
    """Per peer: received packages applied, refused, waiting for an earlier one, failing (tried
    again by the worker) and dead letters."""
    require(actor, Action.EXCHANGE_MANAGE)
    rows = Peer.objects.order_by("country_code", "name").annotate(
        n_received=Count("inbox"),
        n_applied=Count("inbox", filter=Q(inbox__outcome=Outcome.APPLIED)),
        n_refused=Count("inbox", filter=Q(inbox__outcome=Outcome.REFUSED)),
        n_waiting=Count(
            "inbox",
            filter=Q(
                inbox__processed_at__isnull=True,
                inbox__dead_at__isnull=True,
                inbox__last_error="waiting_for_previous",
            ),
        ),
        n_failing=Count(
            "inbox",
            filter=Q(inbox__processed_at__isnull=True, inbox__dead_at__isnull=True)
            & ~Q(inbox__last_error__in=["", "waiting_for_previous"]),
        ),
        n_dead=Count(
            "inbox", filter=Q(inbox__dead_at__isnull=False, inbox__processed_at__isnull=True)
        ),
    )
    stats = []
    for peer in rows:
        last = peer.inbox.order_by("-created_at").values_list("created_at", flat=True).first()
        stats.append(
            IncomingStats(
                peer=peer,
                received=peer.n_received,
                applied=peer.n_applied,
                refused=peer.n_refused,
                waiting=peer.n_waiting,
                failing=peer.n_failing,
                dead=peer.n_dead,
                last_received_at=last,
            )
        )
    return stats


@dataclass
class RefusedPackage:
    message: OutboxMessage
    reason: str


def refused_by_peers(actor: Actor, *, limit: int = LIST_LIMIT) -> list[RefusedPackage]:
    """The latest packages a peer received and then refused (its outcome answer), with the
    reason in this node's language (the peer's own words when the code is unknown here)."""
    require(actor, Action.EXCHANGE_MANAGE)
    refused = (
        OutboxMessage.objects.filter(outcome=Outcome.REFUSED)
        .select_related("peer")
        .order_by("-outcome_at", "-id")[:limit]
    )
    return [
        RefusedPackage(
            message=message,
            reason=outcomes.reason(message.outcome_code)
            if message.outcome_code in outcomes.REASONS
            else message.outcome_reason or message.outcome_code,
        )
        for message in refused
    ]


def processing_failures(actor: Actor, *, limit: int = LIST_LIMIT) -> QuerySet[InboxMessage]:
    """Received packages whose processing fails (tried again, or dead letters), and those this
    node refused, newest first."""
    require(actor, Action.EXCHANGE_MANAGE)
    failing = Q(processed_at__isnull=True) & ~Q(last_error__in=["", "waiting_for_previous"])
    return (
        InboxMessage.objects.filter(failing | Q(outcome=Outcome.REFUSED))
        .select_related("peer")
        .defer("body", "signed")
        .order_by("-updated_at", "-id")[:limit]
    )
