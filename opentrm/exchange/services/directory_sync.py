"""Directory federation over the exchange (issue 13; docs/directory-federation.md).

Publishing: a directory write announces the organisations it touched
(``directory.signals.organisations_changed``, inside its transaction); :func:`on_changed` writes
one ``DirectoryChange`` row per peer in that same transaction. Each worker pass
(:func:`publish_due`, before sending) queues, for every active peer, the full snapshot of this
node's shareable entries the first time it finds the peer active, and afterwards the entries
changed since. The packages go through the outbox like every other (signed, encrypted,
receipted, retried).

Receiving: :func:`receive_directory` applies a peer's ``directory`` package as read-only copies
(``directory.federation.mirror_apply``): only entries of the peer's own country, never of this
node's country.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory import federation
from opentrm.exchange import handlers, outbox, outcomes
from opentrm.exchange.models import (
    DirectoryChange,
    DirectoryFeed,
    InboxMessage,
    MessageType,
    Peer,
    PeerStatus,
)

logger = logging.getLogger(__name__)

PART_SIZE = 500  # organisations per package: well under OPENTRM_EXCHANGE_MAX_BYTES


def own_country() -> str:
    return str(settings.OPENTRM_NODE_COUNTRY or "").upper()


# --- publishing ----------------------------------------------------------------------------------


def on_changed(sender: Any, organisation_ids: list[int], **kwargs: Any) -> None:
    """Remember, for every peer, that these organisations changed (in the change's transaction).

    Every registered peer, whatever its status: a pending peer's rows are dropped when its
    snapshot is queued, a suspended peer's wait until it is resumed."""
    peers = list(Peer.objects.values_list("pk", flat=True))
    DirectoryChange.objects.bulk_create(
        [DirectoryChange(peer_id=p, organisation_id=o) for p in peers for o in organisation_ids],
        batch_size=1000,
    )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)] or [[]]


def _queue(peer: Peer, body: dict[str, Any]) -> None:
    outbox.enqueue(peer=peer, type=MessageType.DIRECTORY, body=body)


def _snapshot(peer: Peer, feed: DirectoryFeed, now: datetime) -> int:
    """Queue the full snapshot for ``peer``: the changes noted before it are covered by it."""
    pending = list(DirectoryChange.objects.filter(peer=peer).values_list("pk", flat=True))
    published = federation.published_records(own_country(), None)
    parts = _chunks(published.records, PART_SIZE)
    for number, records in enumerate(parts, start=1):
        body: dict[str, Any] = {
            "mode": "snapshot",
            "country": own_country(),
            "as_of": now.isoformat(),
            "part": number,
            "parts": len(parts),
            "organisations": records,
            "removed": [],
        }
        if number == len(parts):
            body["present"] = [record["id"] for record in published.records]
        _queue(peer, body)
    DirectoryChange.objects.filter(pk__in=pending).delete()
    feed.snapshot_queued_at = feed.last_published_at = now
    feed.save(update_fields=["snapshot_queued_at", "last_published_at", "updated_at"])
    _audit(peer, "snapshot", len(published.records), 0, len(parts))
    return len(parts)


def _changes(peer: Peer, feed: DirectoryFeed, now: datetime) -> int:
    rows = list(DirectoryChange.objects.filter(peer=peer).values_list("pk", "organisation_id"))
    if not rows:
        return 0
    published = federation.published_records(own_country(), {org for _pk, org in rows})
    parts = _chunks(published.records, PART_SIZE)
    for number, records in enumerate(parts, start=1):
        _queue(
            peer,
            {
                "mode": "changes",
                "country": own_country(),
                "as_of": now.isoformat(),
                "organisations": records,
                "removed": published.removed if number == len(parts) else [],
            },
        )
    DirectoryChange.objects.filter(pk__in=[pk for pk, _org in rows]).delete()
    feed.last_published_at = now
    feed.save(update_fields=["last_published_at", "updated_at"])
    _audit(peer, "changes", len(published.records), len(published.removed), len(parts))
    return len(parts)


def _audit(peer: Peer, mode: str, organisations: int, removed: int, packages: int) -> None:
    record_event(
        event_type=EventType.DIRECTORY_PUBLISHED,
        actor=None,
        target=peer,
        detail={
            "peer_id": peer.pk,
            "mode": mode,
            "organisations": organisations,
            "removed": removed,
            "packages": packages,
        },
    )


def publish_due(now: datetime | None = None) -> int:
    """Queue the directory packages due for every active peer; how many were queued."""
    if not own_country():
        return 0
    queued = 0
    for peer in Peer.objects.filter(status=PeerStatus.ACTIVE).order_by("pk"):
        with transaction.atomic():
            feed, _ = DirectoryFeed.objects.select_for_update().get_or_create(peer=peer)
            moment = now or timezone.now()
            if feed.snapshot_queued_at is None:
                queued += _snapshot(peer, feed, moment)
            else:
                queued += _changes(peer, feed, moment)
    return queued


# --- receiving -----------------------------------------------------------------------------------


def _processed(message: InboxMessage, outcome: str, **detail: Any) -> None:
    message.processed_at = timezone.now()
    # The entries now live in the directory; the signed package keeps the sender's proof.
    message.body = {}
    message.save(update_fields=["processed_at", "body", "updated_at"])
    outcomes.audit_processed(message, outcome, **detail)


def _refusal(peer: Peer, body: dict[str, Any]) -> str:
    country = str(body.get("country") or "")
    if country != peer.country_code.upper():
        return "wrong_country"  # a node is the authority for its own country only
    if country == own_country():
        return "own_country"  # nobody else publishes this node's country
    return ""


@handlers.register(MessageType.DIRECTORY)
def receive_directory(message: InboxMessage) -> None:
    """A peer's directory entries, applied once as read-only copies marked with the peer."""
    with transaction.atomic():
        # Lock the message row only: a lock on the peer's row too would make every package
        # the inbox stores meanwhile (its foreign key to the peer) wait for this one.
        locked = InboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.processed_at is not None:
            return
        body, peer = locked.body, Peer.objects.get(pk=locked.peer_id)
        refusal, as_of = _refusal(peer, body), timezone.now()
        try:
            as_of = datetime.fromisoformat(str(body.get("as_of")))
        except ValueError:
            refusal = refusal or "schema_invalid"
        if refusal:
            locked.signed = ""
            locked.save(update_fields=["signed"])
            _processed(locked, "refused", error=refusal)
            logger.warning("directory package %s refused: %s", locked.message_id, refusal)
            return
        result = federation.mirror_apply(
            node_id=peer.node_id,
            country_code=peer.country_code,
            as_of=as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC),
            records=body["organisations"],
            removed=body.get("removed") or [],
            present=body.get("present"),
            actor=None,
            detail={"message_id": str(locked.message_id), "mode": body["mode"]},
        )
        _processed(locked, "applied", **result.as_detail())
