"""Shapes of the cases API for services, proceedings, the no-contact list and hearings.

Codes and the rules across fields (dates, currency, duplicates, the no-contact and video
guards) are checked by the services, which name the field in a 422 answer."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from ninja import Field
from pydantic import WithJsonSchema

from opentrm.cases.models import (
    CourtDecision,
    Hearing,
    HearingKind,
    ProceedingKind,
    ServiceStatus,
    ServiceType,
)
from opentrm.core.schemas import PatchSchema, PersonName, Schema
from opentrm.directory.schemas import CountryCode

# A cost: at most 12 digits, 2 of them decimals, not negative; as a JSON number or as text.
# pydantic's own schema types the text form as any string; the document says which.
Cost = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 9_999_999_999.99},
                {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$"},
            ]
        }
    ),
]


# Every request schema refuses keys it does not declare (core.schemas.Schema).
_Input = Schema
_Patch = PatchSchema


# --- Services -----------------------------------------------------------------------------------


class ServiceIn(_Input):
    service_type: ServiceType
    description: str = Field("", max_length=300, description="Required when the type is other.")
    provider_id: int | None = Field(None, description="An active organisation of the directory.")
    provider_name: str = Field("", max_length=200, description="Or a provider not in it.")
    offered_on: date
    cost: Cost | None = None
    currency: str = Field("", max_length=3, description="ISO 4217, required with a cost.")
    funding_source: str = Field("", max_length=200)
    comments: str = ""
    plan_activity_id: int | None = None


class ServicePatch(_Patch):
    """Only the fields sent change. Moving a service on is a change of ``status`` with its
    date: accepted (``accepted_on``), delivered (``started_on``, ``ended_on``), refused
    (``refused_on``). ``null`` empties a text; it is refused for the type, status and dates
    of offer."""

    nullable: ClassVar[frozenset[str]] = frozenset(
        {"provider_id", "plan_activity_id", "cost", "accepted_on", "started_on", "ended_on"}
        | {"refused_on"}
    )

    version: int = Field(description="The version you read: a stale one gets 409.")
    service_type: ServiceType | None = None
    description: str | None = Field(None, max_length=300)
    provider_id: int | None = None
    provider_name: str | None = Field(None, max_length=200)
    offered_on: date | None = None
    cost: Cost | None = None
    currency: str | None = Field(None, max_length=3)
    funding_source: str | None = Field(None, max_length=200)
    comments: str | None = None
    plan_activity_id: int | None = None
    status: ServiceStatus | None = None
    accepted_on: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    refused_on: date | None = None


class ServiceOut(Schema):
    id: int
    service_type: str
    category: str
    description: str
    status: str
    provider_id: int | None
    provider_name: str
    offered_on: date
    accepted_on: date | None
    started_on: date | None
    ended_on: date | None
    refused_on: date | None
    cost: Decimal | None
    currency: str
    funding_source: str
    comments: str
    plan_activity_id: int | None
    version: int


# --- Proceedings ---------------------------------------------------------------------------------


class ProceedingIn(_Input):
    country_code: CountryCode = Field(description="ISO 3166-1 alpha-2")
    kind: ProceedingKind
    initiated: bool | None = None
    reference: str = Field("", max_length=100)
    statement_taken: bool | None = None
    testified: bool | None = None
    compensation_claimed: bool | None = None
    compensation_obtained: bool | None = None
    court_decision: CourtDecision | Literal[""] = Field(
        "", description="sentenced, released, underway or empty"
    )
    legal_status: str = Field("", max_length=200)
    support_before_trial: bool = False
    support_during_trial: bool = False
    support_after_trial: bool = False
    comments: str = ""


class ProceedingPatch(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset(
        {"initiated", "statement_taken", "testified", "compensation_claimed"}
        | {"compensation_obtained"}
    )

    version: int = Field(description="The version you read: a stale one gets 409.")
    country_code: CountryCode | None = None
    kind: ProceedingKind | None = None
    initiated: bool | None = None
    reference: str | None = Field(None, max_length=100)
    statement_taken: bool | None = None
    testified: bool | None = None
    compensation_claimed: bool | None = None
    compensation_obtained: bool | None = None
    court_decision: CourtDecision | Literal[""] | None = None
    legal_status: str | None = Field(None, max_length=200)
    support_before_trial: bool | None = None
    support_during_trial: bool | None = None
    support_after_trial: bool | None = None
    comments: str | None = None


class ProceedingOut(Schema):
    id: int
    country_code: str
    kind: str
    initiated: bool | None
    reference: str
    statement_taken: bool | None
    testified: bool | None
    compensation_claimed: bool | None
    compensation_obtained: bool | None
    court_decision: str
    legal_status: str
    support_before_trial: bool
    support_during_trial: bool
    support_after_trial: bool
    comments: str
    version: int


# --- The no-contact list -------------------------------------------------------------------------


class NoContactIn(_Input):
    name: PersonName = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=300, description="Who this is")


class NoContactRemoveIn(_Input):
    reason: str = Field(min_length=1)


class NoContactOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "added_at": "created_at",
        "removed_at": "deleted_at",
    }
    id: int
    name: str
    description: str
    added_at: datetime
    removed_at: datetime | None


# --- Interviews and hearings ---------------------------------------------------------------------


FieldGroupCode = Literal[
    "identity", "contact", "health", "proceedings", "child_protection", "travel", "assistance"
]


class HearingIn(_Input):
    kind: HearingKind
    scheduled_at: datetime
    place: str = Field(min_length=1, max_length=200)
    participants: str = Field("", description="Other people attending, with their roles")
    participants_group: FieldGroupCode = Field(
        "proceedings",
        description="Who may read `participants`: those who see this field group of the case "
        "(one you see; default proceedings)",
    )
    involved_no_contact_ids: list[int] = Field(
        [], description="Ids of people on the case's no-contact list who take part"
    )
    separation_arrangements: str = Field(
        "", description="Required when someone on the no-contact list takes part (422 without)"
    )
    video_recorded: bool = Field(
        False, description="Needs the person's consent to a video-recorded interview"
    )
    proceeding_id: int | None = None
    guardian_present: str = Field(
        "",
        max_length=200,
        description="The guardian or parent present: required for a police or prosecutor "
        "interview of a child (SOP-P11; refused with 400 `blocked` without)",
    )


class HearingCancelIn(_Input):
    version: int = Field(description="The version you read: a stale one gets 409.")


class HearingOut(Schema):
    id: int
    kind: str
    scheduled_at: datetime
    place: str
    participants: str = Field(description="Empty when you may not read its field group")
    participants_group: str
    involved_no_contact_ids: list[int]
    separation_arrangements: str
    video_recorded: bool
    proceeding_id: int | None
    guardian_present: str
    cancelled_at: datetime | None
    version: int

    @staticmethod
    def resolve_involved_no_contact_ids(hearing: Hearing) -> list[int]:
        return sorted(entry.pk for entry in hearing.involved_no_contact.all())
