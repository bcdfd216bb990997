"""A national focal point forwards what it received to the competent body (issue 4 §4).

The forward is a new ``Referral`` (``forwarded_from`` the one received) from the focal point
to an organisation of its own country, sent at once with that country's time limits; the one
received becomes "forwarded". The gate is applied again between the case's owner and the new
receiver: the new receiver gets only the data categories that the owner may share with it
today, and never more than the focal point itself was given.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor, FieldGroup
from opentrm.cases.access import sharing_with
from opentrm.directory.models import Organisation
from opentrm.referrals import states
from opentrm.referrals.models import (
    Delivery,
    Referral,
    ReferralStatus,
    Routing,
    TemplateInstance,
)
from opentrm.referrals.services import confidentiality, core
from opentrm.referrals.services.requests import (
    MAX_TEXT,
    effective_groups,
    governing_agreement_id,
    guard_origin,
    organisation_refusal,
)
from opentrm.referrals.services.transitions import guard_messages, referral_transition, require_side

S = ReferralStatus


def forward_candidates(referral: Referral) -> models.QuerySet[Organisation]:
    """Active organisations of the receiving country, other than the focal point itself; the
    body the sender had in mind first."""
    return (
        Organisation.objects.filter(is_active=True, country__code=referral.receiver_country)
        .exclude(pk=referral.receiver_organisation_id)
        .select_related("country")
        .order_by("name")
    )


def forward_groups(referral: Referral, to: Organisation) -> frozenset[FieldGroup]:
    """What the new receiver may see: what the focal point holds today, narrowed by the
    gate between the case's owner and the new receiver."""
    if referral.case is None:
        return frozenset()
    return effective_groups(referral) & sharing_with(referral.case, to).groups


def referral_forward(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int,
    to: Organisation,
    note: str = "",
    danger_reason: str = "",
) -> Referral:
    """Forward ``referral`` to ``to``; returns the new referral, already sent.

    Only on this node (the state machine's guard ``on_this_node``): a referral received from
    another node is answered where it arrived, so its sender hears each step
    (``opentrm.referrals.states``). A referral its sender marked confidential is not forwarded
    (SOP-P14, audited), unless it is an immediate-danger one and ``danger_reason`` says why."""
    text = _check_forward(actor, referral, to, note, danger_reason)
    override = confidentiality.forward_check(
        actor=actor, referral=referral, danger_reason=danger_reason
    )
    if override:
        text = f"{text}\n\n{override}" if text else override
    guard_origin(actor, referral.case, referral.receiver_country)
    assert actor.membership is not None
    focal_point = actor.membership.organisation
    with transaction.atomic():
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        groups = forward_groups(referral, to)
        forward = _new_forward(actor, referral, focal_point, to, text)
        shared = sorted(g.value for g in groups)
        referral_transition(
            actor=actor,
            referral=forward,
            to=S.SENT,
            expected_version=forward.version,
            fields={
                "shared_groups": shared,
                "consent": sharing_with(referral.case, to).consent if referral.case else None,
                "agreement_id": (
                    governing_agreement_id(
                        referral.case.owner_organisation_id, to.pk, groups, timezone.localdate()
                    )
                    if referral.case is not None
                    else None
                ),
            },
            detail={
                "case_id": referral.case_id,
                "routing": Routing.DIRECT.value,
                "receiver_id": to.pk,
                "forwarded_from": referral.reference,
                "groups": shared,
            },
        )
        referral_transition(
            actor=actor,
            referral=referral,
            to=S.FORWARDED,
            expected_version=expected_version,
            detail={"forwarded_to": forward.reference, "receiver_id": to.pk, "groups": shared},
        )
        if override:
            confidentiality.record_override(actor=actor, referral=referral, forward=forward)
    return forward


def _check_forward(
    actor: Actor, referral: Referral, to: Organisation, note: str, danger_reason: str
) -> str:
    """Refuse a forward that cannot be taken, before anything is written; the cleaned note."""
    rule = require_side(actor, referral, S.FORWARDED)
    if referral.confidential and referral.delivery == Delivery.NODE_EXCHANGE:
        # The sender on another node marked it confidential (SOP-P14): refused and audited as
        # such, whatever else this node allows; the sender's node alone may override it.
        confidentiality.forward_check(actor=actor, referral=referral)
    refused = states.failed_guards(referral, rule.guards)
    if refused:
        raise ValidationError({"__all__": guard_messages()[refused[0]]})
    if states.transition(referral.kind, referral.status, S.FORWARDED) is None:
        raise ValidationError(
            {
                "__all__": _("A referral that is “%(status)s” cannot be forwarded.")
                % {"status": referral.get_status_display()}
            }
        )
    errors = forward_errors(referral, {"to": to, "note": note, "danger_reason": danger_reason})
    if errors:
        raise ValidationError(errors)
    return (note or "").strip()


def forward_errors(referral: Referral, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of a forward's input at once, by field (issue 12 §5): the competent body,
    the note and, on a confidential referral, the override's reason; for the service and the
    form's precheck. A field not in ``values`` (one with its own error) is not checked. What
    the referral's state allows is the service's own (``_check_forward``)."""
    errors: dict[str, str] = {}
    to = values.get("to")
    if isinstance(to, Organisation):
        refusal = organisation_refusal(to)
        if refusal:
            errors["to"] = refusal
        elif to.pk == referral.receiver_organisation_id:
            errors["to"] = _("Pick the competent body, not your own organisation.")
        elif to.country.code != referral.receiver_country:
            errors["to"] = _("Pick an organisation in your country.")
    if len(str(values.get("note") or "").strip()) > MAX_TEXT:
        errors["note"] = _("At most %(max)d characters.") % {"max": MAX_TEXT}
    reason = str(values.get("danger_reason") or "").strip()
    if referral.confidential and len(reason) > confidentiality.MAX_REASON:
        errors["danger_reason"] = _("At most %(max)d characters.") % {
            "max": confidentiality.MAX_REASON
        }
    return {name: [message] for name, message in errors.items()}


def _new_forward(
    actor: Actor, referral: Referral, focal_point: Organisation, to: Organisation, text: str
) -> Referral:
    """The draft of the forward, with a copy of the template if the referral has one."""
    reason = referral.reason
    if text:
        reason = f"{reason}\n\n{text}" if reason else text
    forward = Referral.objects.create(
        reference=core.next_reference(focal_point.country.code),
        kind=referral.kind,
        case=referral.case,
        sender_organisation=focal_point,
        receiver_country=referral.receiver_country,
        receiver_organisation=to,
        forwarded_from=referral,
        routing=Routing.DIRECT,
        delivery=Delivery.ON_NODE,
        measure_code=referral.measure_code,
        service_type=referral.service_type,
        document_type=referral.document_type,
        needs=list(referral.needs or []),
        reason=reason,
        urgency=referral.urgency,
        confidential=referral.confidential,
        updated_by=actor.user,
    )
    template = TemplateInstance.objects.filter(referral=referral).first()
    if template is not None:
        TemplateInstance.objects.create(
            referral=forward,
            template_version=template.template_version,
            profile_country=template.profile_country,
            profile_version=template.profile_version,
            data=template.data,
            sender_language=template.sender_language,
            receiver_language=template.receiver_language,
            updated_by=actor.user,
        )
    return forward
