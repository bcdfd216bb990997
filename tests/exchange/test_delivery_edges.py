"""The sending worker against peers that misbehave at the network level (a reset connection,
a reply that is not HTTP, TLS to a plain server, a name that does not resolve): each attempt
ends as a failure with a code on the dashboard, never as a crashed pass; and the rest of the
outbox's edges (a dead letter to a suspended peer, a receipt recorded twice)."""

import errno
import re
import socket
import ssl
import struct
import threading
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.test import override_settings

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.exchange import clock
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer, PeerStatus
from opentrm.exchange.services import delivery, peers
from tests.exchange.fakes import FakeCrypto, FakeInbox
from tests.exchange.test_worker_unit import _dead, _queue


def _read_request(conn: socket.socket) -> None:
    """The whole request, head and body (the client may send them in two writes): a socket
    closed with bytes still unread resets the connection instead of ending the answer."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        if not chunk:
            return
        received += chunk
    head, _blank, body = received.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    while length is not None and len(body) < int(length.group(1)):
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


@contextmanager
def raw_server(answer: bytes | None) -> Iterator[str]:
    """A loopback TCP server that reads the request, then writes ``answer`` and closes, or
    (``None``) resets the connection; its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    _read_request(conn)
                if answer is None:  # SO_LINGER 0: close with a reset
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                else:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _answer(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def _deliver_to(peer: Peer, base_url: str) -> OutboxMessage:
    Peer.objects.filter(pk=peer.pk).update(base_url=base_url)
    message = _queue(peer)
    summary = delivery.deliver_due()
    assert (summary.picked, summary.failed) == (1, 1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.next_attempt_at is not None
    return message


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (None, "connection_reset"),
        (b"SPEAKING NO HTTP\r\n\r\n", "bad_answer"),
        (b"", "connection_reset"),  # closed without an answer
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nreceipt.cut", "bad_receipt"),
        (_answer(b"{not json"), "bad_receipt"),
    ],
)
def test_a_peer_that_breaks_the_connection_or_speaks_no_http_is_retried(
    peer: Peer, crypto: FakeCrypto, answer: bytes | None, error: str
) -> None:
    with raw_server(answer) as url:
        message = _deliver_to(peer, url)
    assert message.last_error == error


def test_an_inbox_that_redirects_is_reported_and_never_followed(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    moved = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {inbox.url}/elsewhere\r\n"
    with raw_server(moved.encode() + b"Content-Length: 0\r\n\r\n") as url:
        message = _deliver_to(peer, url)
    assert message.last_error == "http_307"
    assert inbox.requests == []  # the package was not posted to the other address


def test_tls_to_a_node_that_speaks_plain_http_is_a_tls_error(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    message = _deliver_to(peer, inbox.url.replace("http://", "https://"))
    assert message.last_error == "tls_error"
    assert inbox.requests == []  # nothing readable reached it


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (urllib.error.URLError(TimeoutError()), "timeout"),
        (TimeoutError(), "timeout"),
        (urllib.error.URLError(ConnectionRefusedError()), "connection_refused"),
        (ConnectionResetError(), "connection_reset"),
        (urllib.error.URLError(ssl.SSLError()), "tls_error"),
        (urllib.error.URLError(socket.gaierror(-2, "Name or service not known")), "dns_error"),
        (
            urllib.error.URLError(OSError(errno.EHOSTUNREACH, "No route to host")),
            "connection_failed",
        ),
    ],
)
def test_each_network_error_has_its_code_on_the_dashboard(error: BaseException, code: str) -> None:
    assert delivery._network_error(error) == code


def test_the_test_pause_after_a_post_never_applies_in_production(
    peer: Peer, crypto: FakeCrypto, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # the module delivery sleeps with
    monkeypatch.setenv(delivery.PAUSE_AFTER_POST_VARIABLE, "0.25")
    _queue(peer)
    with override_settings(PRODUCTION=True):
        assert delivery.deliver_due().delivered == 1
    assert slept == []
    _queue(peer)
    assert delivery.deliver_due().delivered == 1
    assert slept == [0.25]


def test_a_dead_letter_to_a_suspended_node_is_not_queued_again(world: World, peer: Peer) -> None:
    message = _dead(peer)
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        delivery.retry_dead_letter(
            actor=world.actor(Role.SYSTEM_ADMINISTRATOR), message_id=message.message_id
        )

    assert "not active" in refused.value.message_dict["peer"][0]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DEAD, 1)
    assert AuditEvent.objects.count() == before


def test_a_receipt_for_a_package_already_recorded_is_not_counted_or_audited_again(
    peer: Peer, crypto: FakeCrypto
) -> None:
    message = _queue(peer)
    delivery.deliver_due()
    message.refresh_from_db()
    late = delivery.Summary()  # a worker whose lease ran out answers afterwards
    answer = delivery._Answer(status=200, receipt=message.receipt)

    delivery._settle(message, answer, time.monotonic(), late)

    assert late.delivered == 0
    assert AuditEvent.objects.filter(event_type="EXCHANGE_DELIVERED").count() == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", "could not be fetched"),
        (_answer(b" " * (peers.DOCUMENT_MAX_BYTES + 1)), "too large"),
    ],
)
def test_registering_a_node_whose_address_answers_badly_is_refused_on_the_field(
    world: World, answer: bytes, message: str
) -> None:
    with raw_server(answer) as url, pytest.raises(ValidationError) as refused:
        peers.register_peer(
            actor=world.actor(Role.SYSTEM_ADMINISTRATOR), name="Fictional", base_url=url
        )
    assert message in refused.value.message_dict["base_url"][0]
    assert not Peer.objects.exists()


def test_a_message_another_worker_claims_between_our_read_and_our_claim_is_left_to_it(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conditional claim of a database without ``SKIP LOCKED`` (SQLite); PostgreSQL locks
    the rows it reads instead, so another worker never sees them. Run on both engines."""
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    message = _queue(peer)
    manager = OutboxMessage._default_manager
    find = manager.filter

    def the_other_worker_first(*args: Any, **lookup: Any) -> Any:
        if {"pk", "status", "next_attempt_at"} <= set(lookup):  # our conditional claim
            monkeypatch.setattr(manager, "filter", find)
            find(pk=lookup["pk"]).update(
                next_attempt_at=clock.now() + timedelta(minutes=5), attempts=F("attempts") + 1
            )
        return find(*args, **lookup)

    monkeypatch.setattr(manager, "filter", the_other_worker_first)

    assert delivery.deliver_due().picked == 0
    assert inbox.requests == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 1)  # the other's try
