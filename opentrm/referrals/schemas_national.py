"""Shapes of the referrals API (national part, and what every referral shares).

``ReferralOut.offer`` is the minimal offer: a receiver sees nothing more of the person until it
accepts; ``case_public_id`` is null unless the caller's organisation takes part in the case.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from ninja import Field

from opentrm.accounts.policy import FieldGroup
from opentrm.cases.models import Need, ServiceType
from opentrm.core.schemas import Schema
from opentrm.referrals.models import Urgency
from opentrm.referrals.services.national import REASON_MAX


class MinimalOfferOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "measure_code": "measure",
        "service_type": "service",
    }
    reference: str
    kind: str
    age_band: str
    sex: str
    needs: list[str]
    languages: list[str]
    urgency: str
    measure_code: str
    service_type: str
    reason: str

    # Read from a ``national.MinimalOffer``.


class ReferralStepOut(Schema):
    status: str
    at: datetime
    organisation_id: int | None


class ReferralOut(Schema):
    public_id: uuid.UUID
    reference: str
    kind: str
    status: str
    sender_organisation_id: int
    receiver_organisation_id: int
    receiver_country: str
    routing: str
    urgency: str
    sent_at: datetime | None
    acknowledge_due_at: datetime | None
    answer_due_at: datetime | None
    acknowledged_at: datetime | None
    answered_at: datetime | None
    overdue: bool
    version: int
    offer: MinimalOfferOut
    shared_groups: list[str] = Field(
        description="What the gate allowed when it was sent, or since the sender changed it."
    )
    case_public_id: uuid.UUID | None = Field(
        description="Null unless the caller's organisation takes part in the case."
    )
    decline_reason: str
    withdrawal_reason: str
    steps: list[ReferralStepOut] = []


class ReferralPageOut(Schema):
    count: int
    page: int
    counts: dict[str, int] = Field(description="Referrals of the box per status.")
    items: list[ReferralOut]


class NationalReferralIn(Schema):
    case_public_id: uuid.UUID
    receiver_organisation_id: int
    reason: str = Field(
        min_length=1,
        max_length=REASON_MAX,
        description="Read by the receiver before it accepts: nothing that identifies the person.",
    )
    urgency: Urgency = Urgency.ROUTINE
    measure_code: str = ""
    service_type: ServiceType | None = None
    needs: list[Need] = []


class PreviewOut(Schema):
    receiver_organisation_id: int
    offer: MinimalOfferOut
    shared_groups: list[str]
    missing: list[str]
    agreement_id: int | None


class ReferralStepIn(Schema):
    version: int


class ReferralReasonIn(Schema):
    version: int
    reason: str = Field(min_length=1, max_length=REASON_MAX)


class ReferralSharingIn(Schema):
    version: int
    groups: list[FieldGroup] = Field(
        description="The data categories the receiver is shared from now on (more or fewer)."
    )
