"""One service takes every step of every referral: ``referral_transition``.

It reads the state machine (``opentrm.referrals.states``): checks the side and the guards, writes
the new status under optimistic concurrency (``expected_version``; a stale page gets the usual
ConflictError), records the step (``ReferralEvent``) and its audit event, and runs the step's
effects (join or leave the case through the cases app's audited services, open the receiver's
local case for a referral from another node, tell the peer node once). The public services
(``national.referral_accept``, ``requests.request_answer``, ``transnational.transnational_step``,
``forwarding.referral_forward``, the exchange's status updates ...) validate their own input
and call it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.services.participants import participant_join, participant_leave
from opentrm.cases.states import is_child_case
from opentrm.core.concurrency import save_if_unchanged
from opentrm.referrals import states
from opentrm.referrals.access import originates_with_owner
from opentrm.referrals.event_notes import Note, no_note
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralEvent,
    ReferralKind,
    ReferralStatus,
)
from opentrm.referrals.states import Effect, Side, StepRule

S = ReferralStatus

# The audit event of each step (the names the audit trail has always used).
STEP_EVENTS: dict[str, EventType] = {
    S.SENT: EventType.REFERRAL_SENT,
    S.ACKNOWLEDGED: EventType.REFERRAL_ACKNOWLEDGED,
    S.ACCEPTED: EventType.REFERRAL_ACCEPTED,
    S.DECLINED: EventType.REFERRAL_DECLINED,
    S.ANSWERED: EventType.REFERRAL_ANSWERED,
    S.FORWARDED: EventType.REFERRAL_FORWARDED,
    S.RETURN_ARRANGED: EventType.REFERRAL_RETURN_ARRANGED,
    S.ARRIVAL_CONFIRMED: EventType.REFERRAL_ARRIVAL_CONFIRMED,
    S.WITHDRAWN: EventType.REFERRAL_WITHDRAWN,
    S.CLOSED: EventType.REFERRAL_CLOSED,
}
SIDE_ACTIONS = {Side.SENDER: Action.REFERRAL_SEND, Side.RECEIVER: Action.REFERRAL_RESPOND}


def guard_messages() -> dict[str, str]:
    return {
        "focal_point_route": _("Only what reached you as the national focal point is forwarded."),
        "on_this_node": _(
            "A referral received from another OpenTRM node is not forwarded: answer it here, "
            "and its sender hears each step."
        ),
    }


# --- checks: guards that query, run by name from the table ----------------------------------


def _origin_contact(actor: Actor, referral: Referral) -> None:
    """Audits a refusal in a transaction of its own: run before the step's transaction."""
    from opentrm.referrals.services.transnational import check_origin

    if referral.case is not None:
        check_origin(actor, referral.case, referral.receiver_country)


def _return_consent(actor: Actor, referral: Referral) -> None:
    from opentrm.referrals.services.transnational import return_consent_missing

    if referral.case is not None and return_consent_missing(referral.case):
        raise ValidationError(
            {
                "__all__": _(
                    "The return cannot be arranged while the person's consent to return is "
                    "missing or refused."
                )
            }
        )


# Checks run before the step's transaction (they audit their refusals), and inside it.
CHECKS_BEFORE: dict[str, Callable[[Actor, Referral], None]] = {"origin_contact": _origin_contact}
CHECKS: dict[str, Callable[[Actor, Referral], None]] = {"return_consent": _return_consent}


# --- who may take the step ----------------------------------------------------------------


def side_of(actor: Actor, referral: Referral) -> Side | None:
    if actor.organisation_id is not None:
        if actor.organisation_id == referral.sender_organisation_id:
            return Side.SENDER
        if actor.organisation_id == referral.receiver_organisation_id:
            return Side.RECEIVER
    return None


def _refusal(referral: Referral, to: str) -> ValidationError:
    return ValidationError(
        {
            "__all__": _("A referral that is “%(status)s” cannot be “%(to)s”.")
            % {"status": referral.get_status_display(), "to": ReferralStatus(to).label}
        }
    )


def step_rule(referral: Referral, to: str) -> StepRule:
    """The rule of the step to ``to`` in the referral's flow; refused when the flow has none."""
    rule = states.rule_to(referral.kind, to)
    if rule is None:
        raise _refusal(referral, to)
    return rule


def require_side(actor: Actor, referral: Referral, to: str) -> StepRule:
    """Refuse (PermissionDenied) an actor whose role or organisation does not take the step
    to ``to``; the receiving side has nothing to do with a draft."""
    rule = step_rule(referral, to)
    require(actor, SIDE_ACTIONS[rule.side])
    if side_of(actor, referral) != rule.side:
        raise PermissionDenied
    if rule.side == Side.RECEIVER and referral.status == S.DRAFT:
        raise PermissionDenied
    return rule


# --- the step ------------------------------------------------------------------------------


def referral_transition(
    *,
    actor: Actor,
    referral: Referral,
    to: str,
    expected_version: int,
    reason: str = "",
    fields: Mapping[str, object] | None = None,
    detail: Mapping[str, object] | None = None,
    note: Note | None = None,
    reported_by: Side | None = None,
) -> Referral:
    """Take the step of ``referral`` to status ``to``.

    ``reason`` is the step's reason or answer (required where the step has a ``reason_field``);
    ``fields`` are further fields the step sets, ``detail`` goes into the audit event, ``note``
    into the recorded step (neither may hold personal data). ``reported_by`` is the side of a
    peer node that took the step there (``exchange_link``): its node checked the actor and the
    guards, and it is not told again. Refused with PermissionDenied (side), ValidationError
    (status, guards, checks, reason) or ConflictError (stale ``expected_version``).
    """
    if reported_by is None:
        rule = require_side(actor, referral, to)
        for name in rule.checks:
            if name in CHECKS_BEFORE:
                CHECKS_BEFORE[name](actor, referral)
    else:
        rule = step_rule(referral, to)
    with transaction.atomic():
        return _take(
            actor=actor,
            referral=referral,
            rule=rule,
            expected_version=expected_version,
            reason=reason.strip(),
            fields=dict(fields or {}),
            detail=dict(detail or {}),
            note=note,
            reported_by=reported_by,
        )


def _take(
    *,
    actor: Actor,
    referral: Referral,
    rule: StepRule,
    expected_version: int,
    reason: str,
    fields: dict[str, object],
    detail: dict[str, object],
    note: Note | None,
    reported_by: Side | None,
) -> Referral:
    if reported_by is None:
        if rule.reason_field and not reason:
            raise ValidationError({"reason": _("Give the reason.")})
        failed = states.failed_guards(referral, rule.guards)
        if failed:
            raise ValidationError({"__all__": guard_messages()[failed[0]]})
        for name in rule.checks:
            if name in CHECKS:
                CHECKS[name](actor, referral)
    if states.transition(referral.kind, referral.status, rule.target) is None:
        raise _refusal(referral, rule.target)
    if rule.reason_field and reason:
        fields[rule.reason_field] = reason
    if Effect.JOIN_CASE in rule.effects and joins_case(referral):
        detail.update(_join_case(actor, referral, fields))
    if Effect.OPEN_LOCAL_CASE in rule.effects:
        from opentrm.referrals.services.accepting import accepting

        fields.update(accepting(actor, referral))  # from another node: a case
    _write(actor, referral, rule.target, expected_version, fields)
    organisation_id = actor.organisation_id
    if reported_by is not None:
        organisation_id = (
            referral.receiver_organisation_id
            if reported_by == Side.RECEIVER
            else referral.sender_organisation_id
        )
    ReferralEvent.objects.create(
        referral=referral,
        status=rule.target,
        at=timezone.now(),
        by=actor.user,
        organisation_id=organisation_id,
        **(note.fields() if note is not None else no_note()),
    )
    record_event(
        event_type=STEP_EVENTS[rule.target],
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "kind": referral.kind, **detail},
    )
    if Effect.LEAVE_CASE in rule.effects:
        _leave_case(actor, referral)
    if Effect.NOTIFY_PEER in rule.effects and reported_by is None:
        _notify_peer(actor, referral)
    return referral


def _write(
    actor: Actor, referral: Referral, to: str, expected_version: int, fields: dict[str, Any]
) -> None:
    now = timezone.now()
    changes = dict(fields)
    changes["status"] = to
    if to == S.SENT:
        from opentrm.referrals.services.timelines import due_dates

        acknowledge_by, answer_by = due_dates(
            kind=referral.kind,
            receiver_country=referral.receiver_country,
            sent_at=now,
            child=referral.case is not None
            and is_child_case(referral.case, timezone.localdate(now)),
        )
        changes.setdefault("sent_at", now)
        changes.setdefault("acknowledge_due_at", acknowledge_by)
        changes.setdefault("answer_due_at", answer_by)
        changes.setdefault("sent_by", actor.user)
    elif to == S.ACKNOWLEDGED:
        changes.setdefault("acknowledged_at", now)
    elif to in (S.ACCEPTED, S.DECLINED, S.ANSWERED, S.FORWARDED):
        changes.setdefault("answered_at", now)
        if referral.acknowledged_at is None:
            changes.setdefault("acknowledged_at", now)
    elif to in (S.CLOSED, S.WITHDRAWN):
        changes.setdefault("closed_at", now)
    for name, value in changes.items():
        setattr(referral, name, value)
    save_if_unchanged(
        referral, expected_version=expected_version, fields=list(changes), actor=actor.user
    )


# --- effects -------------------------------------------------------------------------------


def joins_case(referral: Referral) -> bool:
    """Accepting puts the receiver on the sender's case when both work on this node: a
    referral within the country, or a transnational referral to a focal point of this node
    (one from another node opens a local case instead, one exported is answered elsewhere)."""
    if referral.kind == ReferralKind.NATIONAL:
        return True
    return referral.kind == ReferralKind.TRANSNATIONAL and referral.delivery == Delivery.ON_NODE


def _join_case(actor: Actor, referral: Referral, fields: dict[str, object]) -> dict[str, object]:
    """A referral on this node sent by the case's owner puts the receiver on the case,
    capped at what the referral offered (``CaseParticipant.shared_cap``)."""
    joined = False
    if referral.case is not None and originates_with_owner(referral):
        participant = participant_join(
            actor=actor,
            case=referral.case,
            organisation_id=referral.receiver_organisation_id,
            shared_cap=list(referral.shared_groups),
            referral_id=referral.pk,
        )
        if participant is not None:
            fields["participant"] = participant
            joined = True
    return {"case_id": referral.case_id, "joined_case": joined}


def _leave_case(actor: Actor, referral: Referral) -> None:
    """End the place on the case the referral gave the receiver (audited when it ends)."""
    if referral.participant_id is not None:
        participant_leave(
            actor=actor, participant_id=referral.participant_id, referral_id=referral.pk
        )


def _notify_peer(actor: Actor, referral: Referral) -> None:
    """Tell the other node, if the referral travels to one: the first package when it is sent,
    a status update for every other step."""
    from opentrm.referrals.services import exchange_link

    if referral.status == S.SENT:
        exchange_link.referral_sent(actor, referral)
    else:
        exchange_link.step_taken(actor, referral)
