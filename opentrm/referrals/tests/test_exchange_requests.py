"""Transnational requests between nodes without servers: the ``request`` package node A (AL)
queues for its peer "RO", what node B makes of it, and the receiver's steps travelling back as
status updates (both sides simulated in one database, as in test_exchange_link.py)."""

from typing import Any

import pytest
from django.test import override_settings

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, DocumentType, TravelDocument
from opentrm.cases.services.child import OriginContactBlockedError
from opentrm.cases.tests.factories import indicate_asylum
from opentrm.exchange import crypto, handlers
from opentrm.exchange.models import InboxMessage, OutboxMessage, Peer
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Delivery, Referral, ReferralStatus
from opentrm.referrals.services import exchange_link, requests
from opentrm.referrals.tests.test_exchange_link import arrive, created, outbox, processed
from opentrm.referrals.tests.test_requests import (
    BORN,
    NAME,
    adult_case,
    agreement_for,
    child_case,
    consent_for,
    draft_request,
    focal_point,
    fresh,
    receiver,
    sender,
    sent_request,
    step,
)
from opentrm.referrals.views_import import import_context

S = ReferralStatus
DOCUMENT_NUMBER = "FX0001234"
ANSWER = "Nationality confirmed by the fictional civil registry."


def identity_case(world: World) -> Case:
    """An adult of RO with a passport; consent to share with B and an agreement that lets
    only the identity group flow from A to B (travel documents stay behind)."""
    focal_point(world)
    case = adult_case(world)
    TravelDocument.objects.create(
        person=case.person, type=DocumentType.PASSPORT, number=DOCUMENT_NUMBER, issuing_country="RO"
    )
    consent_for(world, case, world.agency_b)
    agreement_for(world, [FieldGroup.IDENTITY])
    return case


def sent_with_package(world: World) -> tuple[Referral, OutboxMessage]:
    """Node A's identity-verification request to RO (with an active peer) and its package."""
    peer("RO")
    referral = sent_request(world, identity_case(world))
    (message,) = outbox("request")
    return referral, message


def sender_side(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


# --- sending ------------------------------------------------------------------------------------


def test_a_request_to_a_country_with_an_active_peer_travels_with_only_the_allowed_groups(
    world: World,
) -> None:
    referral, message = sent_with_package(world)
    assert referral.delivery == Delivery.NODE_EXCHANGE
    assert sender_side(referral).delivery == Delivery.NODE_EXCHANGE
    assert message.peer.country_code == "RO"
    assert message.referral_id == referral.pk
    body = message.body
    assert crypto.schema_errors("request", body) == []
    head = body["request"]
    assert head["reference"] == referral.reference
    assert head["kind"] == "identity_verification"
    assert head["sender_country"] == "AL"
    assert head["receiver_country"] == "RO"
    assert head["receiver_organisation"] == world.agency_b.name
    assert head["shared_groups"] == ["identity"]
    assert referral.consent is not None
    assert head["consent_ref"] == exchange_link.consent_ref(referral.consent)
    assert head["agreement_id"] == str(referral.agreement_id)
    person = body["sections"]["s1_1"]
    assert person["opentrm_name"] == NAME
    assert person["prs_Birthdate"] == BORN.isoformat()
    assert person["prs_Citizenship"] == "RO"
    # documents are in the travel group, which the agreement does not cover
    assert "opentrm_travel_document_comments" not in person
    assert DOCUMENT_NUMBER not in str(body)
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_SENT, detail__message_id=str(message.message_id)
    ).exists()


def test_without_an_active_peer_the_request_stays_on_this_node(world: World) -> None:
    referral = sent_request(world, identity_case(world))
    assert sender_side(referral).delivery == Delivery.ON_NODE
    assert not OutboxMessage.objects.exists()


def test_no_request_package_goes_to_the_childs_country_of_origin_after_asylum(
    world: World,
) -> None:
    peer("RO")
    focal_point(world)
    case = child_case(world)
    draft = draft_request(world, case)
    indicate_asylum(world, case)
    with pytest.raises(OriginContactBlockedError):
        requests.request_send(
            actor=sender(world), referral=draft, expected_version=draft.version, accept_partial=True
        )
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.EXCHANGE_SENT).exists()
    kept = sender_side(draft)
    assert kept.status == S.DRAFT
    assert kept.delivery == Delivery.ON_NODE
    assert AuditEvent.objects.filter(event_type="ORIGIN_CONTACT_BLOCKED").count() == 1


# --- receiving (this database plays node B, RO) ---------------------------------------------


def received(world: World) -> tuple[Referral, dict[str, Any], Peer, InboxMessage]:
    """The sender's request, its package body, the peer AL and the package handled on B."""
    original, message = sent_with_package(world)
    al = peer("AL")
    return original, message.body, al, arrive(al, "request", message.body)


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_request_package_lands_in_the_focal_points_inbox_as_a_minimal_offer(
    world: World,
) -> None:
    original, body, al, message = received(world)
    assert message.processed_at is not None
    assert processed(message)["outcome"] == "created"
    incoming = created(message)
    assert incoming.pk != original.pk
    assert incoming.kind == "identity_verification"
    assert incoming.status == S.SENT
    assert incoming.delivery == Delivery.NODE_EXCHANGE
    assert incoming.receiver_organisation == world.agency_b
    assert incoming.sender_organisation == world.agency_a
    assert incoming.case is None
    assert incoming.shared_groups == ["identity"]
    assert exchange_link.remote_of(incoming) == {
        "node_id": "node-al",
        "reference": original.reference,
        "public_id": None,
    }
    # before acknowledgement the receiver sees the minimal offer only
    member = receiver(world)
    section = import_context(member, incoming)["imported"]
    assert section is not None
    assert section.from_node
    assert section.hidden_until_acknowledged
    assert section.values == []
    assert requests.receiver_groups(member, incoming) == frozenset()
    # ... the reason, needs and the person's age band and sex, as the sender's offer named them
    assert incoming.reason == original.reason
    assert body["offer"]["cas_ReasonForOutgoingReferral"] == "AdditionalServicesRequired"
    offer = requests.minimal_offer(incoming, shows_person=False)
    assert offer.sex == "Female"
    assert offer.age_band in {"Under 18", "18 or over"}
    # the same package handled again, or delivered again, makes no second request
    handlers.dispatch(message)
    again = arrive(al, "request", body)
    assert processed(again)["error"] == "duplicate_reference"
    assert InboxMessage.objects.filter(referral_id=incoming.pk).count() == 1
    assert Referral.objects.filter(delivery=Delivery.NODE_EXCHANGE).count() == 2
    # once acknowledged: the fields of the shared groups, never the travel documents
    step(requests.request_acknowledge, incoming, member)
    section = import_context(member, fresh(incoming))["imported"]
    assert section is not None
    values = {value.code: value.value for value in section.values}
    assert values == {"names": NAME, "date_of_birth": BORN.isoformat(), "citizenships": "RO"}


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_receivers_answer_reaches_the_sender_as_a_status_update(world: World) -> None:
    original, _body, al, message = received(world)
    incoming = created(message)
    member = receiver(world)
    acknowledged = step(requests.request_acknowledge, incoming, member)
    step(requests.request_answer, acknowledged, member, answer=ANSWER)
    updates = [m for m in outbox("status_update") if m.peer == al]
    assert [m.body["status"] for m in updates] == ["acknowledged", "answered"]
    answer = updates[-1].body
    assert answer["reference"] == original.reference
    assert answer["receiver_reference"] == incoming.reference
    assert answer["answer"] == ANSWER
    # node A applies both, in order, as they come from RO
    ro = Peer.objects.get(country_code="RO")
    for update in updates:
        applied = arrive(ro, "status_update", update.body)
        assert processed(applied)["outcome"] == "applied"
    mine = sender_side(original)
    assert mine.status == S.ANSWERED
    assert mine.answer == ANSWER
    assert mine.answered_at is not None
    event = AuditEvent.objects.get(event_type=EventType.REFERRAL_ANSWERED, target_id=str(mine.pk))
    assert ANSWER not in str(event.detail)
    # the sender may close the answered request
    closed = step(requests.request_close, mine, sender(world))
    assert closed.status == S.CLOSED
