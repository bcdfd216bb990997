"""Documents, notes, the timeline and the organisations on a case (issue 3 §12, §2).

Views are thin: the action gate (``actor_required``), the case through ``access_case`` (404 for
cases of other organisations), then the field group or the organisation (403), then the
services. Files are only ever served by ``document_download``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import selectors
from opentrm.cases.access import require_widening
from opentrm.cases.forms_documents import (
    FIELD_GROUP_LABELS,
    CaseManagerForm,
    DocumentDeleteForm,
    DocumentForm,
    NoteDeleteForm,
    NoteForm,
    ParticipantAddForm,
)
from opentrm.cases.lookups import access_document, access_participant
from opentrm.cases.models import Case, CaseDocument, CaseNote, CaseParticipant
from opentrm.cases.services import documents as document_services
from opentrm.cases.services import notes as note_services
from opentrm.cases.services import participants as participant_services
from opentrm.cases.timeline import TimelineEntry
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.forms import cleaned

SECTION_LIMIT = 50  # rows of each list on the case page
TIMELINE_PAGE_SIZE = 100


# --- The case page's sections ------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentsSection:
    rows: list[tuple[CaseDocument, bool]]  # (document, may the actor delete it)
    may_add: bool
    more: bool


def documents_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's documents: those in field groups the actor may see, newest first."""
    found = list(document_services.visible_documents(actor, case)[: SECTION_LIMIT + 1])
    for document in found:
        document.case = case  # the same object: what is shared of it is worked out once
    return {
        "documents_section": DocumentsSection(
            rows=[
                (document, can(actor, Action.DOCUMENT_DELETE, document))
                for document in found[:SECTION_LIMIT]
            ],
            may_add=can(actor, Action.DOCUMENT_ADD, case),
            more=len(found) > SECTION_LIMIT,
        )
    }


@dataclass(frozen=True)
class NotesSection:
    rows: list[tuple[CaseNote, bool, str]]  # (note, may the actor delete it, who reads it)
    may_add: bool
    more: bool


def _note_readers(note: CaseNote) -> str:
    """Who may read a note, by its field group, in words."""
    if note.field_group in FIELD_GROUP_LABELS:
        return str(FIELD_GROUP_LABELS[note.field_group])
    return _("Those who see all of the case")


def notes_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's notes visible to the actor's organisation, newest first."""
    found = list(note_services.visible_notes(actor, case)[: SECTION_LIMIT + 1])
    return {
        "notes_section": NotesSection(
            rows=[
                (note, can(actor, Action.NOTE_DELETE, note), _note_readers(note))
                for note in found[:SECTION_LIMIT]
            ],
            may_add=actor.may(Action.NOTE_ADD),
            more=len(found) > SECTION_LIMIT,
        )
    }


@dataclass(frozen=True)
class ParticipantRow:
    participant: CaseParticipant
    is_owner: bool
    may_set_case_manager: bool
    may_remove: bool
    may_name_consent_taker: bool = False


@dataclass(frozen=True)
class ParticipantsSection:
    rows: list[ParticipantRow]
    may_manage: bool


def participants_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The organisations on the case, with their country and case manager."""
    may_manage = can(actor, Action.CASE_PARTICIPANTS_MANAGE, case)
    rows = []
    for participant in participant_services.active_participants(case):
        is_owner = participant.organisation_id == case.owner_organisation_id
        rows.append(
            ParticipantRow(
                participant=participant,
                is_owner=is_owner,
                may_set_case_manager=can(actor, Action.CASE_PARTICIPANTS_MANAGE, participant),
                may_remove=may_manage and not is_owner,
                may_name_consent_taker=may_manage and not is_owner,
            )
        )
    return {"participants_section": ParticipantsSection(rows=rows, may_manage=may_manage)}


# --- Documents ---------------------------------------------------------------------------------


@case_form_page(
    "cases/document_form.html",
    gettext_lazy("The document was added."),
    anchor="documents",
    gate=Action.DOCUMENT_ADD,
    needs=Action.DOCUMENT_ADD,
)
def document_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    is_post = request.method == "POST"
    form = DocumentForm(
        request.POST if is_post else None,
        request.FILES if is_post else None,
        actor=request.actor,
        case=case,
    )
    return FormPage(
        form,
        lambda: document_services.document_upload(
            actor=request.actor,
            case=case,
            upload=form.cleaned_data["file"] or None,
            **cleaned(form, "title", "kind", "field_group"),
        ),
        {"max_size": document_services.max_bytes()},
    )


@case_view("GET")
def document_download(
    request: AuthenticatedHttpRequest, case: Case, document_id: str
) -> HttpResponse:
    """The only way to a document's file: the case must be visible and its group too."""
    actor = request.actor
    document = access_document(actor, case, document_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    document_services.document_opened(actor=actor, document=document)
    # A FileResponse streams the file; it is not an HttpResponse subclass, the decorators'
    # annotation notwithstanding.
    return document_response(handle, document)  # type: ignore[return-value]


def document_response(handle: Any, document: CaseDocument) -> FileResponse:
    """The file as an attachment with a neutral name, never rendered or cached."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document_services.download_name(document),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    return response


@case_form_page(
    "cases/document_delete.html",
    gettext_lazy("The document was deleted."),
    anchor="documents",
    gate=Action.DOCUMENT_ADD,
)
def document_delete(request: AuthenticatedHttpRequest, case: Case, document_id: str) -> FormPage:
    actor = request.actor
    document = access_document(actor, case, document_id, action="delete")
    form = DocumentDeleteForm(request.POST or None)
    if request.method == "GET":  # the page shows the document's title
        selectors.case_read(
            actor=actor, case=case, via="web", groups=[document.field_group], view="document_delete"
        )
    return FormPage(
        form,
        lambda: document_services.document_delete(
            actor=actor, document=document, reason=form.cleaned_data["reason"]
        ),
        {"document": document},
    )


# --- Notes -------------------------------------------------------------------------------------


@case_form_page(
    "cases/note_form.html",
    gettext_lazy("The note was added."),
    anchor="notes",
    gate=Action.NOTE_ADD,
)
def note_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    form = NoteForm(request.POST or None, groups=note_services.note_groups(actor, case))
    return FormPage(
        form,
        lambda: note_services.note_add(
            actor=actor, case=case, **cleaned(form, "text", "visibility", "field_group")
        ),
    )


@case_form_page(
    "cases/note_delete.html",
    gettext_lazy("The note was deleted."),
    anchor="notes",
    gate=Action.NOTE_ADD,
)
def note_delete(request: AuthenticatedHttpRequest, case: Case, note_id: int) -> FormPage:
    actor = request.actor
    note = get_object_or_404(note_services.visible_notes(actor, case), pk=note_id)
    if not can(actor, Action.NOTE_DELETE, note):
        raise PermissionDenied
    form = NoteDeleteForm(request.POST or None)
    if request.method == "GET":  # the page shows the note
        selectors.case_read(actor=actor, case=case, via="web", view="note_delete", note_id=note.pk)
    return FormPage(
        form,
        lambda: note_services.note_delete(
            actor=actor, note=note, reason=form.cleaned_data["reason"]
        ),
        {"note": note},
    )


# --- The timeline ------------------------------------------------------------------------------


@case_view("GET")
def case_timeline_view(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    page = selectors.case_timeline_page(
        actor=request.actor,
        case=case,
        via="web",
        page=request.GET.get("page"),
        per_page=TIMELINE_PAGE_SIZE,
    )
    shown: list[TimelineEntry] = list(page)
    return render(
        request, "cases/case_timeline.html", {"case": case, "page": page, "entries": shown}
    )


# --- The organisations on the case -------------------------------------------------------------


@case_form_page(
    "cases/participant_form.html",
    None,  # the page's own: it names the organisation
    anchor="participants",
    gate=Action.CASE_PARTICIPANTS_MANAGE,
)
def participant_add(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case),
        actor,
        case,
        action="participant.add",
    )
    form = ParticipantAddForm(request.POST or None, case=case)
    return FormPage(
        form,
        lambda: participant_services.participant_add(
            actor=actor, case=case, organisation=form.cleaned_data["organisation"]
        ),
        success=lambda participant: (
            _("%(organisation)s now takes part in the case.")
            % {"organisation": participant.organisation.name}
        ),
    )


def _participant_change(
    request: AuthenticatedHttpRequest,
    case: Case,
    change: Callable[[], object],
    success: str,
) -> HttpResponse:
    """Call ``change`` (a service); back to the case's organisations with ``success`` or every
    refusal."""
    try:
        change()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(case_url(case, "participants"))


@case_view("POST", gate=Action.CASE_PARTICIPANTS_MANAGE)
def participant_remove(
    request: AuthenticatedHttpRequest, case: Case, participant_id: int
) -> HttpResponse:
    participant = access_participant(request.actor, case, participant_id)
    return _participant_change(
        request,
        case,
        lambda: participant_services.participant_remove(
            actor=request.actor, participant=participant
        ),
        _("%(organisation)s no longer takes part in the case.")
        % {"organisation": participant.organisation.name},
    )


@case_view("POST", gate=Action.CASE_PARTICIPANTS_MANAGE)
def participant_consent_taker(
    request: AuthenticatedHttpRequest, case: Case, participant_id: int
) -> HttpResponse:
    """The owner names (``takes_consent=1``) or un-names (``0``) a consent-taker."""
    participant = access_participant(request.actor, case, participant_id)
    takes_consent = request.POST.get("takes_consent")
    if takes_consent not in ("0", "1"):
        messages.error(request, _("Say whether the organisation takes consent."))
        return redirect(case_url(case, "participants"))
    names = {"organisation": participant.organisation.name}
    return _participant_change(
        request,
        case,
        lambda: participant_services.participant_set_consent_taker(
            actor=request.actor, participant=participant, takes_consent=takes_consent == "1"
        ),
        _("%(organisation)s now records the person's consent decisions on this case.") % names
        if takes_consent == "1"
        else _("%(organisation)s no longer records consent decisions on this case.") % names,
    )


@case_form_page(
    "cases/participant_case_manager.html",
    gettext_lazy("The case manager was saved."),
    anchor="participants",
    gate=Action.CASE_PARTICIPANTS_MANAGE,
)
def participant_case_manager(
    request: AuthenticatedHttpRequest, case: Case, participant_id: int
) -> FormPage:
    actor = request.actor
    participant = access_participant(actor, case, participant_id, action="set_case_manager")
    form = CaseManagerForm(
        request.POST or None,
        organisation_id=participant.organisation_id,
        initial={"case_manager": participant.case_manager_id},
    )
    return FormPage(
        form,
        lambda: participant_services.participant_set_case_manager(
            actor=actor, participant=participant, case_manager=form.cleaned_data["case_manager"]
        ),
        {"participant": participant},
    )
