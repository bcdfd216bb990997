"""Holds (docs/exchange.md, "Holds"): a registered check names the referrals whose packages must
not go out; the worker makes those dead letters, unsealed and unsent, and sends the rest."""

import pytest

from opentrm.audit.models import AuditEvent
from opentrm.exchange import holds, outbox
from opentrm.exchange.models import OutboxMessage, OutboxStatus, Peer
from opentrm.exchange.services import delivery
from tests.exchange.fakes import FakeCrypto, FakeInbox


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """Only this test's check is registered; what it was asked, call by call. It holds
    referral 7 ("restricted")."""
    monkeypatch.setattr(holds, "_checks", [])
    calls: list[set[int]] = []

    def check(referral_ids: set[int]) -> dict[int, str]:
        calls.append(set(referral_ids))
        return {7: "restricted"} if 7 in referral_ids else {}

    holds.register_hold(check)
    holds.register_hold(check)  # registered twice (an app loaded twice): asked once
    return calls


def test_a_check_registered_twice_is_asked_once(asked: list[set[int]]) -> None:
    assert holds.held_referrals([7, 8, None]) == {7: "restricted"}
    assert asked == [{7, 8}]


def test_packages_about_no_referral_ask_no_check(asked: list[set[int]]) -> None:
    assert holds.held_referrals([None, None]) == {}
    assert asked == []


def test_a_held_package_is_a_dead_letter_and_the_others_are_sent(
    asked: list[set[int]], peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    held = outbox.enqueue(peer=peer, type="ping", body={}, referral_id=7)
    other_referral = outbox.enqueue(peer=peer, type="ping", body={}, referral_id=8)
    no_referral = outbox.enqueue(peer=peer, type="ping", body={})

    summary = delivery.deliver_due()

    assert (summary.picked, summary.delivered, summary.dead) == (3, 2, 1)
    assert asked == [{7, 8}]
    statuses = dict(OutboxMessage.objects.filter(peer=peer).values_list("message_id", "status"))
    assert statuses == {
        held.message_id: OutboxStatus.DEAD,
        other_referral.message_id: OutboxStatus.DELIVERED,
        no_referral.message_id: OutboxStatus.DELIVERED,
    }
    held.refresh_from_db()
    assert held.last_error == "held:restricted"
    assert held.sealed == ""
    posted = {request["token"] for request in inbox.requests}
    assert posted == {f"sealed.{other_referral.message_id}", f"sealed.{no_referral.message_id}"}
    (event,) = AuditEvent.objects.filter(event_type="EXCHANGE_DEAD")
    assert event.detail["error"] == "held:restricted"
    assert event.detail["permanent"] is True


def test_when_nothing_is_held_every_package_is_sent(
    asked: list[set[int]], peer: Peer, crypto: FakeCrypto, inbox: FakeInbox
) -> None:
    outbox.enqueue(peer=peer, type="ping", body={}, referral_id=8)
    summary = delivery.deliver_due()
    assert (summary.picked, summary.delivered, summary.dead) == (1, 1, 0)
    assert asked == [{8}]
