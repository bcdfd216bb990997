"""Between two real nodes (separate server processes, databases and workers, real HTTP):

- key rotation in the middle of traffic: node A rotates its keys while packages flow both ways;
  its announcement reaches B signed with the key B holds, and everything is delivered with no
  manual step (no dead letter, no "update the keys", no new fingerprint comparison);
- the answer: a referral addressed to another country is refused by B, which keeps none of its
  personal data, and A's dashboard shows the refusal instead of "delivered"."""

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


MARK = "ROTATION:"


def queue_misaddressed_referral() -> None:
    """Run inside node A (``opentrm shell -c``): a referral package for B (RO) that names
    Moldova as the receiving country; every value fictional."""
    from django.db import transaction

    from opentrm.exchange import outbox
    from opentrm.exchange.models import Peer

    peer = Peer.objects.get(country_code="RO")
    body = {
        "referral": {
            "reference": "AL-MISADDRESSED-1",
            "kind": "transnational",
            "urgency": "urgent",
            "sender_organisation": "Fictional National Referral Office",
            "sender_country": "AL",
            "receiver_organisation": "Imaginary Moldovan Shelter",
            "receiver_country": "MD",
            "template_profile": {"country": "AL", "version": 1},
            "template_version": 1,
            "consent_ref": "consent-misaddressed",
            "agreement_id": "agreement-fictional-1",
        },
        "sections": {"s1_1": {"givenName": "Fictiva", "familyName": "Misaddressed"}},
        "withheld": [],
    }
    with transaction.atomic():
        message = outbox.enqueue(peer=peer, type="referral", body=body)
    print(MARK + str(message.message_id))


def _login(node: Node) -> Any:
    """An HTTP opener logged in as the node's exchange administrator."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from tests.exchange.nodes import ADMIN, ADMIN_PASSWORD

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{node.base_url}/account/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page[:500]
    data = urllib.parse.urlencode(
        {"username": ADMIN, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    request = urllib.request.Request(
        f"{node.base_url}/account/login/", data=data, headers={"Referer": node.base_url + "/"}
    )
    opener.open(request).read()
    return opener


def test_a_referral_for_another_country_is_refused_and_the_sender_shows_why(
    nodes: Pair,
) -> None:
    a, b = nodes.a, nodes.b
    out = a.run(
        "shell",
        "-c",
        "from tests.exchange.test_key_rotation import queue_misaddressed_referral as q; q()",
    )
    found = re.search(re.escape(MARK) + r"(\S+)", out)
    assert found, out
    message_id = found.group(1)
    a.run("exchange_worker", "--once")  # A -> B: delivered, B refuses it while storing
    b.run("exchange_worker", "--once")  # B -> A: the outcome
    ((outcome, code, reason),) = a.query(
        "SELECT outcome, outcome_code, outcome_reason FROM exchange_outboxmessage "
        "WHERE message_id = ?",
        [a.database.uuid_param(message_id)],
    )
    assert (outcome, code) == ("refused", "wrong_country")
    assert "another country" in reason
    # B kept nothing of the package's content.
    ((body, signed),) = b.query(
        "SELECT body, signed FROM exchange_inboxmessage WHERE message_id = ?",
        [b.database.uuid_param(message_id)],
    )
    stored = json.loads(body) if isinstance(body, str) else body
    assert stored == {}
    assert "Misaddressed" not in str(body)
    assert signed == ""
    # A's dashboard shows the refusal and why.
    page = _login(a).open(f"{a.base_url}/exchange/dashboard/").read().decode()
    assert message_id in page
    assert "wrong_country" in page
