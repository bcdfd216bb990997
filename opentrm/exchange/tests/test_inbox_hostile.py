"""Issue 9: hostile packages get a protocol code, never a 500, and cannot fill the audit trail.

Nesting is refused before anything is parsed (the outer header) or before the signature is
checked (inside the encrypted content); a refused package is counted per sender, code and
hour, and only the first of each is written to the audit trail.
"""

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from joserfc import jwe

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.exchange import crypto
from opentrm.exchange.keys import CONTENT_ENC, KEY_WRAP_ALG
from opentrm.exchange.models import InboxMessage, KeyUse, RejectionCount
from opentrm.exchange.services.rejections import rejection_record
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node
from opentrm.exchange.tests.test_inbox import post

__all__ = ["foreign", "node"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _nested(depth: int) -> bytes:
    return b'{"a": ' + b"[" * depth + b"]" * depth + b"}"


def _encrypted(plaintext: bytes) -> str:
    """A JWE to this node around any content: anyone can make one (the key is public)."""
    jwk = crypto._first_key_of_use(crypto.public_jwks(), KeyUse.ENCRYPTION) or {}
    return jwe.encrypt_compact(
        {"alg": KEY_WRAP_ALG, "enc": CONTENT_ENC, "kid": jwk["kid"], "cty": crypto.PACKAGE_TYP},
        plaintext,
        crypto._import_public(jwk),
        registry=crypto._jwe_registry(),
    )


def _refused(response: Any, code: str) -> None:
    assert response.status_code < 500
    assert response.json()["code"] == code
    assert InboxMessage.objects.count() == 0


def test_a_header_nested_3000_levels_is_malformed_not_a_server_error(node: OwnNode) -> None:
    token = ".".join([_b64(_nested(3000)), "a", "b", "c", "d"])
    _refused(post(token), "malformed")


@pytest.mark.parametrize(
    ("header", "said"),
    [
        ("A", "A header is not base64url-encoded JSON."),  # no base64 text has 4n+1 characters
        (_b64(b"not json"), "A header is not JSON."),
        (_b64(b"\xff\xfe{}"), "A header is not JSON."),  # not UTF-8
        (_b64(b'["alg", "ECDH-ES+A256KW"]'), "A header is not a JSON object."),
    ],
    ids=["not base64", "not JSON", "not UTF-8", "a list"],
)
def test_a_header_that_is_not_a_json_object_is_malformed_and_says_why(
    node: OwnNode, header: str, said: str
) -> None:
    response = post(".".join([header, "a", "b", "c", "d"]))
    _refused(response, "malformed")
    assert response.status_code == 400
    assert response.json()["message"] == said


def test_nesting_inside_the_encrypted_header_is_refused_before_the_signature(
    node: OwnNode, foreign: ForeignNode
) -> None:
    header = _b64(b'{"alg": "ES256", "typ": "opentrm-package+jws", "x": ' + _nested(3000) + b"}")
    token = _encrypted(f"{header}.{_b64(b'{}')}.c2ln".encode())
    _refused(post(token), "malformed")


def test_nesting_inside_the_encrypted_content_is_refused_before_the_signature(
    node: OwnNode, foreign: ForeignNode
) -> None:
    header = _b64(json.dumps({"alg": "ES256", "typ": crypto.PACKAGE_TYP, "kid": "x"}).encode())
    payload = _b64(b'{"iss": "opentrm-ro", "body": ' + _nested(3000) + b"}")
    _refused(post(_encrypted(f"{header}.{payload}.c2ln".encode())), "malformed")


def test_an_iat_beyond_any_calendar_is_refused_as_expired(
    node: OwnNode, foreign: ForeignNode
) -> None:
    payload = foreign.payload()
    payload["iat"] = 10**20
    _refused(post(foreign.seal(payload)), "expired")


def test_refusals_are_counted_and_only_the_first_of_the_hour_is_audited(
    node: OwnNode, foreign: ForeignNode
) -> None:
    for _ in range(5):
        _refused(post("not a package"), "malformed")
    stale = foreign.payload(iat=timezone.now() - timedelta(hours=2))
    for _ in range(3):
        _refused(post(foreign.seal(stale)), "expired")

    events = AuditEvent.objects.filter(event_type="EXCHANGE_REJECTED")
    assert sorted(event.detail["code"] for event in events) == ["expired", "malformed"]
    counts = {(row.peer_id, row.code): row.count for row in RejectionCount.objects.all()}
    peer_id = foreign_peer_id()
    assert counts == {(None, "malformed"): 5, (peer_id, "expired"): 3}


def test_a_new_hour_is_audited_again(node: OwnNode) -> None:
    now = timezone.now()
    assert rejection_record(code="malformed", peer=None, message_id=None, now=now)
    assert not rejection_record(code="malformed", peer=None, message_id=None, now=now)
    later = now + timedelta(hours=1)
    assert rejection_record(code="malformed", peer=None, message_id=None, now=later)
    assert AuditEvent.objects.filter(event_type="EXCHANGE_REJECTED").count() == 2
    assert sum(row.count for row in RejectionCount.objects.all()) == 3


def test_the_dashboard_shows_the_counts(node: OwnNode, world: World) -> None:
    for _ in range(4):
        post("garbage")
    client = Client()
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.get(reverse("exchange_dashboard:dashboard")).content.decode()
    assert 'id="rejections"' in page
    assert "<code>malformed</code></td>" in page
    assert ">4</td>" in page


def foreign_peer_id() -> int:
    from opentrm.exchange.models import Peer

    return Peer.objects.get(node_id=ForeignNode.node_id).pk


def test_the_inbox_answers_are_not_cached(node: OwnNode, foreign: ForeignNode) -> None:
    assert "no-store" in post("garbage")["Cache-Control"]
    assert "no-store" in post(foreign.seal(foreign.payload()))["Cache-Control"]
