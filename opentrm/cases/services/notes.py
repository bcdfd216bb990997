"""Notes on a case (issue 3 §12): free text by an organisation, for every organisation on the
case or for the author's organisation only.

Notes are free text that may hold anything, so they are shown to every role that sees the case
(the interpreter included) for "every organisation" notes, and only to the author's
organisation for the others. The form tells the writer so: details of health or proceedings
belong in their restricted sections, not in a note. Because a note may name the person, an
organisation that does not own the case reads the other organisations' notes only while the
consent + agreement gate shares identity data with it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import group_access
from opentrm.cases.models import Case, CaseNote, NoteVisibility

MAX_NOTE_LENGTH = 10_000


def visible_notes(actor: Actor, case: Case) -> models.QuerySet[CaseNote]:
    """The case's notes the actor's organisation may read, newest first."""
    if not actor.may(Action.CASE_VIEW) or actor.organisation_id is None:
        return CaseNote.objects.none()
    readable = Q(organisation_id=actor.organisation_id)
    if group_access(actor, case, FieldGroup.IDENTITY) >= Access.VIEW:
        readable |= Q(visibility=NoteVisibility.CASE)
    return (
        CaseNote.objects.filter(case=case, deleted_at__isnull=True)
        .filter(readable)
        .select_related("organisation", "author")
        .order_by("-created_at", "-id")
    )


def may_delete_note(actor: Actor, note: CaseNote) -> bool:
    """A note is deleted by its author's organisation."""
    return actor.may(Action.NOTE_ADD) and note.organisation_id == actor.organisation_id


@transaction.atomic
def note_add(*, actor: Actor, case: Case, text: str, visibility: str) -> CaseNote:
    require(actor, Action.NOTE_ADD)
    assert actor.membership is not None
    text = text.strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Write the note.")
    elif len(text) > MAX_NOTE_LENGTH:
        errors["text"] = _("The note is too long (%(count)d characters at most).") % {
            "count": MAX_NOTE_LENGTH
        }
    if visibility not in NoteVisibility.values:
        errors["visibility"] = _("Pick who may read the note.")
    if errors:
        raise ValidationError(errors)
    note = CaseNote.objects.create(
        case=case,
        text=text,
        visibility=visibility,
        organisation=actor.membership.organisation,
        author=actor.user,
    )
    record_event(
        event_type=EventType.NOTE_ADDED,
        actor=actor,
        target=note,
        detail={"case_id": case.pk, "note_id": note.pk, "visibility": visibility},
    )
    return note


@transaction.atomic
def note_delete(*, actor: Actor, note: CaseNote, reason: str) -> CaseNote:
    """Delete a note softly, with a reason; only the author's organisation may."""
    require(actor, Action.NOTE_ADD)
    if not may_delete_note(actor, note):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the note is deleted.")})
    updated = CaseNote.objects.filter(pk=note.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=actor.user, deletion_reason=reason
    )
    note.refresh_from_db(fields=["deleted_at", "deleted_by", "deletion_reason"])
    if updated:
        record_event(
            event_type=EventType.NOTE_DELETED,
            actor=actor,
            target=note,
            detail={"case_id": note.case_id, "note_id": note.pk},
        )
    return note
