"""Shapes of the cases API for documents, notes, the timeline and the organisations on a case.

Documents are described by their metadata only; the file is fetched from ``download_url``, an
access-checked and audited route. Notes carry their text: they are listed only to the
organisations that may read them.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from django.urls import reverse
from ninja import Field

from opentrm.cases.models import CaseDocument, CaseParticipant, NoteVisibility
from opentrm.core.schemas import Schema

if TYPE_CHECKING:
    pass


class DocumentOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "id": "public_id",
    }
    id: uuid.UUID
    kind: str
    field_group: str
    title: str
    content_type: str
    size: int
    sha256: str
    organisation_id: int
    created_at: datetime
    download_url: str

    @staticmethod
    def resolve_title(document: CaseDocument) -> str:
        return document.shown_title  # a title the system gave, in the reader's language

    @staticmethod
    def resolve_download_url(document: CaseDocument) -> str:
        return reverse(
            "api-1:cases_document_download", args=[document.case.public_id, document.public_id]
        )


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=10_000)
    visibility: NoteVisibility = NoteVisibility.CASE
    field_group: Literal[
        "",
        "identity",
        "contact",
        "health",
        "proceedings",
        "child_protection",
        "travel",
        "assistance",
    ] = Field(
        "",
        description="The field group the note is about: only those who may view that group of "
        "the case read it. Empty: the whole case, read only by those who may view every group.",
    )


class NoteOut(Schema):
    id: int
    text: str
    visibility: str
    field_group: str
    organisation_id: int
    author_id: int
    created_at: datetime


class TimelineEntryOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "date_only": "is_date_only",
    }
    at: datetime
    date_only: bool = Field(description="The record holds a date, not a moment.")
    kind: str = Field(description="A stable code, e.g. consent.withdrawn.")
    label: str
    organisation_id: int | None
    organisation: str


class ParticipantIn(Schema):
    organisation_id: int


class CaseManagerIn(Schema):
    case_manager_id: int | None = Field(description="A user of your organisation, or null.")


class ConsentTakerIn(Schema):
    takes_consent: bool = Field(
        description="true: the organisation may record and withdraw the person's consent "
        "decisions on the case; false: only the owner does (the decisions it recorded stop "
        "counting)."
    )


class ParticipantOut(Schema):
    read_from: ClassVar[Mapping[str, str]] = {
        "organisation": "organisation.name",
        "country": "organisation.country.code",
    }
    id: int
    organisation_id: int
    organisation: str
    country: str
    is_owner: bool
    case_manager_id: int | None
    case_manager: str = Field(description="The case manager's name, empty when none is named.")
    takes_consent: bool = Field(
        default=False,
        description="Records the person's consent decisions: the owner, or named by it.",
    )

    @staticmethod
    def resolve_is_owner(participant: CaseParticipant) -> bool:
        return participant.organisation_id == participant.case.owner_organisation_id

    @staticmethod
    def resolve_case_manager(participant: CaseParticipant) -> str:
        manager = participant.case_manager
        return (manager.get_full_name() or manager.get_username()) if manager else ""

    @staticmethod
    def resolve_takes_consent(participant: CaseParticipant) -> bool:
        return ParticipantOut.resolve_is_owner(participant) or participant.takes_consent
