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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can, require
from opentrm.agreements.selectors import agreement_in_force_between, flow_categories
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import require_widening, sharing_with, visible_groups
from opentrm.cases.models import Case, DocumentType
from opentrm.cases.models.person import AgeBand, Person
from opentrm.cases.services.child import contact_country_of_origin_check
from opentrm.directory.models import AccreditationStatus, Organisation
from opentrm.directory.validation import validate_country_code
from opentrm.referrals.access import is_receiver, is_sender, originates_with_owner
from opentrm.referrals.models import (
    Referral,
    ReferralKind,
    ReferralStatus,
    Urgency,
)
from opentrm.referrals.services import core, exchange_link
from opentrm.referrals.services.routing import route

K = ReferralKind
S = ReferralStatus
G = FieldGroup

REQUEST_KINDS = frozenset(kind.value for kind in ReferralKind.requests())
THEMATIC_KINDS = frozenset({K.SOCIO_ECONOMIC_RISK.value, K.SAFETY_CHECK.value})
MAX_TEXT = 4000


class RequestedDocument(models.TextChoices):
    """What a document-issuance request asks for (reference §11.4, "ISSUANCE OF")."""

    PASSPORT = DocumentType.PASSPORT.value, gettext_lazy("Passport")
    LAISSEZ_PASSER = DocumentType.LAISSEZ_PASSER.value, gettext_lazy("Laissez-passer")
    IDENTITY_CARD = DocumentType.IDENTITY_CARD.value, gettext_lazy("Identity card")
    BIRTH_CERTIFICATE = "birth_certificate", gettext_lazy("Birth certificate")
    VISA = "visa", gettext_lazy("Visa")
    CRIMINAL_RECORD = "criminal_record", gettext_lazy("Copy of the criminal record")
    MEDICAL_RECORD = "medical_record", gettext_lazy("Copy of medical records")
    SCHOOL_CERTIFICATE = "school_certificate", gettext_lazy("Copy of school certificates")
    MARRIAGE_CERTIFICATE = "marriage_certificate", gettext_lazy("Marriage certificate")


@dataclass(frozen=True)
class RequestField:
    code: str
    label: Promise
    group: FieldGroup


FIELDS: dict[str, RequestField] = {
    field.code: field
    for field in (
        RequestField("names", gettext_lazy("Names"), G.IDENTITY),
        RequestField("date_of_birth", gettext_lazy("Date of birth"), G.IDENTITY),
        RequestField("place_of_birth", gettext_lazy("Place of birth"), G.IDENTITY),
        RequestField("citizenships", gettext_lazy("Citizenship"), G.IDENTITY),
        RequestField("documents", gettext_lazy("Identity and travel documents"), G.TRAVEL),
        RequestField("address", gettext_lazy("Address"), G.CONTACT),
        RequestField("residence_country", gettext_lazy("Country of residence"), G.CONTACT),
    )
}

# What each kind needs of the person: nothing more travels.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    K.IDENTITY_VERIFICATION: (
        "names",
        "date_of_birth",
        "place_of_birth",
        "citizenships",
        "documents",
    ),
    K.FAMILY_CHECK: ("names", "date_of_birth", "place_of_birth", "address", "residence_country"),
    K.SAFETY_CHECK: ("names", "address", "residence_country"),
    K.DOCUMENT_ISSUANCE: ("names", "date_of_birth", "place_of_birth", "citizenships", "documents"),
    K.IMMEDIATE_DANGER: ("names", "address", "residence_country"),
    K.SOCIO_ECONOMIC_RISK: ("names", "address", "residence_country"),
}

# What the sender sees next to the kind when choosing it.
KIND_NOTES: dict[str, Promise] = {
    K.IDENTITY_VERIFICATION: gettext_lazy(
        "The requested state verifies the nationality or identity without undue delay."
    ),
    K.IMMEDIATE_DANGER: gettext_lazy(
        "Highest priority: the receiver acknowledges within hours, round the clock."
    ),
    K.SOCIO_ECONOMIC_RISK: gettext_lazy(
        "May be thematic (a region or a community), without a case and without personal data."
    ),
    K.SAFETY_CHECK: gettext_lazy(
        "May be thematic (the conditions for return to a place), without a case."
    ),
}


def is_request(referral: Referral) -> bool:
    return referral.kind in REQUEST_KINDS


def kind_groups(kind: str) -> frozenset[FieldGroup]:
    return frozenset(FIELDS[code].group for code in KIND_FIELDS.get(kind, ()))


# --- What the receiver sees ------------------------------------------------------------------


@dataclass(frozen=True)
class MinimalOffer:
    """Everything a receiver sees before it takes the request in hand: never a name, a birth
    date, a document number or an address."""

    age_band: str
    sex: str
    languages: list[str]
    needs: list[str]


@dataclass(frozen=True)
class SharedValue:
    code: str
    label: str
    group: FieldGroup
    value: str


def age_band_of(person: Person, on: date) -> str:
    age = person.age_on(on)
    if age is not None:
        return str(AgeBand.UNDER_18.label if age < 18 else AgeBand.OVER_18.label)
    return str(person.get_age_band_display())


def minimal_offer(referral: Referral, *, shows_person: bool) -> MinimalOffer:
    """The request's minimal offer; the person's age band, sex and languages only when
    ``shows_person`` (``national.offer_shows_person``: the viewer may see her identity)."""
    needs = [str(need) for need in referral.needs or []]
    if referral.case is None or not shows_person:
        return MinimalOffer(age_band="", sex="", languages=[], needs=needs)
    person = referral.case.person
    return MinimalOffer(
        age_band=age_band_of(person, timezone.localdate()),
        sex=str(person.get_sex_display()),
        languages=sorted(language.code for language in person.languages.all()),
        needs=needs,
    )


def effective_groups(referral: Referral, *, on: date | None = None) -> frozenset[FieldGroup]:
    """What the receiver may see today: the groups shared at sending that the gate still
    allows (consent in force, agreement in force)."""
    if referral.case is None or not referral.shared_groups:
        return frozenset()
    if not originates_with_owner(referral):  # a participant referred the owner's case onward
        return frozenset()
    known = {g.value for g in FieldGroup}
    stored = frozenset(FieldGroup(g) for g in referral.shared_groups if g in known)
    today = sharing_with(referral.case, referral.receiver_organisation, on=on).groups
    return stored & today


def field_value(person: Person, code: str) -> str:
    """The value of a request field of the person, as text."""
    if code == "names":
        return "; ".join(name.value for name in person.names.all())
    if code == "date_of_birth":
        return person.date_of_birth.isoformat() if person.date_of_birth else ""
    if code == "place_of_birth":
        return person.place_of_birth
    if code == "citizenships":
        return ", ".join(sorted(c.country_code for c in person.citizenships.all()))
    if code == "documents":
        return "; ".join(
            " ".join(
                part
                for part in (
                    str(document.get_type_display()),
                    document.number,
                    f"({document.issuing_country})" if document.issuing_country else "",
                )
                if part
            )
            for document in person.documents.all()
        )
    if code == "address":
        return person.address
    if code == "residence_country":
        return person.residence_country
    raise ValueError(code)


def shared_values(referral: Referral, groups: Iterable[FieldGroup]) -> list[SharedValue]:
    """The kind's fields of the person in ``groups``, with their values."""
    if referral.case is None:
        return []
    allowed = frozenset(groups)
    person = referral.case.person
    return [
        SharedValue(code, str(FIELDS[code].label), FIELDS[code].group, field_value(person, code))
        for code in KIND_FIELDS.get(referral.kind, ())
        if FIELDS[code].group in allowed
    ]


def receiver_groups(actor: Actor, referral: Referral) -> frozenset[FieldGroup]:
    """What a member of the receiving organisation sees of the person: nothing before the
    request is acknowledged (the minimal offer only), then what the gate still allows and
    the member's role may view."""
    if referral.status in (S.DRAFT, S.SENT) or referral.status in (S.DECLINED, S.WITHDRAWN):
        return frozenset()
    return frozenset(
        g for g in effective_groups(referral) if actor.field_group_access(g) >= Access.VIEW
    )


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


def _require_receiver(actor: Actor, referral: Referral) -> None:
    require(actor, Action.REFERRAL_RESPOND)
    if not is_receiver(actor, referral) or referral.status == S.DRAFT:
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
) -> Referral:
    """Draft a request to another country. The caller got ``case`` through ``access_case``.

    Refused (ValidationError on the field) for an unknown kind or country, a request within
    the own country, a kind that needs a case without one, a missing document type, a country
    without a focal point when no direct route applies; refused (OriginContactBlockedError,
    audited) towards a child's country of origin after an asylum indication.
    """
    require(actor, Action.REFERRAL_SEND)
    if case is not None:  # about a person: only the owner of her case asks abroad about her
        require_widening(
            can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send"
        )
    assert actor.membership is not None
    sender = actor.membership.organisation
    errors: dict[str, str] = {}
    code = ""
    if kind not in REQUEST_KINDS:
        errors["kind"] = _("Pick a kind of request from the list.")
    try:
        code = validate_country_code(receiver_country or "")
    except ValidationError as error:
        errors["receiver_country"] = error.messages[0]
    if code and code == sender.country.code:
        errors["receiver_country"] = _(
            "A transnational request goes to another country; within your country, refer the "
            "case instead."
        )
    if kind in REQUEST_KINDS and case is None and kind not in THEMATIC_KINDS:
        errors["case"] = _("This kind of request is about a person: start it from the case.")
    if kind == K.DOCUMENT_ISSUANCE and document_type not in RequestedDocument.values:
        errors["document_type"] = _("Pick the document asked for.")
    if kind != K.DOCUMENT_ISSUANCE and document_type:
        errors["document_type"] = _("Only a document-issuance request asks for a document.")
    if kind == K.IMMEDIATE_DANGER:
        urgency = Urgency.IMMEDIATE
    elif urgency == Urgency.IMMEDIATE:
        errors["urgency"] = _(
            "Immediate urgency is for immediate-danger alerts: send one of those instead."
        )
    elif urgency not in Urgency.values:
        errors["urgency"] = _("Pick an urgency from the list.")
    if intended is not None:
        refusal = organisation_refusal(intended)
        if refusal:
            errors["intended"] = refusal
        elif code and intended.country.code != code:
            errors["intended"] = _("Pick an organisation in the receiving country.")
    try:
        reason = _clean_text(
            reason,
            "reason",
            required=True,
            missing=_("Write what you ask the other country to do."),
        )
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    guard_origin(actor, case, code)
    with transaction.atomic():
        child = case is not None and states.is_child_case(case, timezone.localdate())
        destination = route(sender=sender, country_code=code, intended=intended, child=child)
        refusal = organisation_refusal(destination.receiver)
        if refusal:
            raise ValidationError({"receiver_country": refusal})
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
            updated_by=actor.user,
        )
        record_event(
            event_type=EventType.REFERRAL_CREATED,
            actor=actor,
            target=referral,
            detail={
                "referral": referral.reference,
                "kind": kind,
                "case_id": case.pk if case else None,
                "receiver_country": code,
                "receiver_id": destination.receiver.pk,
                "routing": destination.routing,
            },
        )
    return referral


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
        sent = core.send(
            actor=actor,
            referral=referral,
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
        exchange_link.referral_sent(actor, sent)  # to another OpenTRM node, if it is one
    return sent


@transaction.atomic
def request_acknowledge(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The receiver takes the request in hand: from now on it sees the shared data."""
    _require_request(referral)
    _require_receiver(actor, referral)
    done = core.step(
        actor=actor, referral=referral, to=S.ACKNOWLEDGED, expected_version=expected_version
    )
    exchange_link.step_taken(actor, done)
    return done


@transaction.atomic
def request_answer(
    *, actor: Actor, referral: Referral, expected_version: int, answer: str
) -> Referral:
    """The receiver's answer (text; attachments travel as case documents)."""
    _require_request(referral)
    _require_receiver(actor, referral)
    text = _clean_text(answer, "answer", required=True, missing=_("Write the answer."))
    done = core.step(
        actor=actor,
        referral=referral,
        to=S.ANSWERED,
        expected_version=expected_version,
        fields={"answer": text},
    )
    exchange_link.step_taken(actor, done)
    return done


@transaction.atomic
def request_decline(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    _require_request(referral)
    _require_receiver(actor, referral)
    text = _clean_text(reason, "reason", required=True, missing=_("Give the reason for declining."))
    done = core.step(
        actor=actor,
        referral=referral,
        to=S.DECLINED,
        expected_version=expected_version,
        fields={"decline_reason": text},
    )
    exchange_link.step_taken(actor, done)
    return done


@transaction.atomic
def request_withdraw(
    *, actor: Actor, referral: Referral, expected_version: int, reason: str
) -> Referral:
    """The sender takes the request back (a draft or one not answered yet)."""
    _require_request(referral)
    _require_sender(actor, referral)
    text = _clean_text(
        reason, "reason", required=True, missing=_("Give the reason for withdrawing.")
    )
    done = core.step(
        actor=actor,
        referral=referral,
        to=S.WITHDRAWN,
        expected_version=expected_version,
        fields={"withdrawal_reason": text},
    )
    exchange_link.step_taken(actor, done)
    return done


@transaction.atomic
def request_close(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """The sender closes an answered request."""
    _require_request(referral)
    _require_sender(actor, referral)
    done = core.step(actor=actor, referral=referral, to=S.CLOSED, expected_version=expected_version)
    exchange_link.step_taken(actor, done)
    return done


def record_read(actor: Actor, referral: Referral, groups: Iterable[FieldGroup]) -> None:
    """Audit a reading of the request by the receiving side (the groups it was shown)."""
    record_event(
        event_type=EventType.REFERRAL_VIEWED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": referral.kind,
            "groups": sorted(g.value for g in groups),
        },
    )
