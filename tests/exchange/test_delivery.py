"""Delivery between two real nodes (separate server processes and databases, real HTTP):
a package and its receipt, a receiving node that is down, a worker killed between posting and
recording, and clocks that differ by minutes."""

import base64
import json
import signal
import subprocess
from typing import Any

from tests.exchange.nodes import Node, Pair, wait_for

OFFSET = "OPENTRM_TEST_CLOCK_OFFSET_SECONDS"


def _receipt_claims(receipt: str) -> dict[str, Any]:
    payload = receipt.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def _delivered(node: Node, message_id: str) -> dict[str, Any] | None:
    row = node.outbox(message_id)
    return row if row["status"] == "delivered" else None


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """Stop a looping worker the way a service manager does (SIGTERM): it exits cleanly."""
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr.decode()[-2000:]


def test_a_package_is_delivered_with_a_signed_receipt(nodes: Pair) -> None:
    a, b = nodes.a, nodes.b
    message_id = a.ping(b, nonce="first")
    assert a.outbox(message_id)["status"] == "queued"
    out = a.run("exchange_worker", "--once")
    # the ping, and the node's directory that the first pass sends each peer
    assert "2 picked, 2 delivered, 0 failed" in out
    row = a.outbox(message_id)
    assert row["status"] == "delivered"
    assert row["attempts"] == 1
    assert row["round_trip_ms"] is not None
    claims = _receipt_claims(row["receipt"])
    assert claims["jti"] == message_id
    assert claims["iss"] == b.node_id
    assert claims["aud"] == a.node_id
    assert claims["status"] == "stored"
    assert b.inbox_count(message_id) == 1
    # Both trails carry the message id, so they can be matched.
    for node, event in ((a, "EXCHANGE_DELIVERED"), (b, "EXCHANGE_RECEIVED")):
        details = node.query("SELECT detail FROM audit_auditevent WHERE event_type = ?", [event])
        assert any(message_id in str(detail) for (detail,) in details), event


def test_a_package_sent_while_the_receiver_is_down_arrives_once_when_it_is_back(
    nodes: Pair,
) -> None:
    a, b = nodes.a, nodes.b
    b.stop()
    try:
        message_id = a.ping(b, nonce="while-down")
        a.run("exchange_worker", "--once")
        row = a.outbox(message_id)
        assert (row["status"], row["attempts"], row["last_error"]) == (
            "failed",
            1,
            "connection_refused",
        )
    finally:
        b.start()
    worker = a.spawn("exchange_worker", "--interval", "0.2")
    try:
        row = wait_for(lambda: _delivered(a, message_id), seconds=30)
    finally:
        _stop(worker)
    assert row["attempts"] >= 2
    assert row["last_error"] == ""
    assert _receipt_claims(row["receipt"])["status"] == "stored"
    assert b.inbox_count(message_id) == 1
    a.run("exchange_worker", "--once")  # nothing is sent again
    assert b.inbox_count(message_id) == 1


def test_a_worker_killed_between_posting_and_recording_resends_and_one_copy_is_kept(
    nodes: Pair,
) -> None:
    a, b = nodes.a, nodes.b
    message_id = a.ping(b, nonce="killed")
    # The worker posts, then (test hook) sleeps before recording the receipt: killed there.
    worker = a.spawn("exchange_worker", "--once", OPENTRM_EXCHANGE_TEST_PAUSE_AFTER_POST="120")
    try:
        wait_for(lambda: b.inbox_count(message_id) == 1, seconds=30)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    row = a.outbox(message_id)
    assert row["status"] == "queued"  # sent and stored, but not recorded as delivered
    assert row["attempts"] == 1
    worker = a.spawn("exchange_worker", "--interval", "0.2")
    try:
        row = wait_for(lambda: _delivered(a, message_id), seconds=30)
    finally:
        _stop(worker)
    assert row["attempts"] == 2
    assert _receipt_claims(row["receipt"])["status"] == "duplicate"
    assert b.inbox_count(message_id) == 1


def test_clocks_minutes_apart_still_deliver_both_ways(nodes: Pair) -> None:
    a, b = nodes.a, nodes.b
    b.start(**{OFFSET: "180"})  # node B's clock runs three minutes ahead
    try:
        # A -> B: the package looks three minutes old to B.
        to_b = a.ping(b, nonce="skew-to-b")
        a.run("exchange_worker", "--once")
        assert a.outbox(to_b)["status"] == "delivered"
        assert b.inbox_count(to_b) == 1
        # B -> A: the package looks three minutes early to A, within the allowed skew.
        to_a = b.ping(a, nonce="skew-to-a")
        b.run("exchange_worker", "--once", **{OFFSET: "180"})
        assert b.outbox(to_a)["status"] == "delivered"
        assert a.inbox_count(to_a) == 1
        # The offset is real: beyond the allowed skew (300 s) A refuses, and says why.
        too_early = b.ping(a, nonce="skew-too-far")
        b.run("exchange_worker", "--once", **{OFFSET: "420"})
        row = b.outbox(too_early)
        assert (row["status"], row["last_error"]) == ("dead", "rejected:expired")
        assert a.inbox_count(too_early) == 0
    finally:
        b.start()
