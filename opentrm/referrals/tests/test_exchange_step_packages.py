"""Packages for later steps at their edges: a follow-up report without a summary travels without
one, and a step on a request (which has no template) travels without template sections.
Fictional data only."""

from django.test import override_settings
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.exchange.models import OutboxMessage
from opentrm.exchange.tests.factories import peer
from opentrm.referrals.services import requests
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.tests.test_exchange_link_refusals import _accepted_incoming
from opentrm.referrals.tests.test_requests import (
    adult_case,
    draft_request,
    focal_point,
    fresh,
    sender,
)


@override_settings(OPENTRM_NODE_COUNTRY="RO")
def test_a_follow_up_without_a_summary_travels_without_one(world: World) -> None:
    incoming, _body = _accepted_incoming(world)
    tn.follow_up_add(
        actor=world.actor(Role.CASE_MANAGER, org="b"),
        referral=incoming,
        reported_on=timezone.localdate(),
        values={"s6_1.accommodation": "shelter"},
        summary="",
        lang="ro",
    )
    (message,) = OutboxMessage.objects.filter(type="follow_up")
    assert "summary" not in message.body
    assert message.body["sections"] == {"s6_1": {"opentrm_accommodation": "shelter"}}


def test_a_withdrawn_request_travels_without_template_sections(world: World) -> None:
    peer("RO")
    focal_point(world)
    draft = draft_request(world, adult_case(world))
    sent = requests.request_send(
        actor=sender(world), referral=draft, expected_version=draft.version, accept_partial=True
    )
    sent = fresh(sent)
    requests.request_withdraw(
        actor=sender(world),
        referral=sent,
        expected_version=sent.version,
        reason="Fictional: asked in error.",
    )
    (update,) = OutboxMessage.objects.filter(type="status_update")
    assert update.body["status"] == "withdrawn"
    assert "sections" not in update.body
    assert "withheld" not in update.body
