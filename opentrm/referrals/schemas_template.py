"""API shapes of the transnational template."""

import uuid
from datetime import date
from typing import Any

from opentrm.core.schemas import Schema


class TransnationalIn(Schema):
    case: uuid.UUID
    country: str
    urgency: str = "routine"
    reason: str = ""


class SectionOut(Schema):
    code: str
    heading: str
    filled: int
    total: int
    withheld: bool
    missing_fields: list[str]


class FieldDefOut(Schema):
    code: str
    label: str
    type: str
    section: str
    group: str | None
    owner: str


class TemplateOut(Schema):
    referral: uuid.UUID
    reference: str
    status: str
    version: int  # the referral's (send and steps)
    template_row_version: int  # the template's (edits)
    template_version: int
    profile_country: str
    profile_version: int
    side: str
    sender_language: str
    receiver_language: str
    values: dict[str, Any]
    withheld: list[str]
    editable: list[str]
    unknown_fields: list[FieldDefOut]
    sections: list[SectionOut]


class TemplateIn(Schema):
    version: int
    values: dict[str, Any]
    lang: str | None = None


class VersionIn(Schema):
    version: int


class StepIn(Schema):
    version: int
    reason: str = ""


class FollowUpIn(Schema):
    reported_on: date
    values: dict[str, Any] = {}
    summary: str = ""
    lang: str | None = None


class FollowUpOut(Schema):
    id: int
    reported_on: date
    fields: list[str]


class ProfileOut(Schema):
    country: str
    version: int
    added_fields: list[FieldDefOut]
    disabled_fields: list[str]


class ProfileIn(Schema):
    version: int
    op: str  # add, disable, enable, remove
    code: str = ""
    name: str = ""
    label: str = ""
    type: str = ""
    section: str = ""
    group: str | None = None
