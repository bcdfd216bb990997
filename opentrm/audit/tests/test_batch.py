"""Events recorded together (``events_batched``, issue 13: the exchange's accept path): one
lock of the chain's head and one write of it for all, the chain intact, receivers told."""

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from opentrm.audit.chain import GENESIS_HASH, verify_chain
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditChainHead, AuditEvent
from opentrm.audit.services import events_batched, record_event
from opentrm.audit.tests.tampering import disable_triggers, enable_triggers

pytestmark = pytest.mark.django_db


def test_events_recorded_in_a_batch_join_the_chain_in_order_with_one_lock() -> None:
    record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 0})
    told: list[tuple[int, str]] = []

    def receiver(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
        told.append((instance.sequence, instance.event_type))
        assert created
        assert instance.pk is not None

    post_save.connect(receiver, sender=AuditEvent, dispatch_uid="test_batch")
    try:
        with (
            transaction.atomic(),
            CaptureQueriesContext(connection) as queries,
            events_batched(),
        ):
            for number, kind in enumerate(
                (
                    EventType.REFERRAL_CREATED,
                    EventType.EXCHANGE_SENT,
                    EventType.EXCHANGE_PROCESSED,
                )
            ):
                event = record_event(event_type=kind, actor=None, detail={"n": number + 1})
                assert event.pk is None  # not in the chain before the block ends
            assert AuditEvent.objects.count() == 1
    finally:
        post_save.disconnect(sender=AuditEvent, dispatch_uid="test_batch")
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(e.sequence, e.detail["n"]) for e in events] == [(1, 0), (2, 1), (3, 2), (4, 3)]
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert AuditChainHead.objects.get().last_sequence == 4
    assert AuditChainHead.objects.get().last_hash == events[-1].hash
    assert verify_chain() == []
    assert told == [
        (2, EventType.REFERRAL_CREATED.value),
        (3, EventType.EXCHANGE_SENT.value),
        (4, EventType.EXCHANGE_PROCESSED.value),
    ]
    # the head locked once, the three events in one INSERT, the head written once
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "audit_audit" in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert len(writes) == 3


def test_a_batch_that_fails_appends_nothing_and_the_next_event_follows_the_chain() -> None:
    record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 0})

    def failing_handler() -> None:
        with transaction.atomic(), events_batched():
            record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 1})
            raise ValueError("the handler failed")

    with pytest.raises(ValueError, match="the handler failed"):
        failing_handler()
    record_event(event_type=EventType.EXCHANGE_FAILED, actor=None, detail={"n": 2})
    assert [e.detail["n"] for e in AuditEvent.objects.order_by("sequence")] == [0, 2]
    assert verify_chain() == []


def test_a_nested_batch_appends_with_the_outer_one_and_a_batch_needs_a_transaction() -> None:
    with transaction.atomic(), events_batched():
        record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 1})
        with events_batched():
            record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 2})
        assert not AuditEvent.objects.exists()
    assert [e.detail["n"] for e in AuditEvent.objects.order_by("sequence")] == [1, 2]
    assert verify_chain() == []


@pytest.mark.django_db(transaction=True)
def test_a_batch_outside_a_transaction_is_refused() -> None:
    with pytest.raises(TransactionManagementError), events_batched():
        pass


def test_a_batch_that_records_nothing_leaves_the_chain_untouched() -> None:
    record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 0})
    head_before = AuditChainHead.objects.values_list("last_sequence", "last_hash").get()

    with (
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
        events_batched(),
    ):
        pass

    assert AuditChainHead.objects.values_list("last_sequence", "last_hash").get() == head_before
    assert AuditEvent.objects.count() == 1
    assert not [q for q in queries.captured_queries if "audit_audit" in q["sql"]]


def test_a_batch_on_a_node_without_a_chain_head_starts_the_chain_at_the_genesis_hash() -> None:
    """A database emptied by ``flush`` has no head row: the first batch creates it."""
    disable_triggers()
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    enable_triggers()

    with transaction.atomic(), events_batched():
        record_event(event_type=EventType.EXCHANGE_SENT, actor=None, detail={"n": 1})
        record_event(event_type=EventType.EXCHANGE_PROCESSED, actor=None, detail={"n": 2})

    first, second = AuditEvent.objects.order_by("sequence")
    assert (first.sequence, first.previous_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.previous_hash) == (2, first.hash)
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (2, second.hash)
    assert verify_chain() == []
