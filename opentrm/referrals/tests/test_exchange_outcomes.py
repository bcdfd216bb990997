"""Answers and order between nodes (both sides simulated in one database, as in
test_exchange_link): the receiver reports what it did with a package back to the sender, and
the steps of one referral are applied in the order they were taken."""

import uuid
from typing import Any

from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.exchange.models import InboxMessage, MessageType, OutboxMessage
from opentrm.exchange.services import processing
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import ReferralStatus
from opentrm.referrals.tests.test_exchange_link import (
    arrive,
    outbox,
    sent_referral,
    withdrawn_referral,
)

S = ReferralStatus


@override_settings(OPENTRM_NODE_COUNTRY="MD")
def test_a_referral_for_another_country_is_refused_and_the_sender_hears_why(
    world: World,
) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    (sent,) = outbox("referral")
    assert sent.sequence == 1
    # This database plays the Moldovan node B: the package is not for its country.
    al = peer("AL")
    message = arrive(al, "referral", sent.body)
    assert (message.outcome, message.outcome_code) == ("refused", "wrong_country")
    assert (message.body, message.signed) == ({}, "")  # its personal data is not kept
    (answer,) = OutboxMessage.objects.filter(type=MessageType.OUTCOME, peer=al)
    assert answer.body["message_id"] == str(message.message_id)
    assert answer.body["outcome"] == "refused"
    assert answer.body["code"] == "wrong_country"
    assert "another country" in answer.body["reason"]
    # Back on node A: the answer lands on the package it is about.
    reply = arrive(ro, "outcome", {**answer.body, "message_id": str(sent.message_id)})
    assert reply.processed_at is not None
    sent.refresh_from_db()
    assert (sent.outcome, sent.outcome_code) == ("refused", "wrong_country")
    assert sent.outcome_reason == answer.body["reason"]
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_OUTCOME, detail__message_id=str(sent.message_id)
    ).exists()
    # An outcome is never answered, and one about a package never sent to that peer is refused.
    assert not OutboxMessage.objects.filter(type=MessageType.OUTCOME, peer=ro).exists()
    stray = arrive(ro, "outcome", {**answer.body, "message_id": str(uuid.uuid4())})
    assert (stray.outcome, stray.outcome_code) == ("refused", "unknown_message")
    assert referral.pk == sent.referral_id


def test_an_applied_step_is_answered_applied(world: World) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "acknowledged", "at": "2026-01-01T10:00:00Z"}
    message = arrive(ro, "status_update", body)
    assert (message.outcome, message.outcome_code) == ("applied", "applied")
    (answer,) = OutboxMessage.objects.filter(type=MessageType.OUTCOME, peer=ro)
    assert answer.body == {
        "message_id": str(message.message_id),
        "outcome": "applied",
        "code": "applied",
    }


def test_the_steps_of_one_referral_carry_their_order(world: World) -> None:
    withdrawn_referral(world)
    (first,) = outbox("referral")
    (step,) = outbox("status_update")
    assert (first.sequence, first.previous_id) == (1, None)
    assert (step.sequence, step.previous_id) == (2, first.message_id)


def test_accepted_delivered_before_acknowledged_waits_and_both_are_applied_in_order(
    world: World,
) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    common = {"reference": referral.reference, "receiver_reference": "REF-RO-2026-000010"}
    acknowledged = {**common, "status": "acknowledged", "at": "2026-01-01T10:00:00Z"}
    accepted = {**common, "status": "accepted", "at": "2026-01-01T11:00:00Z"}
    # The receiver's node took "acknowledged" (its first package about the referral) and then
    # "accepted"; the second arrives first.
    ack_id = uuid.uuid4()
    late_first = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=ro,
        type="status_update",
        body=accepted,
        issued_at=timezone.now(),
        sequence=2,
        previous_id=ack_id,
    )
    assert processing.handle(late_first) == "waiting"
    late_first.refresh_from_db()
    assert late_first.processed_at is None
    assert late_first.last_error == "waiting_for_previous"
    assert late_first.attempts == 0  # waiting is not a failure
    referral.refresh_from_db()
    assert referral.status == S.SENT
    # The earlier one arrives: it is applied, then the one that waited.
    first = InboxMessage.objects.create(
        message_id=ack_id,
        peer=ro,
        type="status_update",
        body=acknowledged,
        issued_at=timezone.now(),
        sequence=1,
    )
    assert processing.handle(first) == "processed"
    late_first = InboxMessage.objects.get(pk=late_first.pk)
    first.refresh_from_db()
    assert late_first.processed_at is not None
    assert (first.outcome_code, late_first.outcome_code) == ("applied", "applied")
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert referral.acknowledged_at is not None
    assert referral.answered_at is not None
    assert referral.acknowledged_at <= referral.answered_at
    statuses = [
        e.detail.get("status")
        for e in AuditEvent.objects.filter(event_type=EventType.EXCHANGE_PROCESSED).order_by("id")
        if e.detail.get("type") == "status_update"
    ]
    assert statuses == ["acknowledged", "accepted"]


def test_a_step_whose_earlier_one_never_comes_is_applied_after_the_wait(
    world: World, settings: Any
) -> None:
    settings.OPENTRM_EXCHANGE_ORDER_WAIT_SECONDS = 0
    ro = peer("RO")
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T11:00:00Z"}
    orphan = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=ro,
        type="status_update",
        body=body,
        issued_at=timezone.now(),
        sequence=2,
        previous_id=uuid.uuid4(),
    )
    assert processing.handle(orphan) == "processed"
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_FAILED, detail__error="previous_never_came"
    ).exists()


def test_the_refusal_shows_on_the_referral_and_the_dashboard(world: World, client: Any) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    (sent,) = outbox("referral")
    # Before the answer: delivered is all the sender can say.
    OutboxMessage.objects.filter(pk=sent.pk).update(status="delivered", delivered_at=timezone.now())
    client.force_login(world.user(Role.CASEWORKER))
    url = f"/referrals/{referral.public_id}/"
    page = client.get(url).content.decode()
    assert "Delivered, not yet applied by the receiving node" in page
    # The receiving node answers: refused, wrong country.
    arrive(
        ro,
        "outcome",
        {
            "message_id": str(sent.message_id),
            "outcome": "refused",
            "code": "wrong_country",
            "reason": "Another country.",
        },
    )
    page = client.get(url).content.decode()
    assert "Refused by the receiving node" in page
    assert "addressed to another country" in page  # this node's own words for the code
    # The dashboard: the refusal, and the incoming traffic (the answer was applied here).
    arrive(
        ro,
        "status_update",
        {"reference": "REF-NONE", "status": "accepted", "at": "2026-01-01T10:00:00Z"},
    )
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    page = client.get("/exchange/dashboard/").content.decode()
    assert 'id="refused-by-peers"' in page
    assert str(sent.message_id) in page
    assert "unknown_referral" in page  # a processing failure of this node, shown too
    assert 'id="incoming"' in page
