"""Key rotation in the middle of traffic, between two real nodes (separate server processes,
databases and workers, real HTTP): node A rotates its keys while packages flow both ways; its
announcement reaches B signed with the key B holds, and everything is delivered with no manual
step: no dead letter, no "update the keys", no new fingerprint comparison."""

import base64
import json
import re
import signal
import subprocess
from typing import Any

from tests.exchange.nodes import Node, Pair, wait_for


def _header(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    header: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return header


def _statuses(node: Node) -> dict[str, int]:
    rows = node.query("SELECT status, COUNT(*) FROM exchange_outboxmessage GROUP BY status")
    return {status: int(count) for status, count in rows}


def _all_delivered(*nodes: Node) -> bool:
    return all(set(_statuses(node)) == {"delivered"} for node in nodes)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGTERM)
    _, stderr = worker.communicate(timeout=60)
    assert worker.returncode == 0, stderr.decode()[-2000:]


def _signing_kids(node: Node) -> tuple[str, list[str]]:
    """(active signing kid, all signing kids) of ``node``."""
    rows = node.query("SELECT kid, active FROM exchange_nodekey WHERE use = 'sig' ORDER BY id")
    active = [kid for kid, is_active in rows if is_active]
    return active[0], [kid for kid, _ in rows]


def test_a_rotation_in_the_middle_of_traffic_delivers_everything_with_no_manual_step(
    nodes: Pair,
) -> None:
    a, b = nodes.a, nodes.b
    old_kid, _ = _signing_kids(a)
    workers = [
        node.spawn("exchange_worker", "--interval", "0.2", "--threads", "2") for node in (a, b)
    ]
    try:
        for n in range(4):
            a.ping(b, nonce=f"before-a-{n}")
            b.ping(a, nonce=f"before-b-{n}")
        out = a.run("init_node", "--rotate")
        assert "announced" in out
        new_fingerprint = re.search(r"Fingerprint:\s*(.+)", out)
        assert new_fingerprint
        for n in range(4):
            a.ping(b, nonce=f"after-a-{n}")
            b.ping(a, nonce=f"after-b-{n}")
        wait_for(lambda: _all_delivered(a, b), seconds=90, every=0.3)
        after = [a.ping(b, nonce="late-a"), b.ping(a, nonce="late-b")]
        wait_for(lambda: _all_delivered(a, b), seconds=60, every=0.3)
    finally:
        for worker in workers:
            _stop(worker)
    new_kid, _ = _signing_kids(a)
    assert new_kid != old_kid
    # B took A's new keys from the announcement: same fingerprint as A prints, still active,
    # A's old signing key accepted until its expiry, nothing waiting for an administrator.
    ((fingerprint, status, expiry, jwks),) = b.query(
        "SELECT fingerprint, status, key_expiry, public_jwks FROM exchange_peer WHERE node_id = ?",
        [a.node_id],
    )
    assert fingerprint == new_fingerprint.group(1).strip()
    assert status == "active"
    expiry = json.loads(expiry) if isinstance(expiry, str) else expiry
    assert old_kid in expiry
    jwks = json.loads(jwks) if isinstance(jwks, str) else jwks
    signing = [jwk["kid"] for jwk in jwks["keys"] if jwk["use"] == "sig"]
    assert signing[0] == new_kid  # the current one first, the retired one kept until expiry
    assert old_kid in signing
    # Nothing was refused on either side, nothing is dead.
    for node in (a, b):
        assert node.query("SELECT COUNT(*) FROM exchange_rejectioncount")[0][0] == 0
    # After the announcement was receipted, A signs for B with the new key: the last receipt A
    # gave B, and the last package B received from A.
    late_b = b.outbox(after[1])
    assert _header(late_b["receipt"])["kid"] == new_kid
    ((our_kid,),) = a.query(
        "SELECT our_signing_kid FROM exchange_peer WHERE node_id = ?", [b.node_id]
    )
    assert our_kid == new_kid
    # The key events are in both audit trails.
    for node, event in (
        (a, "EXCHANGE_KEY_ROTATED"),
        (a, "EXCHANGE_KEY_ANNOUNCED"),
        (b, "EXCHANGE_PEER_KEYS_UPDATED"),
    ):
        assert node.query("SELECT COUNT(*) FROM audit_auditevent WHERE event_type = ?", [event])[0][
            0
        ], event
