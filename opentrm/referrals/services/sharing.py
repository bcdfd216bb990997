"""Sharing more (or less) later: a step on an accepted referral (issue 11, docs/referrals.md).

A referral stores what the gate allowed when it was sent (``shared_groups``), and the receiver's
place on the case is capped at it (``CaseParticipant.shared_cap``). When an agreement comes into
force or the person gives a new consent, the case's owner shares more with the same receiver
as a new step of the same referral: :func:`referral_sharing_change`. It also narrows. The step
keeps the referral's status (``states.SHARING_SOURCES``), writes the referral under its version,
the receiver's cap and, for a transnational referral, the sent snapshot of the template; it is
recorded as a ``ReferralEvent`` (the receiver's timeline of the referral) and audited
``REFERRAL_SHARING_CHANGED``; a referral that went to another node tells that node
(``exchange_link.sharing_changed``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, FieldGroup, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import require_widening, sharing_with
from opentrm.cases.models import CaseParticipant
from opentrm.core.concurrency import save_if_unchanged
from opentrm.referrals import states
from opentrm.referrals.access import is_sender, originates_with_owner
from opentrm.referrals.event_notes import SHARING, Note
from opentrm.referrals.models import Referral, ReferralEvent, ReferralKind, TemplateInstance


@dataclass(frozen=True)
class SharingChoice:
    """What the sender may choose for the receiver today: the groups shared now, the groups the
    gate allows today (the choice), and why the others are not allowed."""

    current: frozenset[FieldGroup]
    allowed: frozenset[FieldGroup]
    missing: list[str]


def sharing_choice(referral: Referral) -> SharingChoice:
    from opentrm.referrals.services.national import preview

    assert referral.case is not None
    gate = preview(referral.case, referral.receiver_organisation)
    return SharingChoice(
        current=frozenset(FieldGroup(g) for g in referral.shared_groups or []),
        allowed=frozenset(gate.groups),
        missing=list(gate.missing),
    )


def referral_sharing_change(
    *, actor: Actor, referral: Referral, expected_version: int, groups: Iterable[str]
) -> Referral:
    """Share ``groups`` with the receiver of ``referral`` from now on (more or fewer than
    before). Refused: anyone but the case owner's sender (PermissionDenied, audited as a
    refused widening), a status without the step, a group the gate does not allow today, no
    change (ValidationError), a stale page (ConflictError)."""
    require(actor, Action.REFERRAL_SEND)
    case = referral.case
    if case is None or not is_sender(actor, referral):
        raise PermissionDenied
    require_widening(
        can(actor, Action.REFERRAL_SEND, case)
        and actor.organisation_id == case.owner_organisation_id
        and originates_with_owner(referral),
        actor,
        case,
        action="referral.share",
    )
    if not states.sharing_changeable(referral.kind, referral.status):
        raise ValidationError(
            {"__all__": _("What a referral shares changes only once the receiver has accepted it.")}
        )
    try:
        wanted = frozenset(FieldGroup(g) for g in groups)
    except ValueError:
        raise ValidationError({"groups": _("Unknown data category.")}) from None
    choice = sharing_choice(referral)
    refused = sorted(wanted - choice.allowed)
    if refused:
        raise ValidationError(
            {
                "groups": _(
                    "The person's consent and the agreements in force do not allow: %(groups)s."
                )
                % {"groups": ", ".join(refused)}
            }
        )
    if wanted == choice.current:
        raise ValidationError({"groups": _("Nothing changes: choose other data categories.")})
    return _change(actor, referral, expected_version, choice.current, wanted)


@transaction.atomic
def _change(
    actor: Actor,
    referral: Referral,
    expected_version: int,
    before: frozenset[FieldGroup],
    after: frozenset[FieldGroup],
) -> Referral:
    from opentrm.agreements.selectors import agreement_in_force_between

    case = referral.case
    assert case is not None
    receiver = referral.receiver_organisation
    sharing = sharing_with(case, receiver)
    governing = agreement_in_force_between(
        case.owner_organisation_id, receiver.pk, timezone.localdate()
    )
    shared = sorted(g.value for g in after)
    referral.shared_groups = shared
    referral.consent = sharing.consent if after else referral.consent
    referral.agreement = governing[0].agreement if governing and after else referral.agreement
    save_if_unchanged(
        referral,
        expected_version=expected_version,
        fields=["shared_groups", "consent", "agreement"],
        actor=actor.user,
    )
    if referral.participant_id is not None:
        CaseParticipant.objects.filter(pk=referral.participant_id).update(
            shared_cap=shared, updated_at=timezone.now()
        )
    fields = _snapshot(actor, referral, after) if referral.kind == ReferralKind.TRANSNATIONAL else 0
    added = sorted(g.value for g in after - before)
    removed = sorted(g.value for g in before - after)
    ReferralEvent.objects.create(
        referral=referral,
        status=referral.status,
        at=timezone.now(),
        by=actor.user,
        organisation_id=actor.organisation_id,
        **Note(SHARING, {"added": added, "removed": removed}).fields(),
    )
    record_event(
        event_type=EventType.REFERRAL_SHARING_CHANGED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "case_id": case.pk,
            "receiver_id": receiver.pk,
            "participant_id": referral.participant_id,
            "groups_before": sorted(g.value for g in before),
            "groups_after": shared,
            "snapshot_fields": fields,
        },
    )
    from opentrm.referrals.services import exchange_link

    exchange_link.sharing_changed(actor, referral)
    return referral


def _snapshot(actor: Actor, referral: Referral, after: frozenset[FieldGroup]) -> int:
    """The template's sent snapshot follows: the sender's values of the groups now shared (its
    working copy, completed from today's case file), the others withheld without values."""
    from opentrm.referrals.access import can_view_template_field
    from opentrm.referrals.services.transnational import has_value, instance_definition, prefill

    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    if instance is None:
        return 0
    case = referral.case
    assert case is not None
    definition = instance_definition(instance)
    data: dict[str, Any] = dict(instance.data or {})
    working: dict[str, Any] = dict(data.get("values") or {})
    sent: dict[str, Any] = dict(data.get("sent") or {})
    fresh = prefill(
        case=case,
        sender=referral.sender_organisation,
        receiver=referral.receiver_organisation,
        lang=instance.sender_language,
    )
    allowed = {g.value for g in after}
    values: dict[str, Any] = dict(sent.get("values") or {})
    withheld: list[str] = []
    for item in definition.fields:
        if item.group is None:
            continue
        if item.group not in allowed:
            values.pop(item.code, None)
            withheld.append(item.code)
            continue
        if has_value(values.get(item.code)):
            continue
        value = working.get(item.code)
        if not has_value(value) and can_view_template_field(actor, case, item.code):
            value = fresh.get(item.code)
        if has_value(value):
            values[item.code] = value
    sent.update({"values": values, "withheld": withheld, "groups": sorted(allowed)})
    data["sent"] = sent
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    return len(values)
