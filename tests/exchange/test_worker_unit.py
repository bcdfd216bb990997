"""The outbox and the sender worker alone: a fake sealer and a scripted loopback inbox.

The same behaviour between two real nodes is in test_delivery.py.
"""

import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.core.errors import ConflictError
from opentrm.exchange import clock, continuity, keys, outbox
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer, PeerStatus
from opentrm.exchange.services import delivery, processing, retries
from tests.exchange.fakes import FakeCrypto, FakeInbox, Reply, fictional_peer, rejection


def _queue(peer: Peer, **body: str) -> OutboxMessage:
    return outbox.enqueue(peer=peer, type="ping", body=dict(body))


def _events(event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("sequence"))


# --- the outbox ---------------------------------------------------------------------------------


def test_enqueue_writes_a_queued_row_due_now_and_audits_the_message_id(peer: Peer) -> None:
    message = _queue(peer, nonce="n1")
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 0
    assert message.next_attempt_at is not None
    assert message.next_attempt_at <= clock.now()
    (event,) = _events("EXCHANGE_SENT")
    assert event.detail["message_id"] == str(message.message_id)
    assert event.detail["peer_id"] == peer.pk
    assert "n1" not in json.dumps(event.detail)


@pytest.mark.parametrize("status", [PeerStatus.PENDING, PeerStatus.SUSPENDED])
def test_enqueue_refuses_a_peer_that_is_not_active(peer: Peer, status: str) -> None:
    peer.status = status
    peer.save()
    with pytest.raises(ValidationError) as refused:
        _queue(peer)
    assert "peer" in refused.value.message_dict
    assert not OutboxMessage.objects.exists()


def test_enqueue_refuses_an_unknown_type(peer: Peer) -> None:
    with pytest.raises(ValidationError):
        outbox.enqueue(peer=peer, type="gossip", body={})
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"nonce": "n", "name": "Ana Exemplu"}, "$: additionalProperties false"),
        ({"nonce": "n" * 101}, "$.nonce: maxLength 100"),
        (["Ana Exemplu"], '$: type "object"'),  # not an object at all
    ],
)
def test_enqueue_refuses_a_body_that_breaks_its_schema_naming_the_rule_not_the_value(
    peer: Peer, body: object, rule: str
) -> None:
    """A service that would send what the peer must refuse fails with its change, and the
    error names the rule broken, never the data (it may reach a log)."""
    with pytest.raises(ValidationError) as refused:
        outbox.enqueue(peer=peer, type="ping", body=body)  # type: ignore[arg-type]
    (message,) = refused.value.message_dict["body"]
    assert message == f"The package breaks its schema: {rule}"
    assert "Ana" not in message
    assert not OutboxMessage.objects.exists()
    assert not _events("EXCHANGE_SENT")


@pytest.mark.django_db(transaction=True)
def test_enqueue_refuses_to_run_outside_a_transaction(inbox: FakeInbox) -> None:
    from django.db.transaction import TransactionManagementError

    peer = Peer.objects.create(
        node_id="node-x", country_code="RO", name="X", base_url=inbox.url, status="active"
    )
    with pytest.raises(TransactionManagementError):
        _queue(peer)


# --- delivery -----------------------------------------------------------------------------------


def test_a_due_message_is_sealed_posted_receipted_and_recorded(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    message = _queue(peer)
    summary = delivery.deliver_due()
    assert (summary.picked, summary.delivered) == (1, 1)
    (request,) = inbox.requests
    assert request["path"] == "/exchange/v1/inbox"
    assert request["content_type"] == "application/jose"
    assert request["token"] == f"sealed.{message.message_id}"
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1
    assert message.delivered_at is not None
    assert message.round_trip_ms is not None
    assert message.receipt == f"receipt.{message.message_id}.stored"
    (event,) = _events("EXCHANGE_DELIVERED")
    assert event.detail["message_id"] == str(message.message_id)
    assert event.detail["receipt_status"] == "stored"
    assert delivery.deliver_due().picked == 0  # nothing left


def test_a_receipt_in_a_json_answer_is_accepted(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    message = _queue(peer)
    body = json.dumps({"receipt": f"receipt.{message.message_id}.duplicate"})
    inbox.replies.append(Reply(body=body, content_type="application/json"))
    assert delivery.deliver_due().delivered == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert _events("EXCHANGE_DELIVERED")[0].detail["receipt_status"] == "duplicate"


def test_a_server_error_is_retried_later_with_backoff(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    message = _queue(peer)
    inbox.replies.append(Reply(status=503, body="Busy: Personal Name", content_type="text/plain"))
    with override_settings(OPENTRM_EXCHANGE_RETRY_BASE_SECONDS=60):
        before = clock.now()
        summary = delivery.deliver_due()
    assert (summary.failed, summary.dead) == (1, 0)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == "http_503"
    assert message.next_attempt_at is not None
    wait = (message.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 61  # between half and all of the base delay
    (event,) = _events("EXCHANGE_FAILED")
    assert event.detail == {
        "message_id": str(message.message_id),
        "peer_id": peer.pk,
        "type": "ping",
        "attempts": 1,
        "error": "http_503",
        "permanent": False,
    }
    assert delivery.deliver_due().picked == 0  # not due yet
    summary = delivery.deliver_due(now=message.next_attempt_at)
    assert summary.delivered == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("delivered", 2, "")
    # Retention: after the receipt only the sealed package and metadata stay, not the body.
    assert (message.body, message.sealed) == ({}, f"sealed.{message.message_id}")


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (rejection(401, "bad_signature"), "rejected:bad_signature", OutboxStatus.DEAD),
        (rejection(422, "schema_invalid"), "rejected:schema_invalid", OutboxStatus.DEAD),
        (Reply(status=404, body="<html>Not found</html>", content_type="text/html"), "http_404",
         OutboxStatus.DEAD),
        (rejection(409, "replayed"), "rejected:replayed", OutboxStatus.FAILED),
        (rejection(400, "wrong_audience"), "rejected:wrong_audience", OutboxStatus.DEAD),
        (rejection(400, "malformed"), "rejected:malformed", OutboxStatus.DEAD),
        # the peer has not confirmed this node yet, suspended it, or lacks its current key
        (rejection(401, "unknown_sender"), "rejected:unknown_sender", OutboxStatus.FAILED),
        (rejection(403, "sender_suspended"), "rejected:sender_suspended", OutboxStatus.FAILED),
        (rejection(401, "unknown_key"), "rejected:unknown_key", OutboxStatus.FAILED),
        (rejection(400, "decrypt_failed"), "rejected:decrypt_failed", OutboxStatus.FAILED),
        (rejection(429, "too_many"), "rejected:too_many", OutboxStatus.FAILED),
        (Reply(status=500, body="", content_type="text/plain"), "http_500", OutboxStatus.FAILED),
        (Reply(status=429, body="slow down", content_type="text/plain"), "http_429",
         OutboxStatus.FAILED),
        (Reply(body="not a receipt"), "bad_receipt", OutboxStatus.FAILED),
        (Reply(receipt_status="maybe"), "bad_receipt", OutboxStatus.FAILED),
        (Reply(status=302, body="", content_type="text/plain"), "http_302", OutboxStatus.FAILED),
    ],
)  # fmt: skip
def test_rejections_are_recorded_as_codes_and_only_permanent_ones_dead_letter_at_once(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox, reply: Reply, error: str, status: str
) -> None:
    message = _queue(peer)
    inbox.replies.append(reply)
    delivery.deliver_due()
    message.refresh_from_db()
    assert (message.last_error, message.status) == (error, status)
    assert "Personal Name" not in message.last_error
    if status == OutboxStatus.DEAD:
        assert message.next_attempt_at is None
        assert _events("EXCHANGE_DEAD")[0].detail["permanent"] is True
    else:
        assert message.next_attempt_at is not None  # retried with backoff
        assert _events("EXCHANGE_FAILED")[0].detail["permanent"] is False


def test_a_node_that_does_not_answer_is_a_connection_error(peer: Peer, crypto: FakeCrypto) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    peer.base_url = f"http://127.0.0.1:{port}"
    peer.save()
    message = _queue(peer)
    delivery.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("failed", "connection_refused")


def test_a_slow_node_is_a_timeout(peer: Peer, crypto: FakeCrypto, inbox: FakeInbox) -> None:
    message = _queue(peer)
    inbox.replies.append(Reply(delay=1.0))
    with override_settings(OPENTRM_EXCHANGE_TIMEOUT_SECONDS=0.2):
        delivery.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("failed", "timeout")


def test_an_address_that_is_not_http_is_a_dead_letter(peer: Peer, crypto: FakeCrypto) -> None:
    peer.base_url = "file:///etc/"
    peer.save()
    message = _queue(peer)
    delivery.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("dead", "bad_address")


def test_a_package_that_cannot_be_sealed_is_retried(peer: Peer, crypto: FakeCrypto) -> None:
    crypto.fail_seal = True
    message = _queue(peer)
    delivery.deliver_due()
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("failed", "seal_failed")


def test_after_the_last_attempt_the_message_is_a_dead_letter(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    inbox.default = Reply(status=503, body="", content_type="text/plain")
    message = _queue(peer)
    with override_settings(OPENTRM_EXCHANGE_MAX_ATTEMPTS=3):
        for _ in range(3):
            message.refresh_from_db()
            delivery.deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("dead", 3)
    assert len(_events("EXCHANGE_FAILED")) == 2
    assert _events("EXCHANGE_DEAD")[0].detail["permanent"] is False


def test_backoff_doubles_and_stops_at_the_cap() -> None:
    with override_settings(
        OPENTRM_EXCHANGE_RETRY_BASE_SECONDS=30, OPENTRM_EXCHANGE_RETRY_CAP_SECONDS=3600
    ):
        assert 15 <= retries.backoff(1).total_seconds() <= 30
        assert 60 <= retries.backoff(3).total_seconds() <= 120
        assert 1800 <= retries.backoff(30).total_seconds() <= 3600


def test_a_claimed_message_is_left_to_its_worker_until_the_lease_ends(
    peer: Peer, crypto: FakeCrypto
) -> None:
    message = _queue(peer)
    now = clock.now()
    with override_settings(OPENTRM_EXCHANGE_LEASE_SECONDS=120):
        assert [m.pk for m in delivery._claim(now, 10)] == [message.pk]
        assert delivery._claim(now, 10) == []  # another worker finds nothing
        # The first worker died without recording anything: after the lease it goes again.
        later = delivery._claim(now + timedelta(seconds=121), 10)
    assert [m.pk for m in later] == [message.pk]
    message.refresh_from_db()
    assert message.attempts == 2


def test_messages_to_a_suspended_peer_wait(peer: Peer, crypto: FakeCrypto) -> None:
    _queue(peer)
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    assert delivery.deliver_due().picked == 0


def test_a_key_announcement_waits_for_a_suspended_peer_and_is_answered_before_the_rest(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    earlier = [_queue(peer, nonce=f"n{number}") for number in range(3)]
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.SUSPENDED)
    peer.refresh_from_db()
    # A rotation while the peer is suspended: its announcement is queued all the same.
    keys.init_node()
    announcement = outbox.enqueue(
        peer=peer, type="key_announcement", body=continuity.announcement_body()
    )
    with pytest.raises(ValidationError):
        _queue(peer, nonce="later")  # anything else still waits for the peer to be resumed
    assert delivery.deliver_due().picked == 0
    Peer.objects.filter(pk=peer.pk).update(status=PeerStatus.ACTIVE)
    inbox.default = Reply(delay=0.2)
    assert delivery.deliver_due().delivered == 4
    # The announcement was queued last but is posted, and answered, first.
    tokens = [request["token"] for request in inbox.requests]
    assert tokens[0] == f"sealed.{announcement.message_id}"
    assert sorted(tokens[1:]) == sorted(f"sealed.{m.message_id}" for m in earlier)


def test_the_worker_command_makes_one_pass(
    peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    _queue(peer)
    out = io.StringIO()
    call_command("exchange_worker", "--once", stdout=out)
    assert "1 picked, 1 delivered" in out.getvalue()


# --- the clock --------------------------------------------------------------------------------


def test_the_test_clock_offset_shifts_the_exchange_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.OFFSET_VARIABLE, "180")
    assert 179 <= (clock.now() - timezone.now()).total_seconds() <= 181
    with override_settings(PRODUCTION=True):
        assert abs((clock.now() - timezone.now()).total_seconds()) < 1


# --- operations: dashboard, dead letters, retry -------------------------------------------------


def _dead(peer: Peer, error: str = "rejected:bad_signature") -> OutboxMessage:
    message = _queue(peer)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.DEAD, attempts=1, last_error=error, next_attempt_at=None
    )
    message.refresh_from_db()
    return message


def test_retry_queues_a_dead_letter_again(world: World, peer: Peer, crypto: FakeCrypto) -> None:
    message = _dead(peer)
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    delivery.retry_dead_letter(actor=admin, message_id=message.message_id)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 0)
    (event,) = _events("EXCHANGE_RETRIED")
    assert event.actor_id == admin.user.pk
    assert event.detail["message_id"] == str(message.message_id)
    assert event.detail["previous_error"] == "rejected:bad_signature"
    assert delivery.deliver_due().delivered == 1
    with pytest.raises(ConflictError):  # delivered: nothing to retry
        delivery.retry_dead_letter(actor=admin, message_id=message.message_id)


def test_only_system_administrators_manage_the_exchange(world: World, peer: Peer) -> None:
    message = _dead(peer)
    with pytest.raises(PermissionDenied):
        delivery.retry_dead_letter(
            actor=world.actor(Role.NATIONAL_COORDINATOR), message_id=message.message_id
        )
    with pytest.raises(PermissionDenied):
        delivery.peer_stats(world.actor(Role.CASE_MANAGER))


def test_stats_count_by_status_with_the_last_error_and_the_median_round_trip(
    world: World, peer: Peer
) -> None:
    for ms in (10, 30, 20):
        message = _queue(peer)
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.DELIVERED, round_trip_ms=ms, delivered_at=clock.now()
        )
    _queue(peer)
    _dead(peer, "http_404")
    (line,) = delivery.peer_stats(world.actor(Role.SYSTEM_ADMINISTRATOR))
    assert (line.queued, line.delivered, line.failed, line.dead) == (1, 3, 0, 1)
    assert line.median_round_trip_ms == 20
    assert line.last_error == "http_404"


@pytest.mark.urls("tests.exchange.urls")
def test_the_dashboard_and_the_dead_letter_pages(world: World, peer: Peer, client: Client) -> None:
    message = _dead(peer, "rejected:unknown_sender")
    client.force_login(world.user(Role.CASE_MANAGER))
    assert client.get("/exchange/dashboard/").status_code == 403
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.get("/exchange/dashboard/").content.decode()
    assert "Fictional node B" in page
    assert "rejected:unknown_sender" in page
    page = client.get("/exchange/dashboard/dead-letters/").content.decode()
    assert str(message.message_id) in page
    response = client.post(f"/exchange/dashboard/dead-letters/{message.message_id}/retry/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED
    response = client.post(
        f"/exchange/dashboard/dead-letters/{message.message_id}/retry/", follow=True
    )
    assert "Only a dead letter" in response.content.decode()


def test_the_api_gives_the_same(world: World, peer: Peer, client: Client) -> None:
    message = _dead(peer, "http_410")
    client.force_login(world.user(Role.CASE_MANAGER))
    assert client.get("/api/v1/exchange/peers/stats").status_code == 403
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    (line,) = client.get("/api/v1/exchange/peers/stats").json()
    assert (line["node_id"], line["dead"], line["last_error"]) == ("node-ro", 1, "http_410")
    (dead,) = client.get("/api/v1/exchange/dead-letters").json()
    assert dead["message_id"] == str(message.message_id)
    assert "body" not in dead
    response = client.post(f"/api/v1/exchange/dead-letters/{message.message_id}/retry")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    response = client.post(f"/api/v1/exchange/dead-letters/{message.message_id}/retry")
    assert response.status_code == 409
    response = client.post(
        "/api/v1/exchange/dead-letters/00000000-0000-0000-0000-000000000000/retry"
    )
    assert response.status_code == 404


def test_the_worker_loop_runs_passes_until_stopped_and_survives_a_database_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from django.db import OperationalError

    from opentrm.exchange.management.commands import exchange_worker

    stop = threading.Event()
    calls: list[int] = []

    def fake_pass(limit: int, threads: int | None) -> delivery.Summary:
        calls.append(limit)
        if len(calls) == 1:
            raise OperationalError("database away")
        if len(calls) == 2:
            return delivery.Summary(picked=2, delivered=2)  # a full pass: again at once
        stop.set()
        return delivery.Summary()

    monkeypatch.setattr(exchange_worker, "deliver_due", fake_pass)
    monkeypatch.setattr(exchange_worker, "process_due", lambda limit: processing.Summary())
    monkeypatch.setattr(exchange_worker, "close_old_connections", lambda: None)
    out = io.StringIO()
    command = exchange_worker.Command(stdout=out)
    command.loop(stop, limit=2, threads=1, interval=0.01)
    assert calls == [2, 2, 2]
    assert "2 picked, 2 delivered" in out.getvalue()
    assert "stopped" in out.getvalue()


# --- bulk retry (issue 13, item 5) ---------------------------------------------------------------


def _other_peer() -> Peer:
    other: Peer = fictional_peer(
        "https://trm.example.md/", node_id="node-md", country="MD", name="Fictional node C"
    )
    return other


def test_bulk_retry_of_one_peer_or_a_selection_is_audited_per_package(
    world: World, peer: Peer
) -> None:
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    mine = [_dead(peer) for _ in range(3)]
    other = _other_peer()
    theirs = _dead(other)
    result = processing.retry_dead_letters(actor=admin, peer_id=peer.pk)
    assert (result.retried, result.skipped) == (3, 0)
    assert {m.status for m in OutboxMessage.objects.filter(peer=peer)} == {"queued"}
    theirs.refresh_from_db()
    assert theirs.status == "dead"  # another peer's dead letter is left
    events = _events("EXCHANGE_RETRIED")
    assert sorted(e.detail["message_id"] for e in events) == sorted(str(m.message_id) for m in mine)
    assert all(e.detail["bulk"] is True and e.actor_id == admin.user.pk for e in events)

    again = [_dead(peer) for _ in range(2)]
    result = processing.retry_dead_letters(
        actor=admin, message_ids=[again[0].message_id, theirs.message_id]
    )
    assert (result.retried, result.skipped) == (2, 0)
    again[1].refresh_from_db()
    assert again[1].status == "dead"  # not selected


def test_bulk_retry_skips_a_node_that_is_not_active_and_needs_the_permission(
    world: World, peer: Peer
) -> None:
    message = _dead(peer)
    peer.status = PeerStatus.SUSPENDED
    peer.save()
    with pytest.raises(PermissionDenied):
        processing.retry_dead_letters(actor=world.actor(Role.NATIONAL_COORDINATOR))
    result = processing.retry_dead_letters(actor=world.actor(Role.SYSTEM_ADMINISTRATOR))
    assert (result.retried, result.skipped) == (0, 1)
    message.refresh_from_db()
    assert message.status == "dead"
    assert _events("EXCHANGE_RETRIED") == []


@pytest.mark.urls("tests.exchange.urls")
def test_bulk_retry_on_the_page_and_in_the_api(world: World, peer: Peer, client: Client) -> None:
    first, second, third = _dead(peer), _dead(peer), _dead(peer)
    client.force_login(world.user(Role.CASE_MANAGER))
    assert client.post("/exchange/dashboard/dead-letters/retry/").status_code == 403
    assert (
        client.post("/api/v1/exchange/dead-letters/retry", {}, "application/json").status_code
        == 403
    )
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.get("/exchange/dashboard/dead-letters/").content.decode()
    assert 'id="bulk-retry"' in page
    assert f'value="{peer.pk}">Fictional node B (RO)</option>' in page
    response = client.post(
        "/exchange/dashboard/dead-letters/retry/",
        {"scope": "selected", "message_id": [str(first.message_id)]},
        follow=True,
    )
    assert "1 packages queued again, 0 left" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("queued", "dead")
    response = client.post(
        "/api/v1/exchange/dead-letters/retry", {"peer": peer.pk}, "application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"retried": 2, "skipped": 0}
    third.refresh_from_db()
    assert third.status == "queued"
    assert len(_events("EXCHANGE_RETRIED")) == 3
