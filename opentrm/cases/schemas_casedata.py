"""Shapes of the case's own data in the API: countries, exploitation and references; the
assistance and witness status; closure; the information given to the person."""

from datetime import date, datetime
from typing import Literal

from ninja import Field

from opentrm.cases.models import (
    ClosureReason,
    ExploitationType,
    InformationFormat,
    InformationTopic,
)
from opentrm.core.schemas import Schema
from opentrm.directory.schemas import CountryCode, LanguageCode

EditableRole = Literal[
    "origin", "recruitment", "transit", "exploitation", "previous_exploitation", "third_country"
]
StatusWord = Literal["assistance", "witness"]


class ExploitationIn(Schema):
    types: list[ExploitationType] = Field(
        default=[], description="HTCDS 2.0 vic_TypeOfExploitation value names"
    )
    other: str = Field(default="", max_length=200)
    began_on: date | None = None
    ended_on: date | None = None
    previously_trafficked: bool | None = None


class ExploitationRowOut(Schema):
    type: str
    other: str


class ExploitationOut(Schema):
    types: list[ExploitationRowOut]
    began_on: date | None
    ended_on: date | None
    previously_trafficked: bool | None


class ReferencesIn(Schema):
    law_enforcement_reference: str = Field(default="", max_length=100)
    court_reference: str = Field(default="", max_length=100)


class ReferencesOut(Schema):
    law_enforcement_reference: str
    court_reference: str


class CaseDataIn(Schema):
    version: int
    countries: dict[EditableRole, list[CountryCode]] | None = Field(
        default=None, description="By role; a role left out keeps its countries (travel group)"
    )
    exploitation: ExploitationIn | None = Field(default=None, description="assistance group")
    references: ReferencesIn | None = Field(default=None, description="proceedings group")


class CaseDataOut(Schema):
    version: int
    countries: dict[str, list[str]] | None = Field(description="Null without the travel group")
    exploitation: ExploitationOut | None = Field(description="Null without the assistance group")
    references: ReferencesOut | None = Field(description="Null without the proceedings group")


class StatusChangeOut(Schema):
    old_value: str
    new_value: str
    changed_at: datetime
    source: str = Field(description="derived, manual, or empty")
    because: str
    reason: str


class StatusOut(Schema):
    status: StatusWord
    value: str
    overridden: bool
    history: list[StatusChangeOut] | None = Field(
        description="Null without the status's field group (assistance / proceedings)"
    )


class StatusOverrideIn(Schema):
    value: str
    reason: str = Field(max_length=2000)


class CloseIn(Schema):
    reason: ClosureReason
    details: str = Field(default="", max_length=2000)


class ReopenIn(Schema):
    reason: str = Field(max_length=2000)


class ClosureOut(Schema):
    id: int
    closed_at: datetime
    reason: str
    details: str | None = Field(description="Null without the assistance group")
    reopened_at: datetime | None
    reopen_reason: str | None = Field(description="Null without the assistance group")


class CaseClosureStateOut(Schema):
    case_status: str
    closures: list[ClosureOut]


class InformationIn(Schema):
    given_on: date
    language: LanguageCode
    format: InformationFormat
    topics: list[InformationTopic] = Field(min_length=1)


class InformationOut(Schema):
    id: int
    given_on: date
    language: str
    format: str
    topics: list[str]
    given_by_id: int
    given_for_id: int
