"""Shapes of the directory API: what comes in (validated, field by field) and what goes out.

Input rules are the directory's own (``validation.py``), so the API refuses exactly what the
forms and the importer refuse, and names the field that is wrong.
"""

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from opentrm.core.schemas import PersonName, Schema
from opentrm.directory import reference
from opentrm.directory.models import (
    AccreditationStatus,
    ChannelKind,
    ClearanceLevel,
    ContactChannel,
    ContactPoint,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.selectors import ContactListRow, review_cutoff
from opentrm.directory.services import ChannelData
from opentrm.directory.validation import (
    validate_channel_value,
    validate_country_code,
    validate_language_code,
)


def _as_pydantic_error(error: DjangoValidationError) -> PydanticCustomError:
    # Without a context pydantic leaves the message as it is (braces included).
    return PydanticCustomError("invalid", " ".join(error.messages))


def _rule(check: Callable[[str], str]) -> Callable[[str], str]:
    def apply(value: str) -> str:
        try:
            return check(value)
        except DjangoValidationError as error:
            raise _as_pydantic_error(error) from error

    return apply


# The OpenAPI document lists the codes the server accepts (issue 9: "the document declares the
# limits the server enforces"); the server also takes them in lower / upper case.
CountryCode = Annotated[
    str,
    AfterValidator(_rule(validate_country_code)),
    WithJsonSchema({"type": "string", "enum": reference.all_country_codes()}),
]
# The server folds a language code's case, so both cases are listed ("AAA" is "aaa"); the
# fuzzing found the capitals missing.
LanguageCode = Annotated[
    str,
    AfterValidator(_rule(validate_language_code)),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [
                *reference.all_language_codes(),
                *(code.upper() for code in reference.all_language_codes()),
            ],
            "description": "An ISO 639-1 or 639-3 code, in lower or upper case",
        }
    ),
]


def _needs_review(last_verified_at: date | None) -> bool:
    return last_verified_at is None or last_verified_at < review_cutoff()


# --- output ------------------------------------------------------------------------------------


class CountryOut(Schema):
    code: str
    name: str
    display_note: str
    is_trm_participant: bool
    organisation_count: int = Field(description="Organisations in this country visible to you")


class LanguageOut(Schema):
    code: str
    name: str


class ChannelOut(Schema):
    kind: ChannelKind
    kind_label: str
    value: str
    label: str
    hours: str
    available_24_7: bool

    @staticmethod
    def resolve_kind_label(obj: ContactChannel) -> str:
        return str(obj.get_kind_display())


class ContactPointOut(Schema):
    id: int
    organisation_id: int
    position: str
    person_name: str
    unit: str
    is_active: bool
    notes: str
    channels: list[ChannelOut]
    languages: list[LanguageOut]
    last_verified_at: date | None
    needs_review: bool
    version: int = Field(description="Send it back with a change (optimistic locking)")

    @staticmethod
    def resolve_channels(obj: ContactPoint) -> list[ContactChannel]:
        return list(obj.channels.all())

    @staticmethod
    def resolve_languages(obj: ContactPoint) -> list[dict[str, str]]:
        return [{"code": lang.code, "name": lang.name} for lang in obj.languages.all()]

    @staticmethod
    def resolve_needs_review(obj: ContactPoint) -> bool:
        return _needs_review(obj.last_verified_at)


class OrganisationRef(Schema):
    id: int
    name: str
    acronym: str


class OrganisationOut(Schema):
    id: int
    country: str = Field(description="ISO 3166-1 alpha-2 code")
    name: str
    acronym: str
    type: OrganisationType
    type_label: str
    parent: OrganisationRef | None
    city: str
    region: str
    is_active: bool
    last_verified_at: date | None
    needs_review: bool
    version: int = Field(description="Send it back with a change (optimistic locking)")
    uuid: UUID = Field(description="Stable id; with origin_node, the same entry on every node")
    origin_node: str = Field(
        description="Empty for this node's own entries; otherwise the node that publishes this "
        "read-only copy (the authority for its country's directory)"
    )
    synced_at: datetime | None = Field(
        description="When this node last applied the publishing node's copy (null for own entries)"
    )
    source_as_of: datetime | None = Field(
        description="The publishing node's time of the copy applied (its freshness)"
    )

    @staticmethod
    def resolve_country(obj: Organisation) -> str:
        return obj.country.code

    @staticmethod
    def resolve_type_label(obj: Organisation) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_needs_review(obj: Organisation) -> bool:
        return _needs_review(obj.last_verified_at)


class ResponsibilityOut(Schema):
    id: int
    function: Function
    function_label: str
    label: str
    note: str
    contact_point_id: int | None

    @staticmethod
    def resolve_function_label(obj: Responsibility) -> str:
        return str(obj.get_function_display())


class OrganisationDetailOut(OrganisationOut):
    address: str
    website: str
    accreditation_status: AccreditationStatus
    clearance_level: ClearanceLevel
    clearance_issuer: str
    clearance_expires_on: date | None
    notes: str
    contact_points: list[ContactPointOut]
    responsibilities: list[ResponsibilityOut]

    @staticmethod
    def resolve_notes(obj: Organisation) -> str:
        return obj.shown_notes  # a system's note in the reader's language

    # The route attaches these lists, read from visible_to(actor) with their prefetches.
    @staticmethod
    def resolve_contact_points(obj: Organisation) -> list[ContactPoint]:
        return list(getattr(obj, "api_contact_points", []))

    @staticmethod
    def resolve_responsibilities(obj: Organisation) -> list[Responsibility]:
        return list(getattr(obj, "api_responsibilities", []))


class ContactListEntryOut(Schema):
    id: int = Field(description="The responsibility's id")
    organisation: OrganisationRef
    organisation_city: str
    note: str
    contact_points: list[ContactPointOut] = Field(
        description="The named contact point, or else the body's active contact points"
    )

    @staticmethod
    def resolve_organisation_city(obj: Responsibility) -> str:
        return obj.organisation.city

    @staticmethod
    def resolve_contact_points(obj: Responsibility) -> list[ContactPoint]:
        if obj.contact_point is not None:
            return [obj.contact_point]
        return list(getattr(obj.organisation, "active_contact_points", []))


class ContactListRowOut(Schema):
    function: Function
    function_label: str
    label: str = Field(description="The country's own name for the row, or the function's")
    entries: list[ContactListEntryOut]

    @staticmethod
    def resolve_function_label(obj: ContactListRow) -> str:
        return str(obj.function.label)

    @staticmethod
    def resolve_entries(obj: ContactListRow) -> list[Responsibility]:
        return obj.responsibilities


# --- input -------------------------------------------------------------------------------------


class OrganisationFilters(Schema):
    # Bounded: SQLite refuses a LIKE pattern over 50,000 bytes (a 1 MiB search was a 500).
    q: str = Field("", max_length=200, description="Text in the name, acronym, city or region")
    country: CountryCode | None = None
    type: OrganisationType | None = None
    city: str = Field("", max_length=200)
    language: LanguageCode | None = Field(None, description="A language the contacts speak")
    function: Function | None = Field(None, description="A procedure or function it answers for")


class _Input(Schema):
    def values(self, *, exclude: set[str], sent_only: bool = False) -> dict[str, Any]:
        """The fields as model values (enumerations as their stored codes)."""
        return {
            name: value.value if isinstance(value, Enum) else value
            for name, value in self.model_dump(exclude=exclude, exclude_unset=sent_only).items()
        }


class OrganisationFields(_Input):
    """What organisation_create and organisation_update accept (``country`` only on create)."""

    name: str = ""
    acronym: str = ""
    type: OrganisationType = OrganisationType.OTHER
    parent: int | None = Field(None, description="Id of the parent body, in the same country")
    city: str = ""
    region: str = ""
    address: str = ""
    website: str = ""
    accreditation_status: AccreditationStatus = AccreditationStatus.NOT_REQUIRED
    clearance_level: ClearanceLevel = ClearanceLevel.NONE
    clearance_issuer: str = ""
    clearance_expires_on: date | None = None
    is_active: bool = True
    notes: str = ""


class OrganisationIn(OrganisationFields):
    country: CountryCode
    name: str
    type: OrganisationType


class OrganisationPatch(OrganisationFields):
    """Only the fields sent are changed."""

    version: int = Field(description="The version you read; a newer one means 409 conflict")


class ChannelIn(_Input):
    kind: ChannelKind
    value: str
    label: str = Field("", max_length=80)
    hours: str = Field("", max_length=120)
    available_24_7: bool = False

    @field_validator("value")
    @classmethod
    def value_fits_kind(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        if kind is None:  # the kind is wrong already, and reported
            return value
        try:
            return validate_channel_value(kind, value)
        except DjangoValidationError as error:
            raise _as_pydantic_error(error) from error

    def as_data(self) -> ChannelData:
        return ChannelData(
            kind=self.kind.value,
            value=self.value,
            label=self.label,
            hours=self.hours,
            available_24_7=self.available_24_7,
        )


class ContactPointFields(_Input):
    position: str = ""
    person_name: PersonName = ""
    unit: str = ""
    is_active: bool = True
    notes: str = ""


class ContactPointIn(ContactPointFields):
    position: str
    channels: list[ChannelIn] = []
    languages: list[LanguageCode] = Field([], description="ISO 639 codes, e.g. `sq`, `rom`")


class ContactPointPatch(ContactPointFields):
    """Only the fields sent are changed; ``channels`` and ``languages``, if sent, replace all."""

    version: int = Field(description="The version you read; a newer one means 409 conflict")
    channels: list[ChannelIn] | None = None
    languages: list[LanguageCode] | None = None
