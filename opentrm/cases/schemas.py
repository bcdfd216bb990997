"""Shapes of the cases API. Out-schemas carry only the field groups the caller may see of the
case: the role's, narrowed for an organisation that does not own it (``access.visible_groups``)."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from django.utils import timezone
from ninja import Field
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, model_validator

from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import (
    AgeBand,
    ConsentDecision,
    ConsentPurpose,
    ConsentRecord,
    NameKind,
    Person,
    ReferralChannel,
    ReferrerType,
    Sex,
)
from opentrm.cases.selectors import CaseView, consent_counts, decision_in_force
from opentrm.core.schemas import MAX_PAGE, PersonName, Schema
from opentrm.directory.schemas import CountryCode, LanguageCode


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > timezone.localdate():
        raise ValueError("the date is in the future")
    return value


PastDate = Annotated[date | None, AfterValidator(_not_in_future)]


class NameIn(Schema):
    value: PersonName = Field(min_length=1, max_length=200)
    kind: NameKind = NameKind.NAME
    script: str = Field(default="", max_length=4)


class CaseIn(Schema):
    public_id: uuid.UUID | None = Field(
        default=None, description="Generate it on the client: sending twice opens one case."
    )
    names: list[NameIn] = []
    sex: Sex = Sex.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    date_of_birth: PastDate = None
    languages: list[LanguageCode] = []
    citizenships: list[CountryCode] = []
    at_risk_only: bool = False
    referrer_type: ReferrerType | Literal[""] = ""
    referrer_organisation_id: int | None = None
    referral_channel: ReferralChannel | Literal[""] = ""
    notified_at: datetime | None = Field(default=None, description="Now when not given.")


class NameOut(Schema):
    value: str
    kind: str
    script: str


class IdentityOut(Schema):  # read from the person
    names: list[NameOut]
    sex: str
    date_of_birth: date | None
    age_band: str
    age_disputed: bool
    citizenships: list[str]
    languages: list[str]

    @staticmethod
    def resolve_citizenships(person: Person) -> list[str]:
        return [citizenship.country_code for citizenship in person.citizenships.all()]

    @staticmethod
    def resolve_languages(person: Person) -> list[str]:
        return [language.code for language in person.languages.all()]


class ContactOut(Schema):
    address: str
    residence_country: str


_FROM_VIEW = frozenset({"is_child", "visible_groups", "identity", "contact"})


class CaseOut(Schema):
    public_id: uuid.UUID
    number: str
    opened_on: date
    owner_organisation_id: int
    identification_status: str
    assistance_status: str
    witness_status: str
    return_status: str
    assistance_status_overridden: bool
    witness_status_overridden: bool
    case_status: str = Field(description="active, closed or closed_referred (HTCDS cas_Status)")
    referrer_type: str
    referrer_organisation_id: int | None
    referral_channel: str
    notified_at: datetime | None
    first_point_of_notification_id: int | None
    is_child: bool
    version: int
    visible_groups: list[str]
    identity: IdentityOut | None = Field(
        description="Null unless the caller's role may see identity data and, for an "
        "organisation that does not own the case, the owner shares it (consent and agreement)."
    )
    contact: ContactOut | None = Field(
        description="Null unless the caller's role may see contact data and, for an "
        "organisation that does not own the case, the owner shares it (consent and agreement)."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_view(cls, value: Any) -> Any:
        """A ``CaseView``: the case's fields, and the person's groups the view shows."""
        value = value._obj if isinstance(value, DjangoGetter) else value  # ninja wraps objects
        if not isinstance(value, CaseView):
            return value
        case, shown = value.case, value.groups
        return {
            **{name: getattr(case, name) for name in cls.model_fields if name not in _FROM_VIEW},
            "is_child": value.is_child,
            "visible_groups": sorted(shown),
            "identity": case.person if FieldGroup.IDENTITY in shown else None,
            "contact": case.person if FieldGroup.CONTACT in shown else None,
        }


class CasePageOut(Schema):
    count: int = Field(
        description="Cases found, counted no further than needed: the search counts up to "
        "1,000 past the page asked for, the list (GET) up to the end of the page it returns; "
        "count_capped tells when there are more"
    )
    count_capped: bool = Field(
        False,
        description="True when more cases match than count: count is then a lower bound and "
        "there is a next page",
    )
    page: int
    items: list[CaseOut]


class ConsentIn(Schema):
    purpose: ConsentPurpose
    decision: ConsentDecision
    decided_on: date
    explained_in: LanguageCode
    information_given: str = Field(min_length=1)
    recipient_organisation_id: int | None = None
    recipient_country: str = ""
    expires_on: date | None = None
    interpreter: str = ""
    supersedes_id: int | None = Field(
        default=None,
        description="The earlier record of the same purpose and recipient this one corrects; "
        "the earlier record stays in the register and stops counting.",
    )


class ConsentOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "recorded_for_organisation_id": "taken_for_id",
        "recorded_by_user_id": "taken_by_id",
        "withdrawn_for_organisation_id": "withdrawn_for_id",
    }
    id: int
    purpose: str
    decision: str
    decided_on: date
    expires_on: date | None
    recipient_organisation_id: int | None
    recipient_country: str
    withdrawn_at: str | None
    in_force: bool = Field(
        description="Counts today: given, not withdrawn, not expired, not corrected, and "
        "recorded by the owner organisation or a consent-taker it names."
    )
    recorded_for_organisation_id: int = Field(
        description="The organisation that recorded the person's decision."
    )
    recorded_by_user_id: int
    withdrawn_for_organisation_id: int | None = None
    supersedes_id: int | None = None

    @staticmethod
    def resolve_withdrawn_at(consent: ConsentRecord) -> str | None:
        return consent.withdrawn_at.isoformat() if consent.withdrawn_at else None

    @staticmethod
    def resolve_in_force(consent: ConsentRecord) -> bool:
        return consent_counts(consent) and decision_in_force(consent, timezone.localdate())


class CaseSearchIn(Schema):
    """The case search of the API, the fields of the case list's search form
    (``forms_search.CaseSearchForm``): posted, so a name never goes in a URL."""

    number: str = Field("", max_length=32)
    name: str = Field("", max_length=200)
    status: str = ""
    identification: str = ""
    child: str = Field("", description="child, adult, or empty for both")
    manager: int | None = Field(None, description="user id of a case manager")
    opened_from: date | None = None
    opened_to: date | None = None
    sort: str = Field("", description="-opened (default), opened, number, -number")
    mine: bool = False
    page: int = Field(1, ge=1, le=MAX_PAGE)
