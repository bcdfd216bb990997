"""What a request carries of the person, per kind, and what its receiver sees of it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.cases.access import sharing_with
from opentrm.cases.models import DocumentType
from opentrm.cases.models.person import AgeBand, Person
from opentrm.referrals.access import originates_with_owner
from opentrm.referrals.models import (
    Referral,
    ReferralKind,
    ReferralStatus,
)
from opentrm.referrals.services.requests.kinds import KINDS

K = ReferralKind
S = ReferralStatus
G = FieldGroup

REQUEST_KINDS = frozenset(kind.value for kind in ReferralKind.requests())
THEMATIC_KINDS = frozenset(code for code, kind in KINDS.items() if kind.thematic)
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

# What each kind needs of the person: nothing more travels. Its note for the sender.
KIND_FIELDS: dict[str, tuple[str, ...]] = {code: kind.fields for code, kind in KINDS.items()}
KIND_NOTES: dict[str, Promise] = {code: kind.note for code, kind in KINDS.items()}


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
    if referral.case is None and referral.origin_reference:  # received: the package's offer
        from opentrm.cases.models import Sex
        from opentrm.referrals.services.national import minimal_offer as received

        offer = received(referral, shows_person=False)
        return MinimalOffer(
            age_band=str(AgeBand(offer.age_band).label),
            sex=str(Sex(offer.sex).label),
            languages=offer.languages,
            needs=needs,
        )
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
