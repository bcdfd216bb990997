"""Referrals between nodes without servers: what the sending side queues, and what the
handlers do with packages stored in the inbox (both sides simulated in one database: node A's
referral goes to a peer "RO"; a package "from AL" is handled as node B would)."""

import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import FieldGroup
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.services import consent_withdraw
from opentrm.directory.models import Function, Organisation, Responsibility
from opentrm.exchange import crypto, handlers
from opentrm.exchange.models import InboxMessage, OutboxMessage, Peer, PeerStatus
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Delivery, Referral, ReferralStatus
from opentrm.referrals.services import exchange_link, national
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_template import HEALTH, NAME, Setup, create, send, setup

S = ReferralStatus
REASON = "Fictional: she asks to go home to her family."


def sent_referral(world: World) -> tuple[Setup, Referral]:
    s = setup(world, groups=(FieldGroup.IDENTITY, FieldGroup.ASSISTANCE))
    referral = create(s)
    Referral.objects.filter(pk=referral.pk).update(reason=REASON)
    return s, send(s, referral)


def outbox(type_: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(type=type_).order_by("created_at", "id"))


def arrive(from_peer: Peer, type_: str, body: dict[str, Any]) -> InboxMessage:
    """Store a package as the inbox does and hand it to its handler."""
    assert crypto.schema_errors(type_, body) == []
    message = InboxMessage.objects.create(
        message_id=uuid.uuid4(),
        peer=from_peer,
        type=type_,
        body=body,
        issued_at=timezone.now(),
    )
    handlers.dispatch(message)
    message.refresh_from_db()
    return message


def created(message: InboxMessage) -> Referral:
    assert message.referral_id is not None
    return Referral.objects.get(pk=message.referral_id)


def processed(message: InboxMessage) -> dict[str, Any]:
    event = AuditEvent.objects.get(
        event_type=EventType.EXCHANGE_PROCESSED, detail__message_id=str(message.message_id)
    )
    detail: dict[str, Any] = event.detail
    return detail


# --- sending ------------------------------------------------------------------------------------


def test_a_referral_to_a_country_with_an_active_peer_travels_with_only_what_the_gate_allowed(
    world: World,
) -> None:
    ro = peer("RO")
    s, referral = sent_referral(world)
    assert referral.delivery == Delivery.NODE_EXCHANGE
    assert Referral.objects.get(pk=referral.pk).delivery == Delivery.NODE_EXCHANGE
    (message,) = outbox("referral")
    assert message.peer == ro
    assert message.referral_id == referral.pk
    body = message.body
    assert crypto.schema_errors("referral", body) == []
    head = body["referral"]
    assert head["reference"] == referral.reference
    assert head["receiver_organisation"] == world.agency_b.name
    assert head["consent_ref"] == (
        f"CR-{s.consent.pk}-{s.consent.decided_on.isoformat()}" if s.consent else None
    )
    assert head["agreement_id"] == str(referral.agreement_id)
    assert head["template_version"] == 1
    assert sorted(head["shared_groups"]) == ["assistance", "identity"]
    assert body["format"] == 2
    assert body["sections"]["s1_1"]["prs_Gender"] == "Feminine"  # HTCDS 2.0 name and value
    assert body["sections"]["s1_1"]["opentrm_name"]["text"] == NAME
    # health is not in the agreement: withheld by name, never its value
    assert HEALTH not in str(body)
    assert "s3_2.opentrm_medical_history" in body["withheld"]
    # the same message id in the sender's audit trail
    assert AuditEvent.objects.filter(
        event_type=EventType.EXCHANGE_SENT, detail__message_id=str(message.message_id)
    ).exists()


@pytest.mark.parametrize("status", [None, PeerStatus.PENDING, PeerStatus.SUSPENDED])
def test_without_an_active_peer_the_referral_stays_on_this_node(
    world: World, status: str | None
) -> None:
    if status is not None:
        peer("RO", status)
    _s, referral = sent_referral(world)
    assert referral.delivery == Delivery.ON_NODE
    assert not OutboxMessage.objects.exists()


def test_the_withdrawal_of_the_consent_tells_the_other_node_what_may_still_be_shared(
    world: World,
) -> None:
    peer("RO")
    s, referral = sent_referral(world)
    assert s.consent is not None
    consent_withdraw(actor=world.actor(Role.CASE_MANAGER), consent=s.consent)
    (message,) = outbox("consent_withdrawal")
    assert message.body["reference"] == referral.reference
    assert message.body["purposes"] == ["share_data"]
    assert message.body["shared_groups"] == []
    assert message.body["consent_ref"].startswith(f"CR-{s.consent.pk}-")
    sent = AuditEvent.objects.get(event_type=EventType.REFERRAL_NARROWING_SENT)
    assert sent.detail["message_id"] == str(message.message_id)
    assert sent.detail["groups_after"] == []


def withdrawn_referral(world: World) -> Referral:
    """A referral sent to RO (a peer node) and then withdrawn by its sender."""
    peer("RO")
    _s, referral = sent_referral(world)
    referral.refresh_from_db()
    national.referral_withdraw(
        actor=world.actor(Role.CASEWORKER),
        referral=referral,
        expected_version=referral.version,
        reason="Fictional reason",
    )
    return referral


def test_a_step_of_the_sender_travels_as_a_status_update(world: World) -> None:
    referral = withdrawn_referral(world)
    (message,) = outbox("status_update")
    assert message.body["reference"] == referral.reference
    assert message.body["status"] == "withdrawn"
    assert message.body["withdrawal_reason"] == "Fictional reason"


# --- receiving (this database plays node B, RO) ---------------------------------------------


def _referral_package(world: World) -> tuple[Referral, dict[str, Any]]:
    """Node A's referral and the body it queued (with a peer for RO)."""
    peer("RO")
    _s, referral = sent_referral(world)
    (message,) = outbox("referral")
    return referral, message.body


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_referral_package_lands_in_the_focal_points_inbox(world: World) -> None:
    original, body = _referral_package(world)
    al = peer("AL")
    message = arrive(al, "referral", body)
    assert message.processed_at is not None
    incoming = created(message)
    assert incoming.pk != original.pk
    assert incoming.status == S.SENT
    assert incoming.delivery == Delivery.NODE_EXCHANGE
    assert incoming.receiver_organisation == world.agency_b
    assert incoming.sender_organisation == world.agency_a
    assert incoming.case is None
    assert incoming.reference != original.reference
    remote = exchange_link.remote_of(incoming)
    assert remote == {"node_id": "node-al", "reference": original.reference, "public_id": None}
    # the origin in indexed columns: later packages find the referral by them
    assert (incoming.origin_node, incoming.origin_reference) == ("node-al", original.reference)
    sent = incoming.template.data["sent"]
    assert sent["values"]["s1_1.sex"] == "female"
    assert "s3_2.medical_history" in sent["withheld"]
    assert incoming.template.data["imported"]["person"]["sex"] == "Female"
    # the minimal offer (HTCDS names in the package) is what the focal point reads first
    assert body["offer"]["prs_Gender"] == "Feminine"
    assert body["offer"]["cas_OutgoingReferralDetails"] == REASON
    offer = national.minimal_offer(incoming, shows_person=False)
    assert (offer.sex, offer.reason) == ("female", REASON)
    assert offer.age_band in {"over_18", "under_18"}
    detail = processed(message)
    assert detail["outcome"] == "created"
    # the receiver sees nothing personal before accepting
    view = tn.template_view(world.actor(Role.CASE_MANAGER, org="b"), incoming)
    assert view is not None
    assert view.visible_values().get("s1_1.name") is None
    # the same package handled again does nothing more
    handlers.dispatch(message)
    assert Referral.objects.filter(delivery=Delivery.NODE_EXCHANGE).count() == 2


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_accepting_it_opens_a_local_case_and_tells_the_sender(world: World) -> None:
    _original, body = _referral_package(world)
    al = peer("AL")
    incoming = created(arrive(al, "referral", body))
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming.refresh_from_db()
    assert incoming.status == S.ACCEPTED
    assert incoming.case is not None
    assert incoming.case.owner_organisation == world.agency_b
    person = incoming.case.person
    assert person.sex == "female"
    assert [name.value for name in person.names.all()] == [NAME]
    assert sorted(c.country_code for c in person.citizenships.all()) == ["RO"]
    update = OutboxMessage.objects.get(type="status_update", peer=al)
    assert update.body["status"] == "accepted"
    assert update.body["reference"] == body["referral"]["reference"]
    assert update.body["receiver_reference"] == incoming.reference
    view = tn.template_view(member, incoming)
    assert view is not None
    assert view.visible_values()["s1_1.name"]["text"] == NAME


def test_a_status_update_from_the_peer_moves_the_referral_with_the_system_user(
    world: World,
) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"}
    message = arrive(ro, "status_update", {**body, "receiver_reference": "REF-RO-2026-000009"})
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    event = referral.events.order_by("-at", "-id").first()
    assert event is not None
    assert event.by is not None
    assert event.by.username == exchange_link.SYSTEM_USERNAME
    assert event.organisation_id == world.agency_b.pk
    assert "REF-RO-2026-000009" in event.note
    assert processed(message)["outcome"] == "applied"
    accepted = AuditEvent.objects.get(
        event_type=EventType.REFERRAL_ACCEPTED, target_id=str(referral.pk)
    )
    assert accepted.detail["message_id"] == str(message.message_id)
    # a late "acknowledged" is stale: nothing changes
    late = arrive(ro, "status_update", {**body, "status": "acknowledged"})
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED
    assert processed(late)["outcome"] == "unchanged"
    # a step only the sender takes is refused when the receiver's node reports it
    wrong = arrive(ro, "status_update", {**body, "status": "closed"})
    assert processed(wrong)["outcome"] == "refused"
    assert processed(wrong)["error"] == "not_their_step"
    referral.refresh_from_db()
    assert referral.status == S.ACCEPTED


def test_a_package_about_an_unknown_referral_is_refused_and_marked_processed(
    world: World,
) -> None:
    ro = peer("RO")
    other = peer("MD")
    _s, referral = sent_referral(world)
    body = {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"}
    # another peer cannot move a referral that was not sent to it
    message = arrive(other, "status_update", body)
    assert message.processed_at is not None
    assert processed(message)["error"] == "unknown_referral"
    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert ro.pk != other.pk


def test_a_follow_up_report_from_the_peer_becomes_the_templates_origin_values(
    world: World,
) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    arrive(
        ro,
        "status_update",
        {"reference": referral.reference, "status": "accepted", "at": "2026-01-01T10:00:00Z"},
    )
    message = arrive(
        ro,
        "follow_up",
        {
            "reference": referral.reference,
            "reported_on": timezone.localdate().isoformat(),
            "organisation": world.agency_b.name,
            "sections": {"s6_1": {"accommodation": "shelter"}, "s1_1": {"gender": "male"}},
            "summary": {"text": "Fictional visit went well.", "lang": "ro"},
        },
    )
    report = referral.follow_ups.get()
    assert report.organisation == world.agency_b
    assert report.data["values"] == {"s6_1.accommodation": "shelter"}  # §6-§7 only
    referral.template.refresh_from_db()
    assert referral.template.data["origin"]["s6_1.accommodation"] == "shelter"
    assert processed(message)["report_id"] == report.pk


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_consent_withdrawal_narrows_the_incoming_referral_at_once_and_is_acknowledged(
    world: World,
) -> None:
    _original, body = _referral_package(world)
    al = peer("AL")
    first = arrive(al, "referral", body)
    InboxMessage.objects.filter(pk=first.pk).update(signed="fictional.signed.token")
    incoming = created(first)
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming.refresh_from_db()
    view = tn.template_view(member, incoming)
    assert view is not None
    assert "s1_1.name" in view.visible_values()
    assert NAME in str(InboxMessage.objects.get(pk=first.pk).body)
    message = arrive(
        al,
        "consent_withdrawal",
        {
            "reference": body["referral"]["reference"],
            "consent_ref": body["referral"]["consent_ref"],
            "withdrawn_at": "2026-01-02T10:00:00Z",
            "purposes": ["share_data"],
            "shared_groups": [],
        },
    )
    incoming.refresh_from_db()
    assert incoming.shared_groups == []
    view = tn.template_view(member, incoming)
    assert view is not None
    assert view.visible_values().get("s1_1.name") is None
    assert processed(message)["groups_after"] == []
    ack = OutboxMessage.objects.filter(type="status_update", peer=al).order_by("-id").first()
    assert ack is not None
    assert ack.body["note"] == exchange_link.CONSENT_APPLIED
    assert ack.body["status"] == "accepted"
    # the stored copies lose the withdrawn groups too: the package's plaintext and its signed
    # token (which cannot be narrowed), the template's snapshot; the offer stays
    first.refresh_from_db()
    assert NAME not in str(first.body)
    assert first.signed == ""
    assert "prs_Gender" not in first.body["sections"].get("s1_1", {})
    assert first.body["offer"]["prs_Gender"] == "Feminine"
    incoming.template.refresh_from_db()
    sent = incoming.template.data["sent"]
    assert "s1_1.name" not in sent["values"]
    assert "s1_1.name" in sent["withheld"]
    assert NAME not in str(incoming.template.data)
    narrowed = AuditEvent.objects.get(event_type=EventType.REFERRAL_COPIES_NARROWED)
    assert "s1_1.name" in narrowed.detail["fields_removed"]
    assert narrowed.detail["packages_narrowed"] == [str(first.message_id)]
    assert NAME not in str(narrowed.detail)


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_an_unknown_sender_organisation_becomes_an_inactive_placeholder(world: World) -> None:
    _original, body = _referral_package(world)
    body["referral"]["sender_organisation"] = "Fictional Office Not In This Directory"
    incoming = created(arrive(peer("AL"), "referral", body))
    placeholder = incoming.sender_organisation
    assert placeholder.name == "Fictional Office Not In This Directory"
    assert placeholder.country.code == "AL"
    assert not placeholder.is_active
    assert "node exchange" in placeholder.notes
    assert placeholder.notes_key == "placeholder_from_exchange"
    assert placeholder.notes_params == {"node": "node-al"}
    # created through the directory's audited service, by the exchange's service user
    event = AuditEvent.objects.get(
        event_type=EventType.ORGANISATION_CREATED, target_id=str(placeholder.pk)
    )
    assert event.detail == {"via": "node_exchange", "placeholder": True}
    assert event.actor_id == exchange_link.system_actor().user.pk


@override_settings(OPENTRM_NODE_COUNTRY="MD")
def test_a_referral_for_another_country_is_refused(world: World) -> None:
    _original, body = _referral_package(world)
    message = arrive(peer("AL"), "referral", body)
    assert message.referral_id is None
    assert processed(message)["error"] == "wrong_country"
    # Retention: nothing of a refused package's content stays (body and signed token).
    assert (message.body, message.signed) == ({}, "")


# --- stable organisation ids (issue 13) -------------------------------------------------------


def test_the_package_names_both_organisations_by_their_stable_ids(world: World) -> None:
    _referral, body = _referral_package(world)
    head = body["referral"]
    node = settings.OPENTRM_NODE_ID
    assert head["sender_organisation_id"] == f"{node}/{world.agency_a.uuid}"
    assert head["receiver_organisation_id"] == f"{node}/{world.agency_b.uuid}"


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_receiver_is_the_organisation_of_the_id_not_of_the_name(world: World) -> None:
    _original, body = _referral_package(world)
    child = Organisation.objects.create(
        country=world.country_b, name="Fictional RO child authority", type="child_protection"
    )
    Responsibility.objects.create(
        country=world.country_b, function=Function.CHILD_AUTHORITY, organisation=child
    )
    body["referral"]["receiver_organisation"] = child.name  # the id still names agency B
    incoming = created(arrive(peer("AL"), "referral", body))
    assert incoming.receiver_organisation == world.agency_b


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_sender_is_the_copy_of_the_peers_entry_whatever_its_name(world: World) -> None:
    _original, body = _referral_package(world)
    copy = Organisation.objects.create(
        country=world.country_a,
        name="Fictional AL agency (copy)",
        type="ngo",
        origin_node="node-al",
    )
    body["referral"]["sender_organisation"] = "A name this node never saw"
    body["referral"]["sender_organisation_id"] = f"node-al/{copy.uuid}"
    incoming = created(arrive(peer("AL"), "referral", body))
    assert incoming.sender_organisation == copy
    assert not Organisation.objects.filter(name="A name this node never saw").exists()
