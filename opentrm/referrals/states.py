"""The referral state machine, as data (issue 10, docs/adr/0008-one-referral-state-machine.md).

Every kind of referral follows one of three **flows**: the referral within the country
(``national``), the transnational referral with its template (``transnational``) and the other
transnational requests (``request``). A row of ``TRANSITIONS`` says: in this flow, from this
status, this **step** leads to that status, taken by that **side** (the sending or the receiving
organisation), if these **guards** pass, with these **effects**. Nothing here queries the
database: the service that performs a step (``services.transitions.referral_transition``) reads
the table, runs the guards and checks by name, and runs the effects.

Guards (pure, on the referral's own fields; ``GUARDS``):

- ``focal_point_route``: only what reached a national focal point through the focal-point
  route is forwarded;
- ``on_this_node``: the referral's sender works on this node (``delivery = on_node``).

Checks (they query, so they live with the service; ``services.transitions.CHECKS``):

- ``origin_contact``: no return is arranged towards a child's country of origin after an asylum
  indication (the refusal is audited, in a transaction of its own);
- ``return_consent``: no return is arranged while the person's consent to return is missing or
  refused.

Effects (``Effect``), run by the service in this order:

- ``join_case`` (before the write): the receiver of a referral within the country, or of a
  transnational referral sent on this node, joins the case
  (``cases.services.participants.participant_join``, audited), capped at what the referral
  shares, if the referral was sent by the case's owner;
- ``open_local_case`` (before the write): accepting a referral received from another node opens
  the receiver's local case;
- ``leave_case`` (after the write): the place on the case the referral gave the receiver ends
  (``participant_leave``, audited ``PARTICIPANT_REMOVED`` on every path);
- ``notify_peer`` (after the write): a referral that travels between nodes tells the other node,
  exactly once per step — the first package for the send step, a status update for every other
  — unless the step was reported by that node.

**Forwarding never tells the peer, by construction.** A focal point forwards only what reached
it from a sender on this node (guard ``on_this_node``; the referral page never offered more):
the exchange has no package for a forward and none for the forward's own later steps, so a
referral received from another node is answered, accepted or declined where it arrived, and its
sender hears each of those steps. The forward step still carries ``notify_peer`` like every
step; with no peer it does nothing. A peer therefore never reports "forwarded" (nor "sent": the
first package carries the sending): ``reported_by_peer`` is false for both steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from opentrm.referrals.models import Delivery, Referral, ReferralKind, ReferralStatus, Routing

S = ReferralStatus


class Side(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


class Flow(StrEnum):
    NATIONAL = "national"
    TRANSNATIONAL = "transnational"
    REQUEST = "request"


class Step(StrEnum):
    SEND = "send"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    DECLINE = "decline"
    ANSWER = "answer"
    FORWARD = "forward"
    RETURN_ARRANGED = "return_arranged"
    ARRIVAL_CONFIRMED = "arrival_confirmed"
    CLOSE = "close"
    WITHDRAW = "withdraw"


class Effect(StrEnum):
    JOIN_CASE = "join_case"
    OPEN_LOCAL_CASE = "open_local_case"
    LEAVE_CASE = "leave_case"
    NOTIFY_PEER = "notify_peer"


@dataclass(frozen=True)
class StepRule:
    """What a step is in every flow: where it leads, who takes it, what it needs and does."""

    target: str
    side: Side
    reason_field: str = ""  # the field the step's reason (or answer) is written to; required
    guards: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = (Effect.NOTIFY_PEER,)
    reported_by_peer: bool = True


RULES: dict[Step, StepRule] = {
    Step.SEND: StepRule(S.SENT, Side.SENDER, reported_by_peer=False),
    Step.ACKNOWLEDGE: StepRule(S.ACKNOWLEDGED, Side.RECEIVER),
    Step.ACCEPT: StepRule(
        S.ACCEPTED,
        Side.RECEIVER,
        effects=(Effect.JOIN_CASE, Effect.OPEN_LOCAL_CASE, Effect.NOTIFY_PEER),
    ),
    Step.DECLINE: StepRule(
        S.DECLINED,
        Side.RECEIVER,
        reason_field="decline_reason",
        effects=(Effect.LEAVE_CASE, Effect.NOTIFY_PEER),
    ),
    Step.ANSWER: StepRule(S.ANSWERED, Side.RECEIVER, reason_field="answer"),
    Step.FORWARD: StepRule(
        S.FORWARDED,
        Side.RECEIVER,
        guards=("focal_point_route", "on_this_node"),
        reported_by_peer=False,
    ),
    Step.RETURN_ARRANGED: StepRule(
        S.RETURN_ARRANGED, Side.SENDER, checks=("origin_contact", "return_consent")
    ),
    Step.ARRIVAL_CONFIRMED: StepRule(S.ARRIVAL_CONFIRMED, Side.RECEIVER),
    Step.CLOSE: StepRule(S.CLOSED, Side.SENDER),
    Step.WITHDRAW: StepRule(
        S.WITHDRAWN,
        Side.SENDER,
        reason_field="withdrawal_reason",
        effects=(Effect.LEAVE_CASE, Effect.NOTIFY_PEER),
    ),
}

_RESPONDABLE = (S.SENT, S.ACKNOWLEDGED)
# What the receiver of a referral (within the country or transnational) does with it.
_REFERRAL_RESPONSES: dict[Step, tuple[str, ...]] = {
    Step.SEND: (S.DRAFT,),
    Step.ACKNOWLEDGE: (S.SENT,),
    Step.ACCEPT: _RESPONDABLE,
    Step.DECLINE: _RESPONDABLE,
    Step.FORWARD: _RESPONDABLE,
}

# flow -> step -> the statuses the step is taken from.
SOURCES: dict[Flow, dict[Step, tuple[str, ...]]] = {
    # Sent at once; the receiver answers by joining the case (or not); no return, no close.
    Flow.NATIONAL: {
        **_REFERRAL_RESPONSES,
        Step.WITHDRAW: (S.SENT, S.ACKNOWLEDGED, S.ACCEPTED),
    },
    # Drafted with the template, then the return is arranged and the arrival confirmed.
    Flow.TRANSNATIONAL: {
        **_REFERRAL_RESPONSES,
        # A focal point that accepted may still hand the case on to the competent body.
        Step.FORWARD: (*_RESPONDABLE, S.ACCEPTED),
        Step.RETURN_ARRANGED: (S.ACCEPTED,),
        Step.ARRIVAL_CONFIRMED: (S.RETURN_ARRANGED,),
        Step.CLOSE: (S.ACCEPTED, S.RETURN_ARRANGED, S.ARRIVAL_CONFIRMED),
        Step.WITHDRAW: (S.SENT, S.ACKNOWLEDGED, S.ACCEPTED, S.RETURN_ARRANGED),
    },
    # A question to the other country: answered (or declined), then closed; a draft or an
    # unanswered request may be withdrawn.
    Flow.REQUEST: {
        Step.SEND: (S.DRAFT,),
        Step.ACKNOWLEDGE: (S.SENT,),
        Step.ANSWER: _RESPONDABLE,
        Step.DECLINE: _RESPONDABLE,
        Step.FORWARD: _RESPONDABLE,
        Step.CLOSE: (S.ANSWERED,),
        Step.WITHDRAW: (S.DRAFT, S.SENT, S.ACKNOWLEDGED),
    },
}


# A step that keeps the status: the sender changes which field groups the receiver is shared
# (more after an agreement came into force or a new consent, fewer when it so decides), on a
# referral whose receiver took its place on the case. Taken by ``services.sharing``.
SHARING_SIDE = Side.SENDER
SHARING_SOURCES: dict[Flow, tuple[str, ...]] = {
    Flow.NATIONAL: (S.ACCEPTED,),
    Flow.TRANSNATIONAL: (S.ACCEPTED, S.RETURN_ARRANGED, S.ARRIVAL_CONFIRMED),
}


def sharing_changeable(kind: str, status: str) -> bool:
    """May the sender change what the receiver is shared, in this status?"""
    return status in SHARING_SOURCES.get(flow_of(kind), ())


@dataclass(frozen=True)
class Transition:
    flow: Flow
    source: str
    step: Step
    rule: StepRule

    @property
    def target(self) -> str:
        return self.rule.target

    @property
    def side(self) -> Side:
        return self.rule.side


TRANSITIONS: tuple[Transition, ...] = tuple(
    Transition(flow, source, step, RULES[step])
    for flow, steps in SOURCES.items()
    for step, sources in steps.items()
    for source in sources
)
_BY_KEY: dict[tuple[Flow, str, str], Transition] = {
    (t.flow, t.source, t.target): t for t in TRANSITIONS
}
STEP_OF: dict[str, Step] = {rule.target: step for step, rule in RULES.items()}

# Which status may follow which, whatever the flow (for readers that do not know the kind).
GRAPH: dict[str, frozenset[str]] = {
    status: frozenset(t.target for t in TRANSITIONS if t.source == status) for status in S
}
FINAL = frozenset(status for status, nexts in GRAPH.items() if not nexts)
OPEN = frozenset(GRAPH) - FINAL - {S.DRAFT}


def flow_of(kind: str) -> Flow:
    if kind == ReferralKind.NATIONAL:
        return Flow.NATIONAL
    if kind == ReferralKind.TRANSNATIONAL:
        return Flow.TRANSNATIONAL
    return Flow.REQUEST


def transition(kind: str, source: str, target: str) -> Transition | None:
    """The transition of ``kind``'s flow from ``source`` to ``target``; None if there is none."""
    return _BY_KEY.get((flow_of(kind), source, target))


def rule_to(kind: str, target: str) -> StepRule | None:
    """The rule of the step that leads to ``target`` in ``kind``'s flow, from any status."""
    step = STEP_OF.get(target)
    if step is None or step not in SOURCES[flow_of(kind)]:
        return None
    return RULES[step]


def steps_from(kind: str, source: str, side: Side) -> list[Step]:
    """The steps ``side`` may take from ``source`` in ``kind``'s flow (before guards)."""
    flow = flow_of(kind)
    return [t.step for t in TRANSITIONS if t.flow == flow and t.source == source and t.side == side]


def peer_reports(kind: str, side: Side) -> frozenset[str]:
    """The statuses a peer node may report for a step its ``side`` took."""
    flow = flow_of(kind)
    return frozenset(
        RULES[step].target
        for step in SOURCES[flow]
        if RULES[step].side == side and RULES[step].reported_by_peer
    )


def reachable(kind: str, start: str, goal: str) -> bool:
    """Can ``goal`` follow ``start`` (after one step or more) in ``kind``'s flow?"""
    flow = flow_of(kind)
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for t in TRANSITIONS:
            if t.flow != flow or t.source != current:
                continue
            if t.target == goal:
                return True
            if t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return False


# --- guards -----------------------------------------------------------------------------------


def focal_point_route(referral: Referral) -> bool:
    return referral.routing == Routing.FOCAL_POINT


def on_this_node(referral: Referral) -> bool:
    return referral.delivery == Delivery.ON_NODE


GUARDS: dict[str, Callable[[Referral], bool]] = {
    "focal_point_route": focal_point_route,
    "on_this_node": on_this_node,
}


def failed_guards(referral: Referral, names: Iterable[str]) -> list[str]:
    """The guards of ``names`` that ``referral`` does not pass, in order."""
    return [name for name in names if not GUARDS[name](referral)]
