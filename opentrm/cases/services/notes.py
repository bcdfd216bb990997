"""Notes on a case (issue 3 §12): free text by an organisation, for every organisation on the
case or for the author's organisation only.

A note is free text that may hold anything, so it belongs to the field group it was written
under (``CaseNote.field_group``, one of the groups the writer may view): only those who may view
that group of this case read it (``cases.access.visible_groups``: the role's groups, narrowed for
an organisation that does not own the case to what is shared with it), within the owner's
organisation as much as outside it; an interpreter or a prosecutor never reads a note about
health. A note without a group ("the whole case", and every note written before notes had
groups) is read only by those who may view every group. And because a note may name the
person, a reader also needs the identity group. The author always reads their own note.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Action, Actor, FieldGroup, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import require_open, visible_groups
from opentrm.cases.models import Case, CaseNote, NoteVisibility
from opentrm.cases.services.soft_delete import SoftDeletion

MAX_NOTE_LENGTH = 10_000
WHOLE_CASE = ""  # a note about the whole case: for those who see every group
_DELETION = SoftDeletion(
    Action.NOTE_ADD,
    Action.NOTE_DELETE,
    EventType.NOTE_DELETED,
    gettext_lazy("Say why the note is deleted."),
)


def note_groups(actor: Actor, case: Case) -> list[FieldGroup]:
    """The groups the actor may write a note under: those it may view of this case."""
    visible = visible_groups(actor, case)
    return [group for group in FieldGroup if group in visible]


def readable_notes(actor: Actor, case: Case) -> models.QuerySet[CaseNote]:
    """The case's notes the actor may read, deleted ones included (the timeline shows that a
    note was deleted): the actor's own; else those shared with its organisation (every note
    for the case, the organisation's own), in a group the actor may view of this case, and only
    while it may view the identity group (a note may name the person)."""
    if not actor.may(Action.CASE_VIEW) or actor.organisation_id is None:
        return CaseNote.objects.none()
    visible = visible_groups(actor, case)
    readable = Q(author_id=actor.user.pk, organisation_id=actor.organisation_id)
    if FieldGroup.IDENTITY in visible:
        groups = [group.value for group in visible]
        if visible == frozenset(FieldGroup):
            groups.append(WHOLE_CASE)
        audience = Q(visibility=NoteVisibility.CASE) | Q(organisation_id=actor.organisation_id)
        readable |= audience & Q(field_group__in=groups)
    return CaseNote.objects.filter(case=case).filter(readable)


def visible_notes(actor: Actor, case: Case) -> models.QuerySet[CaseNote]:
    """The case's notes the actor may read, newest first."""
    return (
        readable_notes(actor, case)
        .filter(deleted_at__isnull=True)
        .select_related("organisation", "author")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def note_add(
    *, actor: Actor, case: Case, text: str, visibility: str, field_group: str = WHOLE_CASE
) -> CaseNote:
    """Add a note under ``field_group`` (a group the actor may view of the case; empty: the
    whole case, read only by those who see every group)."""
    require(actor, Action.NOTE_ADD)
    require_open(case)
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
    if field_group != WHOLE_CASE and field_group not in {g.value for g in note_groups(actor, case)}:
        errors["field_group"] = _("Pick from the list what the note is about.")
    if errors:
        raise ValidationError(errors)
    note = CaseNote.objects.create(
        case=case,
        text=text,
        visibility=visibility,
        field_group=field_group,
        organisation=actor.membership.organisation,
        author=actor.user,
    )
    record_event(
        event_type=EventType.NOTE_ADDED,
        actor=actor,
        target=note,
        detail={
            "case_id": case.pk,
            "note_id": note.pk,
            "visibility": visibility,
            "field_group": field_group,
        },
    )
    return note


def note_delete(*, actor: Actor, note: CaseNote, reason: str) -> CaseNote:
    """Delete a note softly, with a reason; only the author's organisation may."""
    _DELETION(note, actor, reason, {"case_id": note.case_id, "note_id": note.pk})
    return note
