"""Shapes of the cases API for measures, identification, the reflection period, tasks and the
child safeguards (issue 14 part C). Free text a reader may not see comes back as null."""

from datetime import date, datetime
from typing import ClassVar

from ninja import Field

from opentrm.cases.models import (
    AgeAssessmentResult,
    DurableSolution,
    IdentificationOutcome,
    MeasureStatus,
)
from opentrm.core.schemas import PatchSchema, Schema


class MeasureOut(Schema):
    code: str
    sop: str
    name: str
    status: str
    responsible_organisation_id: int | None
    responsible_person_id: int | None
    due_on: date | None
    started_on: date | None
    completed_on: date | None
    overdue: bool
    notes: str | None = Field(
        description="Null for a reader who may not see the measure's field group (assistance, "
        "or proceedings for the proceedings procedure)."
    )
    version: int


class MeasureIn(Schema):
    code: str = Field(max_length=80)
    responsible_organisation_id: int | None = None
    responsible_person_id: int | None = None
    due_on: date | None = None
    notes: str = Field(default="", max_length=4000)


class MeasurePatch(PatchSchema):
    nullable: ClassVar[frozenset[str]] = frozenset(
        {
            "responsible_organisation_id",
            "responsible_person_id",
            "due_on",
            "started_on",
            "completed_on",
        }
    )
    version: int
    status: MeasureStatus
    responsible_organisation_id: int | None = None
    responsible_person_id: int | None = None
    due_on: date | None = None
    started_on: date | None = None
    completed_on: date | None = None
    notes: str | None = Field(default=None, max_length=4000)


class IdentificationOut(Schema):
    id: int
    outcome: str
    is_formal: bool
    decided_on: date
    country_code: str
    decided_by_role: str
    organisation_id: int
    legal_basis: str | None = Field(description="Null without the proceedings field group.")
    indicators_used: str | None = Field(description="Null without the proceedings field group.")


class IdentificationIn(Schema):
    outcome: IdentificationOutcome
    is_formal: bool = False
    decided_on: date
    country_code: str = Field(default="", max_length=2)
    legal_basis: str = Field(default="", max_length=300)
    indicators_used: str = Field(default="", max_length=4000)


class ReflectionOut(Schema):
    id: int
    starts_on: date
    ends_on: date
    organisation_id: int
    running: bool


class ReflectionIn(Schema):
    starts_on: date | None = None
    ends_on: date | None = None


class TaskOut(Schema):
    id: int
    title: str
    due_on: date
    done_at: datetime | None
    source: str
    organisation_id: int
    assignee_id: int | None
    overdue: bool
    version: int


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_on: date
    assignee_id: int | None = None


class VersionIn(Schema):
    version: int


class ChildSafeguardsOut(Schema):
    is_child: bool
    version: int = Field(description="0 while nothing is recorded yet.")
    guardian_id: int | None = None
    guardian_name: str = ""
    guardian_appointed_on: date | None = None
    liaison_officer_id: int | None = None
    best_interests_determined_on: date | None = None
    best_interests_summary: str = ""
    family_tracing_in_best_interests: bool | None = None
    asylum_indicated_on: date | None = None
    welfare_clearance_on: date | None = None
    welfare_clearance_by_id: int | None = None
    age_assessed_on: date | None = None
    age_assessment_result: str = ""
    age_assessment_participants: str = ""
    best_interests_participants: str = ""
    separated: bool | None = Field(default=None, description="None: not known yet (CH-03).")
    unaccompanied: bool | None = Field(default=None, description="None: not known yet (CH-04).")
    street_child: bool | None = Field(default=None, description="None: not known yet (CH-53).")
    durable_solution: str = Field(
        default="", description="One of DurableSolution; only after the BID (CH-35, CH-D1)."
    )
    durable_solution_decided_on: date | None = None
    warnings: list[str] = []


class ChildSafeguardsPatch(PatchSchema):
    nullable: ClassVar[frozenset[str]] = frozenset(
        {
            "guardian_id",
            "guardian_appointed_on",
            "liaison_officer_id",
            "best_interests_determined_on",
            "family_tracing_in_best_interests",
            "asylum_indicated_on",
            "welfare_clearance_on",
            "welfare_clearance_by_id",
            "age_assessed_on",
            "age_assessment_result",
            "separated",
            "unaccompanied",
            "street_child",
            "durable_solution",
            "durable_solution_decided_on",
        }
    )
    version: int = Field(description="The version read; 0 when nothing was recorded yet.")
    guardian_id: int | None = None
    guardian_name: str | None = Field(default=None, max_length=200)
    guardian_appointed_on: date | None = None
    liaison_officer_id: int | None = None
    best_interests_determined_on: date | None = None
    best_interests_summary: str | None = Field(default=None, max_length=4000)
    family_tracing_in_best_interests: bool | None = None
    asylum_indicated_on: date | None = None
    welfare_clearance_on: date | None = None
    welfare_clearance_by_id: int | None = None
    age_assessed_on: date | None = None
    age_assessment_result: AgeAssessmentResult | None = None
    age_assessment_participants: str | None = Field(default=None, max_length=4000)
    best_interests_participants: str | None = Field(default=None, max_length=4000)
    separated: bool | None = None
    unaccompanied: bool | None = None
    street_child: bool | None = None
    durable_solution: DurableSolution | None = None
    durable_solution_decided_on: date | None = None
