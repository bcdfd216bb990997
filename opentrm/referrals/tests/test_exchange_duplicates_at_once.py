"""The same referral package from a peer handled twice at the same moment (two copies in the
inbox, two workers): one incoming referral is stored, the other copy is refused as a duplicate
and keeps nothing. On PostgreSQL the two transactions really overlap. Fictional data only."""

import os
import threading
import uuid
from queue import SimpleQueue

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.core.tests.threads import run_at_once
from opentrm.exchange import handlers
from opentrm.exchange.models import InboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral
from opentrm.referrals.tests.test_exchange_link import _referral_package, processed


@pytest.mark.django_db(transaction=True)
@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_two_copies_of_a_package_handled_at_once_store_one_referral(world: World) -> None:
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    original, body = _referral_package(world)
    al = peer("AL")
    copies = [
        InboxMessage.objects.create(
            message_id=uuid.uuid4(), peer=al, type="referral", body=body, issued_at=timezone.now()
        )
        for _ in range(2)
    ]
    pending: SimpleQueue[InboxMessage] = SimpleQueue()
    for message in copies:
        pending.put(message)
    barrier = threading.Barrier(2)

    def handle() -> None:
        message = pending.get()
        barrier.wait()
        handlers.dispatch(message)

    assert _failures(run_at_once(handle, times=2)) == []
    received = Referral.objects.filter(origin_node="node-al", origin_reference=original.reference)
    assert received.count() == 1
    outcomes = sorted(processed(message).get("error", "created") for message in copies)
    assert outcomes == ["created", "duplicate_reference"]
    for message in copies:
        message.refresh_from_db()
    refused = next(message for message in copies if message.referral_id is None)
    assert (refused.body, refused.signed) == ({}, "")


@pytest.mark.django_db(transaction=True)
@override_settings(OPENTRM_NODE_COUNTRY="MD")
def test_a_refused_package_two_workers_handle_at_once_is_recorded_once(world: World) -> None:
    """A package for another country, picked up by two workers at the same moment: refused,
    its content dropped, and one processing record in the audit trail, not two."""
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        pytest.skip("needs PostgreSQL (DATABASE_URL): SQLite serialises every writer")
    _original, body = _referral_package(world)
    message = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=peer("AL"),
        type="referral",
        body=body,
        issued_at=timezone.now(),
    )
    barrier = threading.Barrier(2)

    def handle() -> None:
        barrier.wait()
        handlers.dispatch(InboxMessage.objects.get(pk=message.pk))

    assert _failures(run_at_once(handle, times=2)) == []
    assert processed(message)["error"] == "wrong_country"  # exactly one record (.get)
    message.refresh_from_db()
    assert message.processed_at is not None
    assert (message.body, message.signed) == ({}, "")
    assert not Referral.objects.filter(origin_node="node-al").exists()


def _failures(outcomes: list[object]) -> list[str]:
    return [type(outcome).__name__ for outcome in outcomes if isinstance(outcome, BaseException)]
