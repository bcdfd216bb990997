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
from opentrm.cases import schemas_documents as schemas
from opentrm.cases import selectors
from opentrm.cases.access import access_case, require_widening
from opentrm.cases.lookups import access_document, access_participant
from opentrm.cases.services import documents as document_services
from opentrm.cases.services import notes as note_services
from opentrm.cases.services import participants as participant_services
from opentrm.cases.timeline import LIMIT as TIMELINE_LIMIT
from opentrm.cases.views_documents import document_response
from opentrm.core.api import Routes, api_field_names
from opentrm.core.schemas import CASE_WORK_ERRORS, PublicId
from opentrm.directory.models import Organisation

router = Router(tags=["cases"], auth=member_auth(Action.CASE_VIEW))
_ERRORS = CASE_WORK_ERRORS
_route = Routes(router, _ERRORS, url_prefix="cases_")
_case_participants_manage_route = _route.having(auth=member_auth(Action.CASE_PARTICIPANTS_MANAGE))
_document_add_route = _route.having(auth=member_auth(Action.DOCUMENT_ADD))
_note_add_route = _route.having(auth=member_auth(Action.NOTE_ADD))
LIST_LIMIT = 500


# --- Documents ---------------------------------------------------------------------------------


@_route("GET", "/{public_id}/documents", list[schemas.DocumentOut], "cases_documents")
def document_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The case's documents in the field groups the caller may see (metadata only)"""
    actor = acting(request)
    case = access_case(actor, public_id)
    documents = list(
        document_services.visible_documents(actor, case).select_related("case")[:LIST_LIMIT]
    )
    selectors.case_read(actor=actor, case=case, via="api", view="documents", count=len(documents))
    return documents


@_document_add_route("POST", "/{public_id}/documents", schemas.DocumentOut, status=201)
def document_upload(
    request: HttpRequest,
    public_id: PublicId,
    title: Form[str] = "",
    kind: Form[str] = "",
    field_group: Form[str] = "",
    file: File[UploadedFile | None] = None,
) -> Any:
    """Attach a file (multipart: file, title, kind, optional field_group)"""
    actor = acting(request)
    case = access_case(actor, public_id)
    if not can(actor, Action.DOCUMENT_ADD, case):
        raise PermissionDenied
    document = document_services.document_upload(
        actor=actor, case=case, upload=file, title=title, kind=kind, field_group=field_group
    )
    return Status(201, document)


@_route("GET", "/{public_id}/documents/{document_id}/file", None)
def document_download(request: HttpRequest, public_id: PublicId, document_id: str) -> Any:
    """The document's file, as an attachment (audited)"""
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


@_route("GET", "/{public_id}/notes", list[schemas.NoteOut], "cases_notes")
def note_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The notes the caller may read (their field group), newest first"""
    actor = acting(request)
    case = access_case(actor, public_id)
    notes = list(note_services.visible_notes(actor, case)[:LIST_LIMIT])
    selectors.case_read(actor=actor, case=case, via="api", view="notes", count=len(notes))
    return notes


@_note_add_route("POST", "/{public_id}/notes", schemas.NoteOut, status=201)
def note_add(request: HttpRequest, public_id: PublicId, payload: schemas.NoteIn) -> Any:
    """Add a note, for every organisation on the case or for the caller's only"""
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


@_route("GET", "/{public_id}/timeline", list[schemas.TimelineEntryOut])
def timeline(request: HttpRequest, public_id: PublicId) -> Any:
    """What happened on the case, newest first (at most 500 entries)"""
    actor = acting(request)
    case = access_case(actor, public_id)
    # One page holds the whole timeline (``case_timeline`` stops at its limit).
    entries = selectors.case_timeline_page(
        actor=actor, case=case, via="api", page=1, per_page=TIMELINE_LIMIT
    )
    return list(entries)


# --- The organisations on the case -------------------------------------------------------------


@_route("GET", "/{public_id}/participants", list[schemas.ParticipantOut], "cases_participants")
def participant_list(request: HttpRequest, public_id: PublicId) -> Any:
    """The organisations taking part in the case, with their case managers"""
    actor = acting(request)
    case = access_case(actor, public_id)
    return list(participant_services.active_participants(case).select_related("case"))


@_case_participants_manage_route(
    "POST", "/{public_id}/participants", schemas.ParticipantOut, status=201
)
def participant_add(
    request: HttpRequest, public_id: PublicId, payload: schemas.ParticipantIn
) -> Any:
    """Add an organisation of the case's country (case managers of the owner only)"""
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


@_case_participants_manage_route(
    "POST", "/{public_id}/participants/{participant_id}/case-manager", schemas.ParticipantOut
)
def participant_case_manager(
    request: HttpRequest, public_id: PublicId, participant_id: int, payload: schemas.CaseManagerIn
) -> Any:
    """Name the case manager of your own organisation on the case"""
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


@_case_participants_manage_route(
    "POST", "/{public_id}/participants/{participant_id}/consent-taker", schemas.ParticipantOut
)
def participant_consent_taker(
    request: HttpRequest, public_id: PublicId, participant_id: int, payload: schemas.ConsentTakerIn
) -> Any:
    """Name or un-name an organisation as consent-taker (case managers of the owner only)"""
    actor = acting(request)
    case = access_case(actor, public_id)
    participant = access_participant(actor, case, participant_id)
    return participant_services.participant_set_consent_taker(
        actor=actor, participant=participant, takes_consent=payload.takes_consent
    )
