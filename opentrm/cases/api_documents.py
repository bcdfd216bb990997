"""Cases API: documents, notes, the timeline and the organisations on a case (issue 3 §13).

The same services and checks as the case screens: the case must be visible to the caller's
organisation (404 otherwise), documents need their field group, writes their action.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case, access_document, access_participant, require_widening
from opentrm.cases.schemas_documents import (
    CaseManagerIn,
    ConsentTakerIn,
    DocumentOut,
    NoteIn,
    NoteOut,
    ParticipantIn,
    ParticipantOut,
    TimelineEntryOut,
)
from opentrm.cases.services import documents as document_services
from opentrm.cases.services import notes as note_services
from opentrm.cases.services import participants as participant_services
from opentrm.cases.timeline import LIMIT as TIMELINE_LIMIT
from opentrm.cases.views_documents import document_response
from opentrm.core.api import api_field_names
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
LIST_LIMIT = 500


# --- Documents ---------------------------------------------------------------------------------


@router.get(
    "/{public_id}/documents",
    response={200: list[DocumentOut], **_ERRORS},
    url_name="cases_documents",
    summary="The case's documents in the field groups the caller may see (metadata only)",
)
def document_list(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    documents = list(
        document_services.visible_documents(actor, case).select_related("case")[:LIST_LIMIT]
    )
    selectors.case_read(actor=actor, case=case, via="api", view="documents", count=len(documents))
    return documents


@router.post(
    "/{public_id}/documents",
    auth=member_auth(Action.DOCUMENT_ADD),
    response={201: DocumentOut, **_ERRORS},
    url_name="cases_document_upload",
    summary="Attach a file (multipart: file, title, kind, optional field_group)",
)
def document_upload(
    request: HttpRequest,
    public_id: PublicId,
    title: Form[str] = "",
    kind: Form[str] = "",
    field_group: Form[str] = "",
    file: File[UploadedFile | None] = None,
) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    if not can(actor, Action.DOCUMENT_ADD, case):
        raise PermissionDenied
    document = document_services.document_upload(
        actor=actor, case=case, upload=file, title=title, kind=kind, field_group=field_group
    )
    return Status(201, document)


@router.get(
    "/{public_id}/documents/{document_id}/file",
    response={200: None, **_ERRORS},
    url_name="cases_document_download",
    summary="The document's file, as an attachment (audited)",
)
def document_download(request: HttpRequest, public_id: PublicId, document_id: str) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    document = access_document(actor, case, document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    document_services.document_opened(actor=actor, document=document, via="api")
    return document_response(handle, document)


# --- Notes -------------------------------------------------------------------------------------


@router.get(
    "/{public_id}/notes",
    response={200: list[NoteOut], **_ERRORS},
    url_name="cases_notes",
    summary="The notes the caller may read (their field group), newest first",
)
def note_list(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    notes = list(note_services.visible_notes(actor, case)[:LIST_LIMIT])
    selectors.case_read(actor=actor, case=case, via="api", view="notes", count=len(notes))
    return notes


@router.post(
    "/{public_id}/notes",
    auth=member_auth(Action.NOTE_ADD),
    response={201: NoteOut, **_ERRORS},
    url_name="cases_note_add",
    summary="Add a note, for every organisation on the case or for the caller's only",
)
def note_add(request: HttpRequest, public_id: PublicId, payload: NoteIn) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    note = note_services.note_add(
        actor=actor,
        case=case,
        text=payload.text,
        visibility=payload.visibility,
        field_group=payload.field_group,
    )
    return Status(201, note)


# --- The timeline ------------------------------------------------------------------------------


@router.get(
    "/{public_id}/timeline",
    response={200: list[TimelineEntryOut], **_ERRORS},
    url_name="cases_timeline",
    summary="What happened on the case, newest first (at most 500 entries)",
)
def timeline(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    # One page holds the whole timeline (``case_timeline`` stops at its limit).
    entries = selectors.case_timeline_page(
        actor=actor, case=case, via="api", page=1, per_page=TIMELINE_LIMIT
    )
    return list(entries)


# --- The organisations on the case -------------------------------------------------------------


@router.get(
    "/{public_id}/participants",
    response={200: list[ParticipantOut], **_ERRORS},
    url_name="cases_participants",
    summary="The organisations taking part in the case, with their case managers",
)
def participant_list(request: HttpRequest, public_id: PublicId) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    return list(participant_services.active_participants(case).select_related("case"))


@router.post(
    "/{public_id}/participants",
    auth=member_auth(Action.CASE_PARTICIPANTS_MANAGE),
    response={201: ParticipantOut, **_ERRORS},
    url_name="cases_participant_add",
    summary="Add an organisation of the case's country (case managers of the owner only)",
)
def participant_add(request: HttpRequest, public_id: PublicId, payload: ParticipantIn) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case),
        actor,
        case,
        action="participant.add",
    )
    organisation = (
        Organisation.objects.select_related("country").filter(pk=payload.organisation_id).first()
    )
    if organisation is None:
        raise ValidationError(
            {"organisation_id": _("There is no organisation with this id in the directory.")}
        )
    with api_field_names(field="organisation_id"):
        participant = participant_services.participant_add(
            actor=actor, case=case, organisation=organisation
        )
    return Status(201, participant)


@router.post(
    "/{public_id}/participants/{participant_id}/case-manager",
    auth=member_auth(Action.CASE_PARTICIPANTS_MANAGE),
    response={200: ParticipantOut, **_ERRORS},
    url_name="cases_participant_case_manager",
    summary="Name the case manager of your own organisation on the case",
)
def participant_case_manager(
    request: HttpRequest, public_id: PublicId, participant_id: int, payload: CaseManagerIn
) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    participant = access_participant(actor, case, participant_id, action="set_case_manager")
    manager = None
    if payload.case_manager_id is not None:
        manager = User.objects.filter(pk=payload.case_manager_id).first()
        if manager is None:
            raise ValidationError({"case_manager_id": _("There is no user with this id.")})
    with api_field_names(field="case_manager_id"):
        return participant_services.participant_set_case_manager(
            actor=actor, participant=participant, case_manager=manager
        )


@router.post(
    "/{public_id}/participants/{participant_id}/consent-taker",
    auth=member_auth(Action.CASE_PARTICIPANTS_MANAGE),
    response={200: ParticipantOut, **_ERRORS},
    url_name="cases_participant_consent_taker",
    summary="Name or un-name an organisation as consent-taker (case managers of the owner only)",
)
def participant_consent_taker(
    request: HttpRequest, public_id: PublicId, participant_id: int, payload: ConsentTakerIn
) -> Any:
    actor = acting(request)
    case = access_case(actor, public_id)
    participant = access_participant(actor, case, participant_id)
    return participant_services.participant_set_consent_taker(
        actor=actor, participant=participant, takes_consent=payload.takes_consent
    )
