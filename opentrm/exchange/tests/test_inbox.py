"""The inbox endpoint: exactly once, receipts, replays, and every rejection over HTTP."""

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jws
from pytest_django.fixtures import Settings as SettingsWrapper

from opentrm.audit.models import AuditEvent
from opentrm.exchange import crypto, handlers, views_inbox
from opentrm.exchange.models import InboxMessage, KeyUse, NodeKey, Peer, PeerStatus
from opentrm.exchange.tests.nodes import ForeignNode, OwnNode, foreign, node
from opentrm.exchange.tests.test_packages import CASES

__all__ = ["foreign", "node"]


def post(token: str | bytes, client: Client | None = None) -> Any:
    data = token.encode() if isinstance(token, str) else token
    return (client or Client(enforce_csrf_checks=True)).post(
        reverse("exchange:inbox"), data=data, content_type="application/jose"
    )


def receipt_claims(response: Any) -> dict[str, Any]:
    """Check the receipt with this node's published signing key, as the sender would."""
    assert response["Content-Type"] == "application/jose"
    key = crypto._import_public(NodeKey.objects.get(use=KeyUse.SIGNING, active=True).public_jwk)
    claims: dict[str, Any] = json.loads(jws.deserialize_compact(response.content, key).payload)
    return claims


@pytest.fixture
def calls() -> Iterator[list[uuid.UUID]]:
    seen: list[uuid.UUID] = []
    previous = handlers.handler_for("ping")
    handlers.register("ping")(lambda message: seen.append(message.message_id))
    yield seen
    handlers._HANDLERS.pop("ping", None)
    if previous is not None:
        handlers.register("ping")(previous)


def test_a_package_is_stored_once_and_receipted(
    node: OwnNode,
    foreign: ForeignNode,
    calls: list[uuid.UUID],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(foreign.seal(foreign.payload(message_id=message_id)))
    assert response.status_code == 200
    claims = receipt_claims(response)
    assert claims["jti"] == str(message_id)
    assert (claims["iss"], claims["aud"], claims["status"]) == (
        "opentrm-al",
        "opentrm-ro",
        "stored",
    )
    stored = InboxMessage.objects.get()
    assert (stored.message_id, stored.type, stored.body) == (message_id, "ping", {"nonce": "n"})
    assert stored.peer.node_id == "opentrm-ro"
    assert stored.processed_at is None
    event = AuditEvent.objects.get(event_type="EXCHANGE_RECEIVED")
    assert event.detail["message_id"] == str(message_id)
    assert set(event.detail) == {"message_id", "peer_id", "type", "status"}
    assert calls == [message_id]  # handed to the handler after the commit
    # Retention: the sender's signed package is kept, and its signature re-checks later.
    verified = jws.deserialize_compact(stored.signed, foreign.sig)
    assert json.loads(verified.payload)["jti"] == str(message_id)
    # Once the body is removed (a refused package), a retry is still a duplicate, not a replay.
    InboxMessage.objects.filter(pk=stored.pk).update(body={}, signed="")
    again = post(foreign.seal(foreign.payload(message_id=message_id)))
    assert receipt_claims(again)["status"] == "duplicate"


def test_the_same_package_again_is_a_duplicate_with_a_receipt(
    node: OwnNode, foreign: ForeignNode
) -> None:
    message_id = uuid.uuid4()
    assert post(foreign.seal(foreign.payload(message_id=message_id))).status_code == 200
    # a retry: sealed again, later, with the same message id and content
    again = post(foreign.seal(foreign.payload(message_id=message_id)))
    assert again.status_code == 200
    assert receipt_claims(again)["status"] == "duplicate"
    assert InboxMessage.objects.count() == 1


def test_the_same_id_with_other_content_is_a_replay(node: OwnNode, foreign: ForeignNode) -> None:
    message_id = uuid.uuid4()
    post(foreign.seal(foreign.payload(message_id=message_id)))
    response = post(foreign.seal(foreign.payload(message_id=message_id, body={"nonce": "other"})))
    assert response.status_code == 409
    assert response.json()["code"] == "replayed"
    assert InboxMessage.objects.get().body == {"nonce": "n"}
    event = AuditEvent.objects.get(event_type="EXCHANGE_REJECTED")
    assert event.detail == {
        "code": "replayed",
        "peer_id": Peer.objects.get(node_id="opentrm-ro").pk,
        "message_id": str(message_id),
    }


def test_the_same_id_from_another_peer_is_a_replay(node: OwnNode, foreign: ForeignNode) -> None:
    message_id = uuid.uuid4()
    post(foreign.seal(foreign.payload(message_id=message_id)))
    other = ForeignNode(node_id="opentrm-rs", country="RS")
    other.register()
    response = post(other.seal(other.payload(message_id=message_id)))
    assert (response.status_code, response.json()["code"]) == (409, "replayed")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_fault_is_rejected_stored_nowhere_and_audited(
    node: OwnNode, foreign: ForeignNode, case: str
) -> None:
    build, code, status = CASES[case]
    response = post(build(foreign))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert InboxMessage.objects.count() == 0
    event = AuditEvent.objects.get(event_type="EXCHANGE_REJECTED")
    assert event.detail["code"] == code
    assert set(event.detail) <= {"code", "peer_id", "message_id"}


@pytest.mark.parametrize(
    ("status", "code", "http"),
    [(PeerStatus.SUSPENDED, "sender_suspended", 403), (PeerStatus.PENDING, "unknown_sender", 401)],
)
def test_a_suspended_or_unconfirmed_sender_is_rejected(
    node: OwnNode, status: str, code: str, http: int
) -> None:
    other = ForeignNode()
    peer = other.register(status=status)
    response = post(other.seal(other.payload()))
    assert (response.status_code, response.json()["code"]) == (http, code)
    assert InboxMessage.objects.count() == 0
    event = AuditEvent.objects.get(event_type="EXCHANGE_REJECTED")
    assert event.detail["peer_id"] == peer.pk


def test_a_package_over_the_size_limit_is_rejected_before_it_is_read(
    node: OwnNode, foreign: ForeignNode, settings: SettingsWrapper
) -> None:
    package = foreign.seal(foreign.payload(body={"nonce": "x" * 100}))
    settings.OPENTRM_EXCHANGE_MAX_BYTES = len(package) - 1
    response = post(package)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    assert InboxMessage.objects.count() == 0
    assert AuditEvent.objects.get(event_type="EXCHANGE_REJECTED").detail == {"code": "too_large"}
    settings.OPENTRM_EXCHANGE_MAX_BYTES = len(package)
    assert post(package).status_code == 200


def test_the_inbox_takes_posts_only_and_needs_no_session(
    node: OwnNode, foreign: ForeignNode
) -> None:
    assert Client().get(reverse("exchange:inbox")).status_code == 405
    # no CSRF token, no login: the signature is the authentication
    assert post(foreign.seal(foreign.payload())).status_code == 200


def test_a_failing_handler_never_loses_the_stored_message(
    node: OwnNode,
    foreign: ForeignNode,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def explode(message: InboxMessage) -> None:
        raise RuntimeError("handler bug")

    previous = handlers.handler_for("status_update")  # the referrals app's, if installed
    handlers.register("status_update")(explode)
    try:
        body = {"reference": "TRM-1", "status": "accepted", "at": "2026-01-05T10:00:00Z"}
        with django_capture_on_commit_callbacks(execute=True):
            response = post(foreign.seal(foreign.payload(type="status_update", body=body)))
    finally:
        handlers._HANDLERS.pop("status_update", None)
        if previous is not None:
            handlers.register("status_update")(previous)
    assert response.status_code == 200
    stored = InboxMessage.objects.get()
    assert stored.processed_at is None
    # counted, and due again later for the worker (services.processing)
    assert stored.attempts == 1
    assert stored.last_error == "RuntimeError"
    assert stored.next_attempt_at is not None


def test_a_concurrent_delivery_of_the_same_id_stores_one_copy(
    node: OwnNode, foreign: ForeignNode
) -> None:
    message_id = uuid.uuid4()
    opened = crypto.open_package(foreign.seal(foreign.payload(message_id=message_id)))
    assert views_inbox._store(opened) is not None
    assert views_inbox._store(opened) is None  # the unique message id refuses the second
    assert InboxMessage.objects.count() == 1
    response = views_inbox._again(opened, InboxMessage.objects.get())
    assert receipt_claims(response)["status"] == "duplicate"


def test_without_a_handler_the_message_stays_unprocessed(node: OwnNode) -> None:
    assert handlers.handler_for("ping") is None
    message = InboxMessage(type="ping")
    handlers.dispatch(message)
    assert message.processed_at is None


def test_a_stored_package_is_verified_again_from_the_senders_published_key(
    node: OwnNode, foreign: ForeignNode
) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    message_id = uuid.uuid4()
    assert post(foreign.seal(foreign.payload(message_id=message_id))).status_code == 200
    out = io.StringIO()
    call_command("exchange_verify", stdout=out)
    assert f"{message_id}\topentrm-ro\tok" in out.getvalue()
    # A stored token altered afterwards no longer verifies, and the command says so.
    stored = InboxMessage.objects.get()
    header, payload, signature = stored.signed.split(".")
    stored.signed = f"{header}.{payload}.{signature[::-1]}"
    stored.save(update_fields=["signed"])
    with pytest.raises(CommandError, match="1 stored package"):
        call_command("exchange_verify", str(message_id), stdout=io.StringIO())
