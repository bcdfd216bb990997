"""The exchange services' remaining edges: a package's order claims, the dead letters of one
node, the claim on a database that locks the rows it reads, a refusal counted twice in one
hour, and packages about one referral applied in the sender's order."""

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.exchange import clock, handlers, outbox
from opentrm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus, Peer
from opentrm.exchange.services import delivery, processing, rejections
from tests.exchange.fakes import fictional_peer

TYPE = "ping"  # no handler in production: the order tests register their own


# --- delivery -------------------------------------------------------------------------------


def test_a_package_carries_its_place_in_the_referral_chain() -> None:
    previous = uuid.uuid4()
    assert delivery.order_claims(OutboxMessage(sequence=3, previous_id=previous)) == {
        "order": {"seq": 3, "prev": str(previous)}
    }
    assert delivery.order_claims(OutboxMessage(sequence=1)) == {"order": {"seq": 1}}
    assert delivery.order_claims(OutboxMessage()) == {}


def _dead(peer: Peer) -> OutboxMessage:
    message = outbox.enqueue(peer=peer, type=TYPE, body={})
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD)
    return message


def test_the_dead_letters_of_one_node_are_its_own(world: World) -> None:
    ro = fictional_peer("https://ro.example.test/")
    md = fictional_peer("https://md.example.test/", node_id="node-md", country="MD")
    of_ro, of_md = _dead(ro), _dead(md)
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    assert [m.message_id for m in delivery.dead_letters(admin, peer_id=ro.pk)] == [of_ro.message_id]
    assert {m.message_id for m in delivery.dead_letters(admin)} == {
        of_ro.message_id,
        of_md.message_id,
    }


def test_a_database_that_locks_what_it_reads_claims_the_rows_at_once(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL's path (SELECT ... FOR UPDATE SKIP LOCKED, then one update), also on SQLite,
    # which takes no row locks: the rows claimed are pushed to the end of the lease.
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", True)
    peer = fictional_peer("https://ro.example.test/")
    first = outbox.enqueue(peer=peer, type=TYPE, body={})
    second = outbox.enqueue(peer=peer, type=TYPE, body={})
    now = clock.now()
    (claimed,) = delivery._claim(now, limit=1)
    assert claimed.pk in {first.pk, second.pk}
    assert claimed.attempts == 1
    assert claimed.next_attempt_at is not None
    assert claimed.next_attempt_at > now
    left = OutboxMessage.objects.exclude(pk=claimed.pk).get()
    assert left.attempts == 0
    assert [m.pk for m in delivery._claim(now, limit=5)] == [left.pk]  # the first is leased


# --- refusals at the inbox ------------------------------------------------------------------


def test_a_second_refusal_in_the_same_hour_is_counted_not_audited(db: None) -> None:
    peer = fictional_peer("https://ro.example.test/")
    now = timezone.now()
    assert rejections.rejection_record(code="expired", peer=peer, message_id=None, now=now)
    assert not rejections.rejection_record(code="expired", peer=peer, message_id=None, now=now)
    (line,) = rejections.rejection_summary(since=now - timedelta(hours=1))
    assert (line.peer, line.code, line.count) == (peer, "expired", 2)
    assert AuditEvent.objects.filter(event_type="EXCHANGE_REJECTED").count() == 1


# --- processing in the sender's order -------------------------------------------------------


@pytest.fixture
def applied() -> Iterator[list[str]]:
    """A handler for TYPE that applies a package (its ``name`` noted, in order) unless its body
    says ``fail``; removed afterwards."""
    assert handlers.handler_for(TYPE) is None
    names: list[str] = []

    def handler(message: InboxMessage) -> None:
        if message.body.get("fail"):
            raise RuntimeError("refused by the test")
        names.append(message.body["name"])
        InboxMessage.objects.filter(pk=message.pk).update(processed_at=timezone.now())

    handlers.register(TYPE)(handler)
    yield names
    handlers._HANDLERS.pop(TYPE, None)


def _stored(
    peer: Peer, sequence: int, previous: InboxMessage | None, **body: object
) -> InboxMessage:
    return InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=peer,
        type=TYPE,
        body=body,
        issued_at=timezone.now(),
        sequence=sequence,
        previous_id=previous.message_id if previous is not None else None,
    )


def test_a_package_waits_for_the_one_before_it_then_follows_it(
    db: None, applied: list[str]
) -> None:
    peer = fictional_peer("https://ro.example.test/")
    first = InboxMessage(message_id=uuid.uuid4())  # not received yet
    second = _stored(peer, 2, first, name="second")
    third = _stored(peer, 3, second, name="third")
    assert processing.handle(second) == "waiting"
    second.refresh_from_db()
    assert (second.last_error, second.attempts, second.processed_at) == (
        "waiting_for_previous",
        0,
        None,
    )
    assert second.next_attempt_at is not None
    first = InboxMessage.objects.create(
        message_id=first.message_id,
        peer=peer,
        type=TYPE,
        body={"name": "first"},
        issued_at=timezone.now(),
        sequence=1,
    )
    assert processing.handle(first) == "processed"
    assert applied == ["first", "second", "third"]
    third.refresh_from_db()
    assert third.processed_at is not None


def test_a_follower_whose_handler_fails_stops_the_chain_there(db: None, applied: list[str]) -> None:
    peer = fictional_peer("https://ro.example.test/")
    first = _stored(peer, 1, None, name="first")
    second = _stored(peer, 2, first, fail=True)
    third = _stored(peer, 3, second, name="third")
    assert processing.handle(first) == "processed"
    assert applied == ["first"]
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.attempts, second.last_error) == (1, "RuntimeError")
    assert third.processed_at is None


def test_after_the_order_wait_a_package_no_longer_waits_for_one_that_never_came(
    db: None, applied: list[str]
) -> None:
    peer = fictional_peer("https://ro.example.test/")
    never = InboxMessage(message_id=uuid.uuid4())
    late = _stored(peer, 2, never, name="late")
    with override_settings(OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS=0):
        assert processing.handle(late) == "processed"
    assert applied == ["late"]
    (event,) = AuditEvent.objects.filter(
        event_type="EXCHANGE_FAILED", detail__message_id=str(late.message_id)
    )
    assert (event.detail["stage"], event.detail["error"]) == ("order", "previous_never_came")


def test_the_dashboard_counts_the_packages_a_node_refused_after_delivery(world: World) -> None:
    ro = fictional_peer("https://ro.example.test/")
    md = fictional_peer("https://md.example.test/", node_id="node-md", country="MD")
    refused = outbox.enqueue(peer=ro, type=TYPE, body={})
    outbox.enqueue(peer=ro, type=TYPE, body={})
    OutboxMessage.objects.filter(pk=refused.pk).update(
        status=OutboxStatus.DELIVERED, outcome="refused"
    )
    stats = {
        line.peer: line for line in delivery.peer_stats(world.actor(Role.SYSTEM_ADMINISTRATOR))
    }
    assert (stats[ro].refused, stats[ro].delivered, stats[ro].queued) == (1, 1, 1)
    assert (stats[md].refused, stats[md].queued) == (0, 0)
