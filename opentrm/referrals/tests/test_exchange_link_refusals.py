"""Packages a peer node may not send, and the follow-up report that travels back: a refused
package is marked processed with its reason and changes nothing; the report the receiving
node writes reaches the sender with only what the referral still shares."""

from typing import Any

from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.exchange.models import OutboxMessage, Peer
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralEvent,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services import national
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_exchange_link import (
    _referral_package,
    arrive,
    created,
    processed,
    sent_referral,
)

S = ReferralStatus
AT = "2026-01-01T10:00:00Z"


def _accepted_incoming(world: World) -> tuple[Referral, dict[str, Any]]:
    """On node RO: node AL's referral received and accepted by agency B."""
    _original, body = _referral_package(world)
    incoming = created(arrive(peer("AL"), "referral", body))
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming.refresh_from_db()
    return incoming, body


def peer_of(node_id: str) -> Peer:
    return Peer.objects.get(node_id=node_id)


def _follow_up(reference: str, world: World) -> dict[str, Any]:
    return {
        "reference": reference,
        "reported_on": timezone.localdate().isoformat(),
        "organisation": world.agency_b.name,
        "sections": {"s6_1": {"accommodation": "shelter"}},
    }


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_follow_up_report_written_here_travels_to_the_sending_node(world: World) -> None:
    incoming, body = _accepted_incoming(world)
    tn.follow_up_add(
        actor=world.actor(Role.CASE_MANAGER, org="b"),
        referral=incoming,
        reported_on=timezone.localdate(),
        values={"s6_1.accommodation": "shelter", "s7_2.case_initiated": "yes"},
        summary="Fictional visit went well.",
        lang="ro",
    )
    (message,) = OutboxMessage.objects.filter(type="follow_up")
    assert message.peer.node_id == "node-al"
    assert message.body["reference"] == body["referral"]["reference"]
    assert message.body["organisation"] == world.agency_b.name
    assert message.body["summary"] == {"text": "Fictional visit went well.", "lang": "ro"}
    # §7.2 belongs to a group the referral does not share: kept here, never sent
    assert FollowUpReport.objects.get().data["values"]["s7_2.case_initiated"] is True
    assert message.body["sections"] == {"s6_1": {"opentrm_accommodation": "shelter"}}


def test_a_step_the_peer_may_not_report_or_cannot_take_is_refused(world: World) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    groups = list(referral.shared_groups)
    # the receiving node never changes what the sender shares
    sharing = arrive(
        ro,
        "status_update",
        {"reference": referral.reference, "status": "sent", "at": AT, "shared_groups": []},
    )
    assert processed(sharing)["error"] == "not_their_step"
    # arrival cannot be confirmed before the referral was accepted
    early = arrive(
        ro,
        "status_update",
        {"reference": referral.reference, "status": "arrival_confirmed", "at": AT},
    )
    assert processed(early)["error"] == "transition_refused"
    referral.refresh_from_db()
    assert referral.status == S.SENT
    assert referral.shared_groups == groups


def test_a_follow_up_report_the_peer_may_not_send_is_refused(world: World) -> None:
    ro = peer("RO")
    _s, referral = sent_referral(world)
    unknown = arrive(ro, "follow_up", _follow_up("REF-AL-2026-999999", world))
    assert processed(unknown)["error"] == "unknown_referral"
    TemplateInstance.objects.filter(referral=referral).delete()
    bare = arrive(ro, "follow_up", _follow_up(referral.reference, world))
    assert processed(bare)["error"] == "no_template"
    assert not FollowUpReport.objects.exists()


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_the_sending_node_may_not_report_a_follow_up_of_its_own_referral(world: World) -> None:
    incoming, body = _accepted_incoming(world)
    al = incoming.origin_node
    assert al == "node-al"
    message = arrive(peer_of(al), "follow_up", _follow_up(body["referral"]["reference"], world))
    assert processed(message)["error"] == "not_their_report"
    assert not FollowUpReport.objects.exists()


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_consent_withdrawal_that_narrows_nothing_keeps_the_groups_and_is_acknowledged(
    world: World,
) -> None:
    incoming, body = _accepted_incoming(world)
    groups = sorted(incoming.shared_groups)
    message = arrive(
        peer_of("node-al"),
        "consent_withdrawal",
        {
            "reference": body["referral"]["reference"],
            "consent_ref": body["referral"]["consent_ref"],
            "withdrawn_at": "2026-01-02T10:00:00Z",
            "purposes": ["return"],
            "shared_groups": groups,
        },
    )
    incoming.refresh_from_db()
    assert incoming.shared_groups == groups
    assert processed(message)["groups_after"] == groups
    ack = OutboxMessage.objects.filter(type="status_update").order_by("-id").first()
    assert ack is not None
    assert ack.body["status"] == "accepted"


def test_a_consent_withdrawal_about_a_referral_this_node_sent_is_refused(world: World) -> None:
    ro = peer("RO")
    s, referral = sent_referral(world)
    assert s.consent is not None
    groups = list(referral.shared_groups)
    message = arrive(
        ro,
        "consent_withdrawal",
        {
            "reference": referral.reference,
            "consent_ref": "x",
            "withdrawn_at": "2026-01-02T10:00:00Z",
            "purposes": ["share_data"],
            "shared_groups": [],
        },
    )
    assert processed(message)["error"] == "unknown_referral"
    referral.refresh_from_db()
    assert referral.shared_groups == groups


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_sharing_change_without_sections_changes_the_groups_and_keeps_the_snapshot(
    world: World,
) -> None:
    """The sender's node shares fewer groups and sends no values with it: the referral here
    shares what it says from now on, recorded on its timeline and audited; the snapshot's
    values stay as they arrived."""
    incoming, body = _accepted_incoming(world)
    values = dict(incoming.template.data["sent"]["values"])
    message = arrive(
        peer_of("node-al"),
        "status_update",
        {
            "reference": body["referral"]["reference"],
            "status": "accepted",
            "at": AT,
            "shared_groups": ["identity"],
        },
    )
    incoming.refresh_from_db()
    assert incoming.shared_groups == ["identity"]
    assert incoming.status == S.ACCEPTED
    assert TemplateInstance.objects.get(referral=incoming).data["sent"]["values"] == values
    detail = processed(message)
    assert detail["outcome"] == "sharing_changed"
    assert detail["groups_after"] == ["identity"]
    assert "assistance" in detail["groups_before"]
    assert ReferralEvent.objects.filter(referral=incoming, note__contains="assistance").exists()
