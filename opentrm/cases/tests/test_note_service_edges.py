"""The notes service called directly: what it refuses and what it does only once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, NoteVisibility
from opentrm.cases.services import case_register, note_add, note_delete
from opentrm.cases.services.notes import MAX_NOTE_LENGTH, readable_notes


@pytest.fixture
def case(world: World) -> Case:
    return case_register(actor=world.actor(Role.CASEWORKER))


@pytest.mark.parametrize(
    ("text", "visibility", "field_group", "field"),
    [
        pytest.param("   ", NoteVisibility.CASE, "", "text", id="empty"),
        pytest.param("x" * (MAX_NOTE_LENGTH + 1), NoteVisibility.CASE, "", "text", id="too long"),
        pytest.param("A note", "everyone", "", "visibility", id="unknown audience"),
        pytest.param("A note", NoteVisibility.CASE, "no_such_group", "field_group", id="group"),
    ],
)
def test_it_refuses_a_note_that_is_empty_too_long_or_has_no_known_audience_or_group(
    world: World, case: Case, text: str, visibility: str, field_group: str, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        note_add(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            text=text,
            visibility=visibility,
            field_group=field_group,
        )
    assert field in refused.value.message_dict
    assert not case.notes.exists()


def test_it_shows_no_note_to_a_role_that_may_not_view_cases(world: World, case: Case) -> None:
    note_add(actor=world.actor(Role.CASEWORKER), case=case, text="A note", visibility="case")

    assert not readable_notes(world.actor(Role.DIRECTORY_EDITOR), case).exists()


def test_it_refuses_deleting_a_note_of_another_organisation(world: World, case: Case) -> None:
    note = note_add(actor=world.actor(Role.CASEWORKER), case=case, text="A note", visibility="case")

    with pytest.raises(PermissionDenied):
        note_delete(actor=world.actor(Role.CASEWORKER, org="b"), note=note, reason="Not mine")
    note.refresh_from_db()
    assert note.deleted_at is None


def test_it_deletes_a_note_once_and_audits_it_once(world: World, case: Case) -> None:
    actor = world.actor(Role.CASEWORKER)
    note = note_add(actor=actor, case=case, text="A note", visibility="case")
    first = note_delete(actor=actor, note=note, reason="Wrong case").deleted_at

    again = note_delete(actor=actor, note=note, reason="Once more")

    assert again.deleted_at == first
    assert again.deletion_reason == "Wrong case"
    assert AuditEvent.objects.filter(event_type=EventType.NOTE_DELETED).count() == 1
