"""Which consent withdrawals tell the other node, at the edges: a consent for another purpose
tells nothing, a sharing consent the referral did not rely on and that narrows nothing tells
nothing, and a referral received from another node is never narrowed back to it from here; a
referral whose origin node is no longer a peer is answered here without a package.
Fictional data only."""

from django.test import override_settings

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.services.consent import consent_withdraw
from opentrm.cases.tests.factories import record_consent
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import national
from opentrm.referrals.tests.test_exchange_link import (
    _referral_package,
    arrive,
    created,
    outbox,
    sent_referral,
)


def test_a_consent_for_another_purpose_tells_the_other_node_nothing(world: World) -> None:
    peer("RO")
    s, _referral = sent_referral(world)
    manager = world.actor(Role.CASE_MANAGER)
    video = record_consent(manager, s.case, "video_interview", "Explained.")
    consent_withdraw(actor=manager, consent=video)
    assert outbox("consent_withdrawal") == []


def test_a_consent_the_referral_did_not_rely_on_tells_nothing(world: World) -> None:
    peer("RO")
    s, referral = sent_referral(world)
    manager = world.actor(Role.CASE_MANAGER)
    other = record_consent(manager, s.case, "share_data", "Explained.", to=world.agency_c)
    consent_withdraw(actor=manager, consent=other)
    assert outbox("consent_withdrawal") == []
    referral.refresh_from_db()
    assert referral.shared_groups  # unchanged


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_received_referral_is_not_narrowed_back_to_its_origin(world: World) -> None:
    _original, body = _referral_package(world)
    incoming = created(arrive(peer("AL"), "referral", body))
    member = world.actor(Role.CASE_MANAGER, org="b")
    national.referral_accept(actor=member, referral=incoming, expected_version=incoming.version)
    incoming = Referral.objects.get(pk=incoming.pk)
    assert incoming.case is not None
    local = record_consent(member, incoming.case, "share_data", "Explained.", to=world.agency_a)
    Referral.objects.filter(pk=incoming.pk).update(consent=local)
    before = OutboxMessage.objects.count()
    consent_withdraw(actor=member, consent=local)
    assert OutboxMessage.objects.count() == before  # nothing travels back to its origin


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_referral_whose_origin_is_no_longer_a_peer_is_answered_here_only(
    world: World,
) -> None:
    _original, body = _referral_package(world)
    incoming = created(arrive(peer("AL"), "referral", body))
    Referral.objects.filter(pk=incoming.pk).update(origin_node="node-gone")
    incoming = Referral.objects.get(pk=incoming.pk)
    before = OutboxMessage.objects.count()
    national.referral_decline(
        actor=world.actor(Role.CASE_MANAGER, org="b"),
        referral=incoming,
        expected_version=incoming.version,
        reason="Fictional: not competent.",
    )
    assert Referral.objects.get(pk=incoming.pk).status == ReferralStatus.DECLINED
    assert OutboxMessage.objects.count() == before
