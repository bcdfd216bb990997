"""The other transnational requests (issue 4 §7, reference §11.4 and OTH-22): identity or
nationality verification, family situation check, safety check before return, document
issuance, immediate-danger alert and socio-economic risk analysis.

A request is a ``Referral`` row of a request kind. It goes to the other country's national
focal point by default (``routing.route``), to the child authority for a child's case, and
directly to an organisation only where the sender's country allows direct routes. What travels
of the person is a small set of fields per kind (``KIND_FIELDS``), each in a field group: only
the groups the consent + agreement gate allows towards the receiver (``cases.access.
sharing_with``) are shared, stored on the row at sending (``shared_groups``, ``consent``,
``agreement``) and narrowed again at every reading (a withdrawn consent or an expired agreement
hides them from that moment).

Thematic requests have no case and carry no personal data: a socio-economic risk analysis (of a
region or a community) and a safety check of the conditions for return to a place. Every other
kind is about one person and needs a case.

No request of any kind goes to a child's country of origin once the child has requested or
indicated asylum: ``contact_country_of_origin_check`` refuses it and audits the refusal, in a
transaction of its own, so the services that call it are not one transaction as a whole.
"""

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, FieldGroup, can, require
from opentrm.agreements.selectors import agreement_in_force_between, flow_categories
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import require_widening, sharing_with, visible_groups
from opentrm.cases.models import Case
from opentrm.cases.services.child import contact_country_of_origin_check
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.directory.validation import validate_country_code
from opentrm.referrals.access import is_sender
from opentrm.referrals.models import (
    Referral,
    ReferralKind,
    ReferralStatus,
    RequestChannel,
    Urgency,
)
from opentrm.referrals.services import core
from opentrm.referrals.services.requests.data import (
    FIELDS,
    KIND_FIELDS,
    KIND_NOTES,
    MAX_TEXT,
    REQUEST_KINDS,
    THEMATIC_KINDS,
    MinimalOffer,
    RequestedDocument,
    RequestField,
    SharedValue,
    age_band_of,
    effective_groups,
    field_value,
    is_request,
    kind_groups,
    minimal_offer,
    receiver_groups,
    shared_values,
)
from opentrm.referrals.services.requests.kinds import KINDS
from opentrm.referrals.services.routing import route
from opentrm.referrals.services.transitions import referral_transition, require_side

K = ReferralKind
S = ReferralStatus
MAX_LEGAL_BASIS = 300
G = FieldGroup


# --- Checks shared by the services -----------------------------------------------------------


def organisation_refusal(organisation: Organisation) -> str | None:
    """Why a request cannot go to this organisation, or None."""
    if not organisation.is_active:
        return _("This organisation is no longer active in the directory.")
    if organisation.accreditation_status in (
        AccreditationStatus.PENDING,
        AccreditationStatus.SUSPENDED,
        AccreditationStatus.WITHDRAWN,
    ):
        return _("This organisation is not accredited: nothing may be sent to it.")
    return None


def _require_request(referral: Referral) -> None:
    if not is_request(referral):
        raise ValidationError({"__all__": _("This is not a transnational request.")})


def _require_sender(actor: Actor, referral: Referral) -> None:
    require(actor, Action.REFERRAL_SEND)
    if not is_sender(actor, referral):
        raise PermissionDenied


def _clean_text(value: str, field: str, *, required: bool, missing: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: missing})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": MAX_TEXT}})
    return text


def governing_agreement_id(
    owner_id: int, receiver_id: int, groups: frozenset[FieldGroup], on: date
) -> int | None:
    """The agreement in force whose flow allows (some of) ``groups``: the one recorded."""
    if not groups:
        return None
    wanted = {g.value for g in groups}
    for governing in agreement_in_force_between(owner_id, receiver_id, on):
        if wanted & flow_categories(governing.version, owner_id, receiver_id):
            return governing.agreement.pk
    return None


def guard_origin(actor: Actor, case: Case | None, country_code: str) -> None:
    """The asylum guard (audits a refusal, in its own transaction): call before any write."""
    if case is not None:
        contact_country_of_origin_check(
            actor=actor, case=case, country_code=country_code, purpose="transnational_request"
        )


# --- Writing ----------------------------------------------------------------------------------


def request_errors(
    *, sender: Organisation, case: Case | None, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Every mistake of a request's input at once, by field (issue 12 §5): the rules
    ``request_create`` applies, the route to the receiving country included, for a form's
    precheck. Nothing is written; a field not in ``values`` counts as not given."""
    errors, _checked = _request_checked(sender=sender, case=case, values=values)
    return {name: [message] for name, message in errors.items()}


@dataclass(frozen=True)
class _Checked:
    """A draft request's cleaned input: the receiving country's code, the urgency (immediate
    for an immediate-danger alert), the reason and the legal basis."""

    code: str
    urgency: str
    reason: str
    legal_basis: str


def _request_checked(
    *, sender: Organisation, case: Case | None, values: Mapping[str, Any]
) -> tuple[dict[str, str], _Checked]:
    """A draft request's fields checked, all at once: the errors by field and the cleaned input."""
    errors: dict[str, str] = {}
    urgency = _kind_checked(errors, case, values)
    intended: Organisation | None = values.get("intended")
    code = ""
    try:
        code = validate_country_code(values.get("receiver_country") or "")
    except ValidationError as error:
        errors["receiver_country"] = error.messages[0]
    if code and code == sender.country.code:
        errors["receiver_country"] = _(
            "A transnational request goes to another country; within your country, refer the "
            "case instead."
        )
    if intended is not None:
        refusal = organisation_refusal(intended)
        if refusal:
            errors["intended"] = refusal
        elif code and intended.country.code != code:
            errors["intended"] = _("Pick an organisation in the receiving country.")
    reason = (values.get("reason") or "").strip()
    if not reason:
        errors["reason"] = _("Write what you ask the other country to do.")
    elif len(reason) > MAX_TEXT:
        errors["reason"] = _("At most %(max)d characters.") % {"max": MAX_TEXT}
    if (values.get("channel") or RequestChannel.NODE) not in RequestChannel.values:
        errors["channel"] = _("Pick a channel from the list.")
    legal_basis = " ".join((values.get("legal_basis") or "").split())
    if len(legal_basis) > MAX_LEGAL_BASIS:
        errors["legal_basis"] = _("At most %(max)d characters.") % {"max": MAX_LEGAL_BASIS}
    if code and not {"receiver_country", "intended", "case"} & errors.keys():
        _check_route(errors, sender=sender, case=case, code=code, intended=intended)
    return errors, _Checked(code, urgency, reason, legal_basis)


def _kind_checked(errors: dict[str, str], case: Case | None, values: Mapping[str, Any]) -> str:
    """The rules of the kind (formality, case, document, urgency) into ``errors``; the urgency."""
    kind = values.get("kind") or ""
    formality = values.get("formality") or ""
    document_type = values.get("document_type") or ""
    urgency = values.get("urgency") or Urgency.ROUTINE
    if kind not in REQUEST_KINDS:
        errors["kind"] = _("Pick a kind of request from the list.")
    elif formality and formality not in KINDS[kind].formalities:
        errors["formality"] = _("This kind of request cannot be made with this formality.")
    if kind in REQUEST_KINDS and case is None and kind not in THEMATIC_KINDS:
        errors["case"] = _("This kind of request is about a person: start it from the case.")
    if kind == K.DOCUMENT_ISSUANCE and document_type not in RequestedDocument.values:
        errors["document_type"] = _("Pick the document asked for.")
    if kind in REQUEST_KINDS and kind != K.DOCUMENT_ISSUANCE and document_type:
        errors["document_type"] = _("Only a document-issuance request asks for a document.")
    if kind == K.IMMEDIATE_DANGER:
        return str(Urgency.IMMEDIATE)
    if urgency == Urgency.IMMEDIATE:
        errors["urgency"] = _(
            "Immediate urgency is for immediate-danger alerts: send one of those instead."
        )
    elif urgency not in Urgency.values:
        errors["urgency"] = _("Pick an urgency from the list.")
    return str(urgency)


def _check_route(
    errors: dict[str, str],
    *,
    sender: Organisation,
    case: Case | None,
    code: str,
    intended: Organisation | None,
) -> None:
    """The receiver the request would go to, checked before writing (``_create_request``
    checks it again in its transaction)."""
    child = case is not None and states.is_child_case(case, timezone.localdate())
    try:
        destination = route(sender=sender, country_code=code, intended=intended, child=child)
    except ValidationError as error:
        errors["receiver_country"] = error.messages[0]
        return
    refusal = organisation_refusal(destination.receiver)
    if refusal:
        errors["receiver_country"] = refusal


def request_create(
    *,
    actor: Actor,
    kind: str,
    receiver_country: str,
    case: Case | None = None,
    intended: Organisation | None = None,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
    document_type: str = "",
    formality: str = "",
    legal_basis: str = "",
    channel: str = RequestChannel.NODE,
    escalated_from: Referral | None = None,
) -> Referral:
    """Draft a request to another country. The caller got ``case`` through ``access_case``.

    ``formality`` and ``legal_basis`` default to the kind's (``requests.kinds``); a formality
    the kind cannot take is refused on ``formality``, an unknown ``channel`` on ``channel``.

    Refused (ValidationError on the fields, every mistake at once: ``request_errors``) for an
    unknown kind or country, a request within the own country, a kind that needs a case
    without one, a missing document type, a country without a focal point when no direct
    route applies; refused (OriginContactBlockedError, audited) towards a child's country of
    origin after an asylum indication.
    """
    require(actor, Action.REFERRAL_SEND)
    if case is not None:  # about a person: only the owner of her case asks abroad about her
        require_widening(
            can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send"
        )
    assert actor.membership is not None
    sender = actor.membership.organisation
    values = {
        "kind": kind,
        "receiver_country": receiver_country,
        "intended": intended,
        "urgency": urgency,
        "reason": reason,
        "document_type": document_type,
        "formality": formality,
        "legal_basis": legal_basis,
        "channel": channel,
    }
    errors, checked = _request_checked(sender=sender, case=case, values=values)
    if checked.code and checked.code != sender.country.code:
        # The asylum guard before anything else is said: an attempt towards a child's country
        # of origin is refused and audited whatever else is wrong with it.
        guard_origin(actor, case, checked.code)
    if errors:
        raise ValidationError(errors)
    code, urgency, reason, legal_basis = astuple(checked)
    spec = KINDS[kind]
    return _create_request(
        actor=actor,
        sender=sender,
        kind=kind,
        case=case,
        code=code,
        intended=intended,
        urgency=urgency,
        reason=reason,
        document_type=document_type,
        formal=Formal(
            formality=formality or spec.default_formality,
            legal_basis=legal_basis or spec.legal_basis,
            channel=channel,
            escalated_from=escalated_from,
        ),
    )


@dataclass(frozen=True)
class Formal:
    """How formal a new request is, on what legal basis, by which channel, following which."""

    formality: str
    legal_basis: str
    channel: str
    escalated_from: Referral | None = None


@transaction.atomic
def _create_request(
    *,
    actor: Actor,
    sender: Organisation,
    kind: str,
    case: Case | None,
    code: str,
    intended: Organisation | None,
    urgency: str,
    reason: str,
    document_type: str,
    formal: Formal,
) -> Referral:
    """The draft, routed (focal point, child authority or the body asked for) and audited."""
    if formal.escalated_from is not None:
        _lock_escalated(formal.escalated_from)
    child = case is not None and states.is_child_case(case, timezone.localdate())
    destination = route(sender=sender, country_code=code, intended=intended, child=child)
    refusal = organisation_refusal(destination.receiver)
    if refusal:
        # Checked before the form is accepted; again here, under the transaction, for a body
        # suspended in between (timing only).
        raise ValidationError({"receiver_country": refusal})  # pragma: no cover
    referral = Referral.objects.create(
        reference=core.next_reference(sender.country.code),
        kind=kind,
        case=case,
        sender_organisation=sender,
        receiver_country=code,
        receiver_organisation=destination.receiver,
        intended_organisation=destination.intended,
        routing=destination.routing,
        urgency=urgency,
        reason=reason,
        document_type=document_type,
        formality=formal.formality,
        legal_basis=formal.legal_basis,
        channel=formal.channel,
        escalated_from=formal.escalated_from,
        updated_by=actor.user,
    )
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": kind,
            "formality": formal.formality,
            "case_id": case.pk if case else None,
            "receiver_country": code,
            "receiver_id": destination.receiver.pk,
            "routing": destination.routing,
        },
    )
    if formal.escalated_from is not None:
        record_event(
            event_type=EventType.REQUEST_ESCALATED,
            actor=actor,
            target=referral,
            detail={
                "referral": referral.reference,
                "escalated_from": formal.escalated_from.reference,
                "escalated_from_id": formal.escalated_from.pk,
                "formality": formal.formality,
                "case_id": case.pk if case else None,
            },
        )
    return referral


def _lock_escalated(informal: Referral) -> None:
    """Lock the informal request; refused if a colleague escalated it meanwhile."""
    Referral.objects.select_for_update().filter(pk=informal.pk).first()
    if informal.escalations.exclude(status=S.WITHDRAWN).exists():
        raise ValidationError({"__all__": _("This request has already been escalated.")})


@dataclass(frozen=True)
class GatePreview:
    """What sending now would share, and why not more: for the sender's draft page."""

    groups: frozenset[FieldGroup]
    needed: frozenset[FieldGroup]
    missing: list[str]
    consent_id: int | None

    @property
    def complete(self) -> bool:
        return self.needed <= self.groups

    @property
    def withheld(self) -> frozenset[FieldGroup]:
        return self.needed - self.groups


def gate_preview(actor: Actor, referral: Referral) -> GatePreview:
    needed = kind_groups(referral.kind) if referral.case is not None else frozenset()
    if referral.case is None:
        return GatePreview(frozenset(), needed, [], None)
    sharing = sharing_with(referral.case, referral.receiver_organisation)
    groups = sharing.groups & visible_groups(actor, referral.case) & needed
    missing = list(sharing.missing)
    not_in_agreement = needed - sharing.agreement_groups
    if sharing.agreement_groups and not_in_agreement:
        missing.append(
            _("The agreement does not cover: %(groups)s.")
            % {"groups": ", ".join(sorted(g.value for g in not_in_agreement))}
        )
    return GatePreview(groups, needed, missing, sharing.consent.pk if sharing.consent else None)


def request_send(
    *, actor: Actor, referral: Referral, expected_version: int, accept_partial: bool = False
) -> Referral:
    """Send a drafted request: the gate decides what travels (stored on the row), the
    receiving country's time limits the due dates. When the gate withholds some of what the
    kind needs, the sender must say it sends only what is allowed (``accept_partial``)."""
    _require_request(referral)
    _require_sender(actor, referral)
    if referral.case is not None:  # a draft from before the owner rule, by a participant
        require_widening(
            can(actor, Action.REFERRAL_SEND, referral.case),
            actor,
            referral.case,
            action="referral.send",
        )
    if referral.status != S.DRAFT:
        raise ValidationError({"__all__": _("This request has already been sent.")})
    guard_origin(actor, referral.case, referral.receiver_country)
    with transaction.atomic():
        Referral.objects.select_for_update().filter(pk=referral.pk).first()
        refusal = organisation_refusal(referral.receiver_organisation)
        if refusal:
            raise ValidationError({"__all__": refusal})
        preview = gate_preview(actor, referral)
        if not preview.complete and not accept_partial:
            raise ValidationError(
                {
                    "accept_partial": " ".join(
                        [
                            *preview.missing,
                            _(
                                "Confirm that you send the request with only the data that "
                                "may be shared."
                            ),
                        ]
                    )
                }
            )
        agreement_id = (
            governing_agreement_id(
                referral.case.owner_organisation_id,
                referral.receiver_organisation_id,
                preview.groups,
                timezone.localdate(),
            )
            if referral.case is not None
            else None
        )
        groups = sorted(g.value for g in preview.groups)
        return referral_transition(
            actor=actor,
            referral=referral,
            to=S.SENT,
            expected_version=expected_version,
            fields={
                "shared_groups": groups,
                "consent_id": preview.consent_id,
                "agreement_id": agreement_id,
            },
            detail={
                "case_id": referral.case_id,
                "routing": referral.routing,
                "receiver_id": referral.receiver_organisation_id,
                "groups": groups,
                "withheld": sorted(g.value for g in preview.withheld),
            },
        )


def request_acknowledge(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The receiver takes the request in hand: from now on it sees the shared data."""
    return _request_step(actor, referral, S.ACKNOWLEDGED, expected_version)


def request_answer(
    *, actor: Actor, referral: Referral, expected_version: int, answer: str
) -> Referral:
    """The receiver's answer (text; attachments travel as case documents)."""
    return _request_step(
        actor, referral, S.ANSWERED, expected_version, answer, _("Write the answer."), "answer"
    )


def request_decline(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    return _request_step(
        actor, referral, S.DECLINED, expected_version, reason, _("Give the reason for declining.")
    )


def request_withdraw(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The sender takes the request back (a draft or one not answered yet)."""
    missing = _("Give the reason for withdrawing.")
    return _request_step(actor, referral, S.WITHDRAWN, expected_version, reason, missing)


def request_close(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The sender closes an answered request."""
    return _request_step(actor, referral, S.CLOSED, expected_version)


def _request_step(
    actor: Actor,
    referral: Referral,
    to: str,
    expected_version: int,
    text: str | None = None,
    missing: str = "",
    field: str = "reason",
) -> Referral:
    """A step of a request: the side first, then the text (answer or reason) if it has one."""
    _require_request(referral)
    require_side(actor, referral, to)
    cleaned = ""
    if text is not None:
        cleaned = _clean_text(text, field, required=True, missing=missing)
    return referral_transition(
        actor=actor, referral=referral, to=to, expected_version=expected_version, reason=cleaned
    )


__all__ = [
    "FIELDS",
    "KIND_FIELDS",
    "KIND_NOTES",
    "MAX_TEXT",
    "REQUEST_KINDS",
    "THEMATIC_KINDS",
    "GatePreview",
    "MinimalOffer",
    "RequestField",
    "RequestedDocument",
    "SharedValue",
    "age_band_of",
    "effective_groups",
    "field_value",
    "gate_preview",
    "governing_agreement_id",
    "guard_origin",
    "is_request",
    "kind_groups",
    "minimal_offer",
    "organisation_refusal",
    "receiver_groups",
    "request_acknowledge",
    "request_answer",
    "request_close",
    "request_create",
    "request_decline",
    "request_send",
    "request_withdraw",
    "shared_values",
]
