"""Shapes of the assessments, health and plans API. Codes are checked by the services, which
answer 422 with a message on the field."""

from datetime import date, datetime

from ninja import Field

from opentrm.cases.models import (
    AccommodationType,
    AssessmentKind,
    AssessmentPartner,
    AssistancePlan,
    HarmSource,
    Need,
    RiskLevel,
    ServiceType,
)
from opentrm.cases.services.plans import plan_is_paused
from opentrm.core.schemas import Schema, each_one_of, one_of


class AssessmentIn(Schema):
    kind: AssessmentKind
    assessed_on: date
    # Codes typed as text (the service refuses any other with a 422 naming the field); the
    # document lists them (issue 9: it declares what the server enforces).
    risk_level: str = Field(
        default="",
        description="early_risk, retrafficking: RiskLevel code",
        json_schema_extra=one_of(["", *RiskLevel.values]),
    )
    needs: list[str] = Field(
        default=[],
        description="needs: Need codes",
        json_schema_extra=each_one_of(Need.values),
    )
    accommodation_type: str = Field(
        default="",
        description="needs: AccommodationType code",
        json_schema_extra=one_of(["", *AccommodationType.values]),
    )
    harm_sources: list[str] = Field(
        default=[],
        description="safety: HarmSource codes",
        json_schema_extra=each_one_of(HarmSource.values),
    )
    harm_source_other: str = Field(default="", description="safety: when harm_sources has other")
    unsafe_locations: str = Field(default="", description="safety")
    partners: list[str] = Field(
        default=[],
        description="early_risk, retrafficking: AssessmentPartner codes",
        json_schema_extra=each_one_of(AssessmentPartner.values),
    )
    summary: str = ""


class AssessmentOut(Schema):
    id: int
    kind: str
    assessed_on: date
    organisation_id: int
    risk_level: str
    needs: list[str]
    accommodation_type: str
    harm_sources: list[str]
    harm_source_other: str
    unsafe_locations: str
    partners: list[str]
    summary: str
    version: int


class HealthIn(Schema):
    version: int = Field(ge=0, description="The version you read; 0 when there was no record.")
    medical_history: str = ""
    chronic_diseases: str = ""
    addiction: str = ""
    medication: str = ""
    comments: str = ""


class HealthOut(Schema):
    version: int = Field(description="0: nothing recorded yet.")
    medical_history: str
    chronic_diseases: str
    addiction: str
    medication: str
    comments: str


class ActivityIn(Schema):
    description: str = Field(min_length=1, max_length=300)
    service_type: str = Field(
        default="",
        description="A ServiceType code, or empty",
        json_schema_extra=one_of(["", *ServiceType.values]),
    )
    provider_id: int | None = Field(default=None, description="An organisation of the directory")
    starts_on: date | None = None
    ends_on: date | None = None


class ActivityOut(Schema):
    description: str
    service_type: str
    provider_id: int | None
    starts_on: date | None
    ends_on: date | None


class PlanIn(Schema):
    goals: str = Field(min_length=1)
    review_on: date | None = None
    activities: list[ActivityIn] = []


class PlanOut(Schema):
    id: int
    revision: int
    status: str
    paused: bool = Field(description="Active, but no consent to implement it is in force.")
    goals: str
    organisation_id: int
    acknowledged_on: date | None
    acknowledged_how: str
    activated_at: datetime | None
    review_on: date | None
    version: int
    activities: list[ActivityOut]

    @staticmethod
    def resolve_paused(plan: AssistancePlan) -> bool:
        return plan_is_paused(plan)


class AcknowledgeIn(Schema):
    version: int
    acknowledged_on: date
    how: str = Field(min_length=1, max_length=200)


class VersionIn(Schema):
    version: int


class RiskPlanIn(Schema):
    version: int = Field(ge=0, description="The version you read; 0 when there was no plan.")
    risks: str
    measures: str
    review_every_days: int = 30
    next_review_on: date


class RiskReviewOut(Schema):
    id: int
    reviewed_on: date
    with_person: bool
    notes: str


class RiskPlanOut(Schema):
    risks: str
    measures: str
    review_every_days: int
    next_review_on: date
    organisation_id: int
    version: int
    reviews: list[RiskReviewOut]


class RiskPlanPageOut(Schema):
    plan: RiskPlanOut | None = Field(description="null: no risk management plan yet.")


class RiskReviewIn(Schema):
    version: int
    reviewed_on: date
    with_person: bool = True
    notes: str = ""
