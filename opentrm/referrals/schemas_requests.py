"""Shapes of the referrals API: transnational requests, forwarding, settings, exports.

``RequestOut.data`` lists the person's fields the caller's organisation may see: for the
receiver only once it acknowledged, and only those the consent + agreement gate allows today;
a field it may not see is absent (``withheld_groups`` names the groups, for the sender).
"""

import uuid
from datetime import date, datetime

from ninja import Field

from opentrm.core.schemas import Schema, one_of
from opentrm.directory.reference import all_country_codes
from opentrm.referrals.models import (
    DispatchChannel,
    Formality,
    ReferralKind,
    RequestChannel,
    Urgency,
)


class RequestIn(Schema):
    # Codes typed as text (the service refuses others with a 422 naming the field), listed.
    kind: str = Field(
        description="identity_verification, family_check, safety_check, ...",
        json_schema_extra=one_of([kind.value for kind in ReferralKind.requests()]),
    )
    receiver_country: str = Field(
        description="ISO 3166-1 alpha-2 code of the country asked, in upper or lower case",
        json_schema_extra=one_of([*all_country_codes(), *map(str.lower, all_country_codes())]),
    )
    case_public_id: uuid.UUID | None = Field(
        None, description="The case; none for a thematic request (socio-economic, safety)"
    )
    intended_organisation_id: int | None = None
    urgency: str = Field("routine", json_schema_extra=one_of(Urgency.values))
    reason: str = Field(max_length=4000)
    document_type: str = ""
    formality: str = Field(
        "",
        description="informal, formal, mla or rogatory; empty: the kind's default "
        "(GET /referrals/request-kinds lists what each kind takes)",
        json_schema_extra=one_of(["", *Formality.values]),
    )
    legal_basis: str = Field("", max_length=300, description="Empty: the kind's usual basis")
    channel: str = Field(RequestChannel.NODE, json_schema_extra=one_of(RequestChannel.values))


class EscalateIn(Schema):
    formality: str = Field(
        json_schema_extra=one_of([Formality.FORMAL, Formality.MLA, Formality.ROGATORY])
    )
    reason: str = Field(max_length=4000)
    legal_basis: str = Field("", max_length=300, description="Empty: the kind's usual basis")
    channel: str = Field(
        RequestChannel.CENTRAL_AUTHORITY, json_schema_extra=one_of(RequestChannel.values)
    )


class RequestKindOut(Schema):
    code: str
    label: str
    category: str
    note: str
    legal_basis: str
    formalities: list[str] = Field(description="The first is the one a new request starts with")
    escalates_to: list[str] = Field(description="What an informal request may be escalated into")
    competent_body_types: list[str] = Field(description="Directory organisation types")
    acknowledge_within: int
    acknowledge_unit: str
    answer_within: int
    answer_unit: str
    thematic: bool = Field(description="May be sent without a case (and without personal data)")
    person_fields: list[str]


class VersionIn(Schema):
    version: int


class SendIn(VersionIn):
    accept_partial: bool = False


class AnswerIn(VersionIn):
    answer: str = Field(max_length=4000)


class ReasonIn(VersionIn):
    reason: str = Field(max_length=4000)


class ForwardIn(VersionIn):
    to_organisation_id: int
    note: str = Field("", max_length=4000)


class FieldValueOut(Schema):
    code: str
    label: str
    group: str
    value: str


class RequestOut(Schema):
    public_id: uuid.UUID
    reference: str
    kind: str
    status: str
    routing: str
    delivery: str
    sender_organisation_id: int
    receiver_organisation_id: int
    receiver_country: str
    intended_organisation_id: int | None
    forwarded_from: str | None = Field(description="Reference of the referral forwarded")
    urgency: str
    formality: str
    legal_basis: str
    channel: str
    escalated_from: str | None = Field(description="Reference of the informal request followed up")
    escalations: list[str] = Field(description="References of the formal requests following it up")
    document_type: str
    reason: str
    answer: str
    sent_at: datetime | None
    acknowledge_due_at: datetime | None
    answer_due_at: datetime | None
    overdue: bool
    shared_groups: list[str]
    withheld_groups: list[str]
    data: list[FieldValueOut]
    version: int


class TimeLimitIn(Schema):
    acknowledge_within: int
    acknowledge_unit: str = Field(description="hours or working_days")
    answer_within: int
    answer_unit: str


class TimeLimitOut(TimeLimitIn):
    kind: str
    is_default: bool


class CalendarIn(Schema):
    version: int = Field(description="0 when the country has no calendar yet")
    weekend_days: list[int] = Field(description="ISO weekdays, 1 = Monday")
    holidays: list[date]
    allow_direct_routes: bool


class CalendarOut(CalendarIn):
    country: str


class ExportOut(Schema):
    at: datetime
    by: str
    pdf_sha256: str
    json_sha256: str


class DispatchIn(VersionIn):
    channel: str = Field(json_schema_extra=one_of(DispatchChannel.values))
    sent_on: date
    note: str = Field("", max_length=300)


class DispatchOut(Schema):
    id: int
    channel: str
    sent_on: date
    note: str
    pdf_sha256: str
    json_sha256: str


class ExportsOut(Schema):
    exportable: bool
    delivery: str
    exports: list[ExportOut]
    dispatches: list[DispatchOut]
