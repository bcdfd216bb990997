"""Referral within the country (issue 4 §2), and the steps every referral shares on its page.

An organisation on a case refers it to another organisation of its country's directory for a
measure or a service. The receiver first sees the **minimal offer** (``minimal_offer``): the
reference, age band, sex, needs, languages, urgency and the sender's reason, never a name, a
birth date, a document number or an address. On acceptance it joins the case as a
``CaseParticipant``, and from then the consent + agreement gate (``cases.access.sharing_with``)
decides which field groups it sees, on every screen and at every request: a consent withdrawn
or an agreement expired narrows its view at once. Declining or withdrawing ends its place on
the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can, require
from opentrm.agreements.models import Agreement
from opentrm.agreements.selectors import agreement_in_force_between, flow_categories
from opentrm.cases.access import (
    Sharing,
    group_access,
    organisation_groups,
    require_widening,
    sharing_with,
)
from opentrm.cases.models import AgeBand, Case, CaseParticipant, Need, Person, ServiceType
from opentrm.catalogue import loader
from opentrm.directory.models import Organisation
from opentrm.referrals import states
from opentrm.referrals.access import is_sender
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus, Routing, Urgency
from opentrm.referrals.services import core, timelines
from opentrm.referrals.services.national_checks import NOT_ACCREDITED, send_errors
from opentrm.referrals.services.national_checks import REASON_MAX as REASON_MAX  # re-exported
from opentrm.referrals.services.national_checks import check_receiver as check_receiver
from opentrm.referrals.services.transitions import referral_transition, require_side
from opentrm.referrals.states import Side, Step

S = ReferralStatus


# --- what may be chosen --------------------------------------------------------------------------


def receiver_candidates(sender: Organisation) -> models.QuerySet[Organisation]:
    """Active, accredited (where accreditation is recorded) organisations of the sender's
    country, other than the sender."""
    return (
        Organisation.objects.filter(country_id=sender.country_id, is_active=True)
        .exclude(pk=sender.pk)
        .exclude(accreditation_status__in=NOT_ACCREDITED)
        .select_related("country")
        .order_by("name")
    )


def measure_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue's measures grouped by procedure, for a select."""
    catalogue = loader.load_catalogue()
    return [
        (sop.name, [(measure.code, measure.name) for measure in sop.measures])
        for sop in catalogue.sops
    ]


def measure_label(code: str) -> str:
    if not code:
        return ""
    try:
        return loader.measure(code).name
    except KeyError:
        return code


# --- the minimal offer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MinimalOffer:
    """All a receiver sees before it accepts. Nothing here identifies the person."""

    reference: str
    kind: str
    age_band: str
    sex: str
    needs: list[str]
    languages: list[str]
    urgency: str
    measure: str
    service: str
    reason: str


def age_band(person: Person) -> str:
    """The person's age band (never the birth date): from the birth date when known, else the
    estimate; a disputed age counts as a child's."""
    day = timezone.localdate()
    if person.age_disputed:
        return AgeBand.UNDER_18
    age = person.age_on(day)
    if age is not None:
        return AgeBand.UNDER_18 if age < 18 else AgeBand.OVER_18
    return person.age_band


def offer_shows_person(actor: Actor, referral: Referral, *, on_case: bool) -> bool:
    """May ``actor`` see the person's sex, age band and languages (identity data) in the minimal
    offer of ``referral``? Never more than the sending organisation may see of the case (the
    offer is what the sender could offer); and an organisation on the case (``on_case``: the
    sender, the receiver once it accepted) sees there only what it may see of the case itself.
    The receiver before it accepts sees the minimal offer."""
    case = referral.case
    if case is None or not offer_may_show_person(referral):
        return False
    if on_case or is_sender(actor, referral):
        return group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW
    return True


def offer_may_show_person(referral: Referral) -> bool:
    """Whether the minimal offer of ``referral`` may name the person's sex, age band and
    languages at all: never more than the sending organisation may see of the case (also what
    a package to another node carries)."""
    case = referral.case
    if case is None:
        return False
    return referral.sender_organisation_id == case.owner_organisation_id or (
        FieldGroup.IDENTITY in organisation_groups(case, referral.sender_organisation)
    )


def preview_shows_person(actor: Actor, case: Case) -> bool:
    """The sender's preview shows the person's sex, age band and languages only to a sender who
    may see the person's identity of this case."""
    return group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW


def minimal_offer(referral: Referral, *, shows_person: bool) -> MinimalOffer:
    """The minimal offer of ``referral``, with the person's sex, age band and languages only
    when ``shows_person`` (``offer_shows_person``). Codes, labelled for display:
    ``offer_labels``. A referral received from another node or a file has no case here
    before it is accepted: its person is the one the package's (or file's) offer named."""
    if referral.case is None and referral.origin_reference:
        from opentrm.referrals.services.received import received_offer

        return received_offer(referral)
    return offer_for(
        referral.case,
        shows_person=shows_person,
        reference=referral.reference,
        kind=referral.kind,
        needs=referral.needs,
        urgency=referral.urgency,
        measure_code=referral.measure_code,
        service_type=referral.service_type,
        reason=referral.reason,
    )


def offer_for(
    case: Case | None,
    *,
    shows_person: bool,
    reference: str,
    kind: str = ReferralKind.NATIONAL,
    needs: Iterable[str] = (),
    urgency: str = Urgency.ROUTINE,
    measure_code: str = "",
    service_type: str = "",
    reason: str = "",
) -> MinimalOffer:
    """The minimal offer a referral of ``case`` with these details makes (also before it
    exists: the sender's preview). Without ``shows_person`` the person's sex, age band and
    languages are left out (unknown, none)."""
    person = case.person if case is not None and shows_person else None
    return MinimalOffer(
        reference=reference,
        kind=kind,
        age_band=age_band(person) if person is not None else AgeBand.UNKNOWN,
        sex=person.sex if person is not None else "unknown",
        needs=list(needs),
        languages=sorted(language.code for language in person.languages.all()) if person else [],
        urgency=urgency,
        measure=measure_code,
        service=service_type,
        reason=reason,
    )


def offer_labels(offer: MinimalOffer) -> dict[str, object]:
    """The minimal offer in words of the current language."""
    from opentrm.cases.models import Sex
    from opentrm.directory import reference

    return {
        "reference": offer.reference,
        "kind": ReferralKind(offer.kind).label,
        "age_band": AgeBand(offer.age_band).label,
        "sex": Sex(offer.sex).label,
        "needs": [Need(code).label if code in Need.values else code for code in offer.needs],
        "languages": [reference.language_name(code) for code in offer.languages],
        "urgency": Urgency(offer.urgency).label,
        "measure": measure_label(offer.measure),
        "service": ServiceType(offer.service).label if offer.service in ServiceType.values else "",
        "reason": offer.reason,
    }


# --- the gate at sending -------------------------------------------------------------------------


def governing_agreement(case: Case, receiver: Organisation) -> Agreement | None:
    """The agreement in force between the case's owner and ``receiver`` that allows data to
    flow to the receiver (the first such; else the first in force; else None)."""
    found = agreement_in_force_between(
        case.owner_organisation_id, receiver.pk, timezone.localdate()
    )
    for governing in found:
        if flow_categories(governing.version, case.owner_organisation_id, receiver.pk):
            return governing.agreement
    return found[0].agreement if found else None


@dataclass(frozen=True)
class Preview:
    """What the receiver will see once it accepts, and why not more."""

    receiver: Organisation
    sharing: Sharing
    groups: list[FieldGroup]
    withheld: list[FieldGroup]
    missing: list[str]
    agreement: Agreement | None


def preview(case: Case, receiver: Organisation) -> Preview:
    sharing = sharing_with(case, receiver)
    groups = sorted(sharing.groups)
    missing = list(sharing.missing)
    if sharing.consent is not None and sharing.agreement_groups:
        missing_groups = [g for g in FieldGroup if g not in sharing.agreement_groups]
        if missing_groups:
            missing.append(
                _("The agreement does not allow: %(groups)s.")
                % {"groups": ", ".join(group_label(g) for g in missing_groups)}
            )
    return Preview(
        receiver=receiver,
        sharing=sharing,
        groups=groups,
        withheld=[g for g in FieldGroup if g not in sharing.groups],
        missing=missing,
        agreement=governing_agreement(case, receiver),
    )


def group_label(group: FieldGroup | str) -> str:
    labels = {
        FieldGroup.IDENTITY: _("identity"),
        FieldGroup.CONTACT: _("contact"),
        FieldGroup.HEALTH: _("health"),
        FieldGroup.PROCEEDINGS: _("proceedings"),
        FieldGroup.CHILD_PROTECTION: _("child protection"),
        FieldGroup.TRAVEL: _("travel"),
        FieldGroup.ASSISTANCE: _("assistance"),
    }
    try:
        return labels[FieldGroup(group)]
    except ValueError:
        return str(group)


# --- sending -------------------------------------------------------------------------------------


def referral_send_national(
    *,
    actor: Actor,
    case: Case,
    receiver: Organisation | None,
    reason: str,
    urgency: str = Urgency.ROUTINE,
    measure_code: str = "",
    service_type: str = "",
    needs: Iterable[str] = (),
) -> Referral:
    """Refer ``case`` to ``receiver`` in the sender's country and send it at once.

    Only the owner organisation refers its case (``Action.REFERRAL_SEND``): a participant
    that received the case does not refer it onward; the refusal is audited.

    The gate is evaluated now and stored (consent, governing agreement, shared groups); the
    receiver sees only the minimal offer until it accepts. Without consent or agreement the
    referral still goes, as the minimal offer only."""
    require(actor, Action.REFERRAL_SEND)
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    return _send_national(
        actor=actor,
        case=case,
        receiver=receiver,
        reason=reason,
        urgency=urgency,
        measure_code=measure_code,
        service_type=service_type,
        needs=needs,
    )


@transaction.atomic
def _send_national(
    *,
    actor: Actor,
    case: Case,
    receiver: Organisation | None,
    reason: str,
    urgency: str,
    measure_code: str,
    service_type: str,
    needs: Iterable[str],
) -> Referral:
    assert actor.membership is not None
    sender = actor.membership.organisation
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied
    errors = send_errors(
        sender=sender,
        receiver=receiver,
        measure_code=measure_code,
        service_type=service_type,
        needs=needs,
        reason=reason,
        urgency=urgency,
    )
    if errors:
        raise ValidationError(errors)
    assert receiver is not None  # send_errors says when it is missing
    need_codes = list(dict.fromkeys(needs))
    if CaseParticipant.objects.filter(case=case, organisation=receiver, is_active=True).exists():
        raise ValidationError(
            {
                "receiver": _(
                    "This organisation already takes part in the case. To share more (or less) "
                    "with it, open its accepted referral and choose “Change what is shared”."
                )
            }
        )
    if _open_referral_exists(case, receiver):
        raise _already_open()
    gate = preview(case, receiver)
    try:
        with transaction.atomic():
            return _create_and_send(
                actor=actor,
                case=case,
                sender=sender,
                receiver=receiver,
                gate=gate,
                reason=reason,
                urgency=urgency,
                measure_code=measure_code,
                service_type=service_type,
                needs=need_codes,
            )
    except IntegrityError:
        # Sent by someone else at the same moment: the database's one-open-referral rule
        # (``referrals_referral_one_open_per_case_receiver``) let only one of both through.
        if _open_referral_exists(case, receiver):
            raise _already_open() from None
        raise  # pragma: no cover -- any other integrity error is a bug, raised as it is


def _open_referral_exists(case: Case, receiver: Organisation) -> bool:
    return (
        Referral.objects.select_for_update()
        .filter(case=case, receiver_organisation=receiver, status__in=states.OPEN)
        .exists()
    )


def _already_open() -> ValidationError:
    return ValidationError(
        {"receiver": _("This case already has an open referral to this organisation.")}
    )


def _create_and_send(
    *,
    actor: Actor,
    case: Case,
    sender: Organisation,
    receiver: Organisation,
    gate: Preview,
    reason: str,
    urgency: str,
    measure_code: str,
    service_type: str,
    needs: list[str],
) -> Referral:
    referral = Referral.objects.create(
        reference=core.next_reference(sender.country.code),
        kind=ReferralKind.NATIONAL,
        case=case,
        sender_organisation=sender,
        receiver_country=receiver.country.code,
        receiver_organisation=receiver,
        routing=Routing.DIRECT,
        measure_code=measure_code,
        service_type=service_type,
        needs=needs,
        reason=reason.strip(),
        urgency=urgency,
        consent=gate.sharing.consent,
        agreement=gate.agreement,
        shared_groups=[g.value for g in gate.groups],
        updated_by=actor.user,
    )
    return referral_transition(
        actor=actor,
        referral=referral,
        to=S.SENT,
        expected_version=referral.version,
        detail={
            "case_id": case.pk,
            "receiver_id": receiver.pk,
            "shared_groups": referral.shared_groups,
            "consent_id": referral.consent_id,
            "agreement_id": referral.agreement_id,
            "minimal_offer_only": not referral.shared_groups,
        },
    )


# --- the receiver's and the sender's steps -------------------------------------------------------


def actions_for(actor: Actor, referral: Referral) -> list[str]:
    """The steps of this module the actor may take now: "acknowledge", "accept", "decline",
    "withdraw". None for the other transnational requests: their section has its own steps."""
    if referral.kind in ReferralKind.requests():
        return []
    found: list[str] = []
    if can(actor, Action.REFERRAL_RESPOND, referral):
        found += states.steps_from(referral.kind, referral.status, Side.RECEIVER)
    if can(actor, Action.REFERRAL_WITHDRAW, referral):
        found += states.steps_from(referral.kind, referral.status, Side.SENDER)
    return [str(step) for step in PAGE_STEPS if step in found]


PAGE_STEPS = (Step.ACKNOWLEDGE, Step.ACCEPT, Step.DECLINE, Step.WITHDRAW)


def referral_acknowledge(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The receiver confirms it got the referral (the clock to answer keeps running)."""
    return referral_transition(
        actor=actor, referral=referral, to=S.ACKNOWLEDGED, expected_version=expected_version
    )


def referral_accept(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The receiver accepts; for a referral within the country it joins the case, and from
    then the consent + agreement gate decides what it sees."""
    return referral_transition(
        actor=actor, referral=referral, to=S.ACCEPTED, expected_version=expected_version
    )


def referral_decline(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The receiver declines, saying why; any place on the case the referral gave it ends."""
    return _with_reason(
        actor,
        referral,
        S.DECLINED,
        expected_version,
        reason,
        _("Say why you decline the referral."),
    )


def referral_withdraw(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The sender withdraws, saying why: the receiver loses the case at once."""
    missing = _("Say why you withdraw the referral.")
    return _with_reason(actor, referral, S.WITHDRAWN, expected_version, reason, missing)


def _with_reason(
    actor: Actor, referral: Referral, to: str, expected_version: int, reason: str, missing: str
) -> Referral:
    """A step that needs a reason: the side first, then the reason, then the step."""
    require_side(actor, referral, to)
    text = reason.strip()
    if not text:
        raise ValidationError({"reason": missing})
    if len(text) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}}
        )
    if to == S.WITHDRAWN and referral.status == S.DRAFT:
        raise ValidationError(
            {"__all__": _("A draft is not sent yet: there is nothing to withdraw.")}
        )
    return referral_transition(
        actor=actor, referral=referral, to=to, expected_version=expected_version, reason=text
    )


# --- overdue ---------------------------------------------------------------------------------


def is_overdue(referral: Referral) -> bool:
    """Past the time to acknowledge without an acknowledgement, or past the time to answer
    without an answer (``services.timelines`` decides)."""
    return timelines.is_overdue(referral)
