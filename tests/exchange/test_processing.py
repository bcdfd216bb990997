"""The receiving side's retries: a package whose handler failed is tried again by the worker
with the outbox's backoff, and one that keeps failing ends as a dead letter on the page that
lists dead letters."""

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.exchange import clock, handlers, outbox
from opentrm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus, Peer, PeerStatus
from opentrm.exchange.services import processing
from tests.exchange.fakes import fictional_peer

TYPE = "ping"  # no handler in production: each test registers its own


@pytest.fixture
def peer(db: None) -> Peer:
    peer: Peer = fictional_peer("https://ro.example.test/")
    return peer


class Flaky:
    """A handler that fails ``failures`` times, then marks the message processed."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, message: InboxMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("the handler's text may quote the package: never stored")
        InboxMessage.objects.filter(pk=message.pk).update(processed_at=timezone.now())


@pytest.fixture
def flaky() -> Iterator[Callable[[int], Flaky]]:
    """Register a Flaky handler for TYPE; removed afterwards."""
    assert handlers.handler_for(TYPE) is None

    def register(failures: int) -> Flaky:
        handler = Flaky(failures)
        handlers.register(TYPE)(handler)
        return handler

    yield register
    handlers._HANDLERS.pop(TYPE, None)


def _stored(peer: Peer) -> InboxMessage:
    return InboxMessage.objects.create(
        message_id=uuid.uuid4(), peer=peer, type=TYPE, body={}, issued_at=timezone.now()
    )


def _events(event_type: str, message: InboxMessage) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            event_type=event_type, detail__message_id=str(message.message_id)
        ).order_by("sequence")
    )


def test_a_handler_that_fails_once_is_tried_again_later_and_succeeds(
    peer: Peer, flaky: Callable[[int], Flaky]
) -> None:
    handler = flaky(1)
    message = _stored(peer)
    assert processing.handle(message) == "failed"
    message.refresh_from_db()
    assert (message.processed_at, message.attempts, message.last_error) == (
        None,
        1,
        "RuntimeError",
    )
    assert message.next_attempt_at is not None
    assert message.next_attempt_at > clock.now()
    (failed,) = _events("EXCHANGE_FAILED", message)
    assert failed.detail["stage"] == "handler"
    assert "quote" not in str(failed.detail)
    # not yet due: the worker leaves it alone
    assert processing.process_due().picked == 0
    later = message.next_attempt_at + timedelta(seconds=1)
    summary = processing.process_due(now=later)
    assert summary.outcomes == {"processed": 1}
    message.refresh_from_db()
    assert message.processed_at is not None
    assert message.attempts == 2
    assert handler.calls == 2
    # processed: never picked again
    assert processing.process_due(now=later + timedelta(days=1)).picked == 0


def test_the_backoff_grows_with_each_attempt_up_to_the_cap(
    peer: Peer, flaky: Callable[[int], Flaky]
) -> None:
    flaky(99)
    message = _stored(peer)
    waits = []
    now = clock.now()
    with override_settings(
        OPENTRM_EXCHANGE_RETRY_BASE_SECONDS=10,
        OPENTRM_EXCHANGE_RETRY_CAP_SECONDS=40,
        OPENTRM_EXCHANGE_MAX_ATTEMPTS=20,
    ):
        processing.handle(message)
        for _attempt in range(5):
            message.refresh_from_db()
            assert message.next_attempt_at is not None
            waits.append((message.next_attempt_at - now).total_seconds())
            now = message.next_attempt_at + timedelta(seconds=1)
            assert processing.process_due(now=now).outcomes == {"failed": 1}
    # equal jitter: between half and all of base * 2^(n-1), capped at 40 s
    assert 5 <= waits[0] <= 11
    assert all(wait <= 41 for wait in waits)
    message.refresh_from_db()
    assert message.attempts == 6


@override_settings(OPENTRM_EXCHANGE_MAX_ATTEMPTS=3)
@pytest.mark.urls("tests.exchange.urls")
def test_a_handler_that_keeps_failing_ends_as_a_dead_letter_on_the_dead_letters_page(
    world: World, peer: Peer, flaky: Callable[[int], Flaky], client: Client
) -> None:
    flaky(99)
    message = _stored(peer)
    assert processing.handle(message) == "failed"
    now = clock.now()
    outcomes = []
    for _attempt in range(4):
        now += timedelta(days=1)
        outcomes.append(processing.process_due(now=now))
    assert [s.outcomes for s in outcomes] == [{"failed": 1}, {"dead": 1}, {}, {}]
    message.refresh_from_db()
    assert message.attempts == 3
    assert message.dead_at is not None
    assert message.processed_at is None
    assert len(_events("EXCHANGE_FAILED", message)) == 2
    (dead,) = _events("EXCHANGE_DEAD", message)
    assert dead.detail["attempts"] == 3
    admin = world.actor(Role.SYSTEM_ADMINISTRATOR)
    assert list(processing.dead_letters(admin)) == [message]
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.get("/exchange/dashboard/dead-letters/").content.decode()
    assert str(message.message_id) in page
    assert "RuntimeError" in page
    assert "1 dead letter" in client.get("/exchange/dashboard/").content.decode()


def test_a_message_never_handed_to_its_handler_is_picked_up_after_the_lease(
    peer: Peer, flaky: Callable[[int], Flaky]
) -> None:
    flaky(0)
    message = _stored(peer)  # stored, but the process stopped before the hand-over
    assert processing.process_due().picked == 0  # the inbox's own hand-over may still come
    summary = processing.process_due(now=clock.now() + timedelta(hours=1))
    assert summary.outcomes == {"processed": 1}
    message.refresh_from_db()
    assert message.processed_at is not None


def test_without_a_handler_nothing_is_tried_or_counted(peer: Peer) -> None:
    message = _stored(peer)
    assert processing.handle(message) == "skipped"
    assert processing.process_due(now=clock.now() + timedelta(days=1)).picked == 0
    message.refresh_from_db()
    assert message.attempts == 0


def test_the_worker_retries_received_packages_on_each_pass(
    peer: Peer, flaky: Callable[[int], Flaky]
) -> None:
    flaky(1)
    message = _stored(peer)
    processing.handle(message)
    InboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=clock.now() - timedelta(seconds=1)
    )
    out = io.StringIO()
    call_command("exchange_worker", "--once", stdout=out)
    assert "1 received picked (1 processed)" in out.getvalue()
    message.refresh_from_db()
    assert message.processed_at is not None


@override_settings(OPENTRM_EXCHANGE_MAX_ATTEMPTS=1)
@pytest.mark.urls("tests.exchange.urls")
def test_a_received_dead_letter_can_be_retried_once_the_cause_is_fixed(
    world: World, peer: Peer, flaky: Callable[[int], Flaky], client: Client
) -> None:
    handler = flaky(1)
    message = _stored(peer)
    assert processing.handle(message) == "dead"
    url = f"/exchange/dashboard/dead-letters/{message.message_id}/retry/"
    client.force_login(world.user(Role.CASE_MANAGER))
    assert client.post(url).status_code == 403
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.post(url, follow=True).content.decode()
    assert "handed to its handler again" in page
    message.refresh_from_db()
    assert (message.dead_at, message.attempts) == (None, 0)
    (retried,) = _events("EXCHANGE_RETRIED", message)
    assert retried.detail["previous_error"] == "RuntimeError"
    assert processing.process_due().outcomes == {"processed": 1}
    assert handler.calls == 2
    # nothing left to retry: the same answer as for an unknown package
    page = client.post(url, follow=True).content.decode()
    assert "No such package" in page


@override_settings(OPENTRM_EXCHANGE_MAX_ATTEMPTS=1)
def test_the_api_lists_dead_letters_both_ways_and_retries_a_received_one(
    world: World, peer: Peer, flaky: Callable[[int], Flaky], client: Client
) -> None:
    handler = flaky(1)
    sent = outbox.enqueue(peer=peer, type=TYPE, body={})
    OutboxMessage.objects.filter(pk=sent.pk).update(
        status=OutboxStatus.DEAD, attempts=12, last_error="http_410", next_attempt_at=None
    )
    received = _stored(peer)
    assert processing.handle(received) == "dead"  # dead after the outgoing one: listed first
    other = Peer.objects.create(
        node_id="node-bg",
        country_code="BG",
        name="Fictional node C",
        base_url="https://bg.example.test/",
        fingerprint="CCCC / DDDD",
        status=PeerStatus.ACTIVE,
    )
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    listed = client.get("/api/v1/exchange/dead-letters").json()
    assert [(d["message_id"], d["direction"], d["status"]) for d in listed] == [
        (str(received.message_id), "incoming", "dead"),
        (str(sent.message_id), "outgoing", "dead"),
    ]
    incoming = listed[0]
    assert (incoming["type"], incoming["attempts"], incoming["last_error"]) == (
        TYPE,
        1,
        "RuntimeError",
    )
    assert (incoming["sent_at"], incoming["delivered_at"]) == (None, None)
    assert "body" not in incoming
    assert client.get(f"/api/v1/exchange/dead-letters?peer={other.pk}").json() == []
    assert len(client.get(f"/api/v1/exchange/dead-letters?peer={peer.pk}").json()) == 2

    response = client.post(f"/api/v1/exchange/dead-letters/{received.message_id}/retry")
    assert response.status_code == 200, response.content
    assert (response.json()["direction"], response.json()["status"]) == ("incoming", "queued")
    (retried,) = _events("EXCHANGE_RETRIED", received)
    assert retried.detail["previous_error"] == "RuntimeError"
    listed = client.get("/api/v1/exchange/dead-letters").json()
    assert [d["direction"] for d in listed] == ["outgoing"]
    assert processing.process_due().outcomes == {"processed": 1}
    assert handler.calls == 2
    missing = client.post(f"/api/v1/exchange/dead-letters/{received.message_id}/retry")
    assert missing.status_code == 404
