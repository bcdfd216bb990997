"""The referral state machine (``referrals/states.py``) and the one service that takes every
step (``services/transitions.py``): every pair (status, step) of every flow, allowed and
refused, for both sides, generated from the table. Fictional data only."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts.policy import Actor
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import CaseParticipant
from opentrm.core.errors import ConflictError
from opentrm.referrals import states
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
    Routing,
)
from opentrm.referrals.services import transitions
from opentrm.referrals.services.exchange_link import system_actor
from opentrm.referrals.states import RULES, SOURCES, Flow, Side, Step

SHARED_WORLD = True  # one world for the module: the pairs below are many
S = ReferralStatus
KIND = {
    Flow.NATIONAL: ReferralKind.NATIONAL,
    Flow.TRANSNATIONAL: ReferralKind.TRANSNATIONAL,
    Flow.REQUEST: ReferralKind.FAMILY_CHECK,
}
_numbers = itertools.count(1)


def make(world: World, flow: Flow, status: str, **fields: Any) -> Referral:
    values: dict[str, Any] = {
        "reference": f"REF-AL-2026-{900000 + next(_numbers):06d}",
        "kind": KIND[flow],
        "sender_organisation": world.agency_a,
        "receiver_country": "RO",
        "receiver_organisation": world.agency_b,
        "routing": Routing.FOCAL_POINT,
        "status": status,
        **fields,
    }
    return Referral.objects.create(**values)


def actor_of(world: World, side: Side) -> Actor:
    return world.actor(Role.CASE_MANAGER, org="a" if side == Side.SENDER else "b")


def step(actor: Actor, referral: Referral, to: str, **options: Any) -> Referral:
    """Take the step to ``to`` from the referral's current version."""
    return transitions.referral_transition(
        actor=actor, referral=referral, to=to, expected_version=referral.version, **options
    )


# --- the table itself (no database) ---------------------------------------------------------


def test_the_status_graph_is_the_one_referrals_always_had() -> None:
    assert {k: set(v) for k, v in states.GRAPH.items() if v} == {
        S.DRAFT: {S.SENT, S.WITHDRAWN},
        S.SENT: {S.ACKNOWLEDGED, S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED, S.WITHDRAWN},
        S.ACKNOWLEDGED: {S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED, S.WITHDRAWN},
        S.ACCEPTED: {S.RETURN_ARRANGED, S.FORWARDED, S.WITHDRAWN, S.CLOSED},
        S.RETURN_ARRANGED: {S.ARRIVAL_CONFIRMED, S.WITHDRAWN, S.CLOSED},
        S.ARRIVAL_CONFIRMED: {S.CLOSED},
        S.ANSWERED: {S.CLOSED},
    }
    assert {S.DECLINED, S.FORWARDED, S.WITHDRAWN, S.CLOSED} == states.FINAL


def test_the_database_rule_knows_the_open_statuses() -> None:
    (constraint,) = [
        c
        for c in Referral._meta.constraints
        if c.name == "referrals_referral_one_open_per_case_receiver"
    ]
    condition = dict(constraint.condition.children)  # type: ignore[attr-defined]
    assert set(condition["status__in"]) == states.OPEN


@pytest.mark.parametrize(
    ("flow", "status", "step"), list(itertools.product(Flow, S, Step)), ids=str
)
def test_each_pair_is_in_the_table_or_refused(flow: Flow, status: str, step: Step) -> None:
    kind = KIND[flow]
    rule = RULES[step]
    allowed = status in SOURCES[flow].get(step, ())
    found = states.transition(kind, status, rule.target)
    assert (found is not None) == allowed
    for side in Side:
        steps = states.steps_from(kind, status, side)
        assert (step in steps) == (allowed and side == rule.side)
    if found is not None:
        assert (found.flow, found.source, found.step) == (flow, status, step)
        assert (found.target, found.side) == (rule.target, rule.side)


def test_flows_lookups_and_reachability() -> None:
    assert states.flow_of(ReferralKind.NATIONAL) == Flow.NATIONAL
    assert states.flow_of(ReferralKind.TRANSNATIONAL) == Flow.TRANSNATIONAL
    assert {states.flow_of(kind) for kind in ReferralKind.requests()} == {Flow.REQUEST}
    assert states.rule_to(ReferralKind.NATIONAL, S.ANSWERED) is None
    assert states.rule_to(ReferralKind.NATIONAL, S.DRAFT) is None
    assert states.rule_to(ReferralKind.FAMILY_CHECK, S.ANSWERED) is RULES[Step.ANSWER]
    assert states.reachable(ReferralKind.TRANSNATIONAL, S.SENT, S.CLOSED)
    assert states.reachable(ReferralKind.TRANSNATIONAL, S.ACKNOWLEDGED, S.ARRIVAL_CONFIRMED)
    assert not states.reachable(ReferralKind.TRANSNATIONAL, S.ACCEPTED, S.ACKNOWLEDGED)
    assert not states.reachable(ReferralKind.FAMILY_CHECK, S.SENT, S.ACCEPTED)
    assert not states.reachable(ReferralKind.FAMILY_CHECK, S.CLOSED, S.SENT)
    # a peer reports neither the sending (the first package does) nor a forward (never leaves)
    assert states.peer_reports(ReferralKind.TRANSNATIONAL, Side.RECEIVER) == {
        S.ACKNOWLEDGED,
        S.ACCEPTED,
        S.DECLINED,
        S.ARRIVAL_CONFIRMED,
    }
    assert states.peer_reports(ReferralKind.TRANSNATIONAL, Side.SENDER) == {
        S.RETURN_ARRANGED,
        S.CLOSED,
        S.WITHDRAWN,
    }
    assert S.ANSWERED in states.peer_reports(ReferralKind.FAMILY_CHECK, Side.RECEIVER)


def test_the_guards_are_pure_and_named() -> None:
    referral = Referral(routing=Routing.FOCAL_POINT, delivery=Delivery.ON_NODE)
    guards = RULES[Step.FORWARD].guards
    assert states.failed_guards(referral, guards) == []
    referral.routing, referral.delivery = Routing.DIRECT, Delivery.NODE_EXCHANGE
    assert states.failed_guards(referral, guards) == ["focal_point_route", "on_this_node"]
    named = {name for rule in RULES.values() for name in rule.guards}
    assert named == set(states.GUARDS) == set(transitions.guard_messages())
    checks = {name for rule in RULES.values() for name in rule.checks}
    assert checks == set(transitions.CHECKS) | set(transitions.CHECKS_BEFORE)


# --- the service, pair by pair, both sides ---------------------------------------------------


@pytest.mark.parametrize(("flow", "step"), list(itertools.product(Flow, Step)), ids=str)
def test_the_service_takes_exactly_the_steps_of_the_table(
    world: World, flow: Flow, step: Step
) -> None:
    rule = RULES[step]
    sources = SOURCES[flow].get(step)
    for status, side in itertools.product(S, Side):
        referral = make(world, flow, status)
        actor = actor_of(world, side)

        def take(referral: Referral = referral, actor: Actor = actor) -> Referral:
            return transitions.referral_transition(
                actor=actor,
                referral=referral,
                to=rule.target,
                expected_version=referral.version,
                reason="Fictional reason" if rule.reason_field else "",
            )

        if sources is None:  # not a step of this flow, from anywhere
            with pytest.raises(ValidationError):
                take()
        elif side != rule.side or (side == Side.RECEIVER and status == S.DRAFT):
            with pytest.raises(PermissionDenied):
                take()
        elif status not in sources:
            with pytest.raises(ValidationError):
                take()
        else:
            done = take()
            assert done.status == rule.target
            fresh = Referral.objects.get(pk=referral.pk)
            assert fresh.status == rule.target
            assert fresh.version == 2
            if rule.reason_field:
                assert getattr(fresh, rule.reason_field) == "Fictional reason"
            event = ReferralEvent.objects.get(referral=referral)
            assert (event.status, event.organisation_id) == (rule.target, actor.organisation_id)
            audit = AuditEvent.objects.get(
                event_type=transitions.STEP_EVENTS[rule.target], target_id=str(referral.pk)
            )
            assert audit.detail["referral"] == referral.reference
            continue
        assert Referral.objects.get(pk=referral.pk).status == status  # nothing written
        assert not ReferralEvent.objects.filter(referral=referral).exists()


def test_a_stale_version_is_a_conflict_and_a_missing_reason_is_refused(world: World) -> None:
    referral = make(world, Flow.NATIONAL, S.SENT)
    receiver = actor_of(world, Side.RECEIVER)
    with pytest.raises(ConflictError):
        transitions.referral_transition(
            actor=receiver, referral=referral, to=S.ACKNOWLEDGED, expected_version=7
        )
    with pytest.raises(ValidationError) as refused:
        transitions.referral_transition(
            actor=receiver, referral=referral, to=S.DECLINED, expected_version=1, reason="  "
        )
    assert "reason" in refused.value.message_dict
    assert Referral.objects.get(pk=referral.pk).status == S.SENT


def test_a_forward_of_a_referral_from_another_node_is_refused_by_its_guard(world: World) -> None:
    referral = make(world, Flow.TRANSNATIONAL, S.SENT, delivery=Delivery.NODE_EXCHANGE)
    with pytest.raises(ValidationError) as refused:
        step(actor_of(world, Side.RECEIVER), referral, S.FORWARDED)
    assert "another OpenTRM node" in str(refused.value)


def test_a_step_reported_by_the_peer_skips_the_actor_and_names_the_side(world: World) -> None:
    referral = make(world, Flow.TRANSNATIONAL, S.SENT)
    step(system_actor(), referral, S.DECLINED, reported_by=Side.RECEIVER)
    event = ReferralEvent.objects.get(referral=referral)
    assert event.organisation_id == world.agency_b.pk
    accepted = make(world, Flow.TRANSNATIONAL, S.ACCEPTED)
    step(system_actor(), accepted, S.CLOSED, reported_by=Side.SENDER)
    assert ReferralEvent.objects.get(referral=accepted).organisation_id == world.agency_a.pk
    # the system actor takes no step of its own, nor does a third organisation
    assert transitions.side_of(system_actor(), accepted) is None
    elsewhere = make(world, Flow.TRANSNATIONAL, S.SENT, receiver_organisation=world.agency_c)
    assert transitions.side_of(actor_of(world, Side.RECEIVER), elsewhere) is None
    with pytest.raises(PermissionDenied):
        step(actor_of(world, Side.RECEIVER), elsewhere, S.ACKNOWLEDGED)


def test_a_participant_sent_referral_joins_nobody_and_withdrawing_ends_a_place(
    world: World,
) -> None:
    from opentrm.referrals.tests.test_template import make_case

    case = make_case(world)
    # sent by an organisation that does not own the case: accepting joins nobody
    stray = make(world, Flow.NATIONAL, S.SENT, case=case, sender_organisation=world.agency_c)
    stray.receiver_organisation = world.agency_b
    step(actor_of(world, Side.RECEIVER), stray, S.ACCEPTED)
    assert not CaseParticipant.objects.filter(case=case, organisation=world.agency_b).exists()
    Referral.objects.filter(pk=stray.pk).update(status=S.CLOSED)
    # sent by the owner: the receiver joins, and leaves (audited) when it is withdrawn
    owned = make(world, Flow.NATIONAL, S.SENT, case=case)
    step(actor_of(world, Side.RECEIVER), owned, S.ACCEPTED)
    owned.refresh_from_db()
    assert owned.participant is not None
    assert owned.participant.is_active
    step(actor_of(world, Side.SENDER), owned, S.WITHDRAWN, reason="Fictional reason")
    assert not CaseParticipant.objects.get(pk=owned.participant.pk).is_active
    assert AuditEvent.objects.filter(
        event_type=EventType.PARTICIPANT_REMOVED, detail__referral_id=owned.pk
    ).exists()
    # already on the case (the owner added it meanwhile): the referral gives no place
    CaseParticipant.objects.filter(pk=owned.participant.pk).update(is_active=True)
    second = make(world, Flow.NATIONAL, S.SENT, case=case)
    step(actor_of(world, Side.RECEIVER), second, S.ACCEPTED)
    assert Referral.objects.get(pk=second.pk).participant_id is None
