"""Free text belongs to a field group (issue 9, read-side leaks past the field-group gate).

A marker string is planted in every piece of free text of a case -- a note under each field
group, a note about the whole case, an organisation-only note, the people attending a hearing,
the title of a document of each group -- and every case page and API response is read as each
role of the owner organisation (``policy.ROLE_FIELD_GROUPS``, docs/permissions.md) and as a
participant organisation with nothing, or only identity, shared. A marker shows exactly where
the reader may view its group of the case: notes need their group (every group for a note about
the whole case) and identity (a note may name the person); hearing participants need
proceedings; a document's title needs the document's group.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World, make_member
from opentrm.accounts.policy import ROLE_FIELD_GROUPS, Access, Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.accounts.services import api_token_create
from opentrm.accounts.tests.factories import member_actor
from opentrm.cases.models import Case, CaseNote, CaseParticipant, NoteVisibility
from opentrm.cases.services import (
    NameData,
    case_register,
    hearing_schedule,
    identification_record,
    measure_plan,
    measure_update,
    note_add,
    task_create,
)
from opentrm.cases.services.interpreters import interpreter_assign
from opentrm.cases.tests.factories import assign_interpreter, share_identity_with_c, upload_pdf

G = FieldGroup
EVERY = frozenset(FieldGroup)
CASE_ROLES = sorted(ROLE_FIELD_GROUPS, key=lambda role: role.value)

# Marker -> the field groups a reader must view to see it.
NOTE = {group: f"LEAKNOTE{group.value.upper()}" for group in FieldGroup}
WHOLE_CASE_NOTE = "LEAKNOTEWHOLECASE"
OWN_ORGANISATION_NOTE = "LEAKNOTEHEALTHOURSONLY"
HEARING_PARTICIPANTS = "LEAKHEARINGJUDGEFICTIVA"
TITLE = {group: f"LEAKTITLE{group.value.upper()}" for group in FieldGroup}
MEASURE_NOTES = "LEAKMEASURENOTESASSISTANCE"
MEASURE = "sop2.intake_needs_assessment"
INDICATORS = "LEAKINDICATORSPROCEEDINGS"
LEGAL_BASIS = "LEAKLEGALBASISPROCEEDINGS"


def expected_markers(visible: frozenset[FieldGroup], *, owner: bool) -> dict[str, bool]:
    """Which markers a reader who may view ``visible`` of the case sees."""
    names_person = G.IDENTITY in visible
    shown = {marker: names_person and group in visible for group, marker in NOTE.items()}
    shown[WHOLE_CASE_NOTE] = visible == EVERY
    shown[OWN_ORGANISATION_NOTE] = owner and G.HEALTH in visible
    shown[HEARING_PARTICIPANTS] = G.PROCEEDINGS in visible
    shown |= {marker: group in visible for group, marker in TITLE.items()}
    shown[MEASURE_NOTES] = G.ASSISTANCE in visible
    shown[INDICATORS] = shown[LEGAL_BASIS] = G.PROCEEDINGS in visible
    return shown


def role_groups(role: Role) -> frozenset[FieldGroup]:
    return frozenset(g for g, access in ROLE_FIELD_GROUPS[role].items() if access >= Access.VIEW)


@pytest.fixture
def case(world: World, settings: Any, tmp_path: Path) -> Case:
    """Agency A's case with a marker in every free text, and agency C on the case."""
    settings.MEDIA_ROOT = tmp_path
    manager = world.actor(Role.CASE_MANAGER)
    case = case_register(actor=manager, names=[NameData(value="Dora Fictiva")])
    assign_interpreter(world, case)
    author = world.user(Role.CASE_MANAGER)
    for group, marker in NOTE.items():
        CaseNote.objects.create(
            case=case,
            text=marker,
            field_group=group.value,
            organisation=world.agency_a,
            author=author,
        )
    CaseNote.objects.create(
        case=case, text=WHOLE_CASE_NOTE, organisation=world.agency_a, author=author
    )
    CaseNote.objects.create(
        case=case,
        text=OWN_ORGANISATION_NOTE,
        field_group=G.HEALTH.value,
        visibility=NoteVisibility.ORGANISATION,
        organisation=world.agency_a,
        author=author,
    )
    hearing_schedule(
        actor=manager,
        case=case,
        kind="court_hearing",
        scheduled_at=timezone.now() + timedelta(days=3),
        place="Court of Fictiva",
        participants=HEARING_PARTICIPANTS,
    )
    for group, title in TITLE.items():
        upload_pdf(manager, case, title, "other", field_group=group.value)
    measure_plan(actor=manager, case=case, code=MEASURE, notes=MEASURE_NOTES)
    identification_record(
        actor=manager,
        case=case,
        outcome="identified",
        is_formal=False,
        decided_on=timezone.localdate(),
        legal_basis=LEGAL_BASIS,
        indicators_used=INDICATORS,
    )
    CaseParticipant.objects.create(case=case, organisation=world.agency_c)
    return case


HTML_PAGES = ("cases:case_detail", "cases:case_timeline", "cases:assessment_list")
API_READS = (
    "cases_detail",
    "cases_notes",
    "cases_documents",
    "cases_timeline",
    "cases_hearings",
    "cases_proceedings",
    "cases_participants",
    "cases_consents",
)


def everything_read(actor: Actor, case: Case) -> str:
    """Every case page and API response the actor gets, concatenated."""
    browser = Client()
    browser.force_login(actor.user)
    _token, secret = api_token_create(actor=actor, name="leaks")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    parts: list[str] = []
    for name in HTML_PAGES:
        response = browser.get(reverse(name, args=[case.public_id]), {"section": "all"})
        assert response.status_code in (200, 403), (name, response.status_code)
        parts.append(response.content.decode())
    parts.append(browser.get(reverse("cases:case_list")).content.decode())
    # The pages of one note, hearing or document (delete, change): refused or without the text
    # of a group the reader is denied.
    objects: list[tuple[str, object]] = [("cases:measure_edit", MEASURE)]
    objects += [("cases:hearing_edit", hearing.pk) for hearing in case.hearings.all()]
    objects += [("cases:note_delete", note.pk) for note in case.notes.all()]
    objects += [("cases:document_delete", document.public_id) for document in case.documents.all()]
    for name, pk in objects:
        response = browser.get(reverse(name, args=[case.public_id, pk]))
        assert response.status_code in (200, 403, 404), (name, response.status_code)
        parts.append(response.content.decode())
    parts.append(api.get(reverse("api-1:cases_list")).content.decode())
    for name in API_READS:
        response = api.get(reverse(f"api-1:{name}", args=[case.public_id]))
        assert response.status_code in (200, 403), (name, response.status_code)
        parts.append(response.content.decode())
    return "\n".join(parts)


def _assert_markers(text: str, expected: dict[str, bool]) -> None:
    leaked = sorted(marker for marker, shown in expected.items() if not shown and marker in text)
    missing = sorted(marker for marker, shown in expected.items() if shown and marker not in text)
    assert (leaked, missing) == ([], [])


@pytest.mark.parametrize("role", CASE_ROLES, ids=lambda role: role.value)
def test_it_shows_each_free_text_only_to_roles_that_see_its_group(
    world: World, case: Case, role: Role
) -> None:
    """The owner's own roles: an interpreter or a prosecutor reads no note, hearing participant
    or document title of a group it is denied."""
    text = everything_read(world.actor(role), case)
    _assert_markers(text, expected_markers(role_groups(role), owner=True))


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROSECUTOR], ids=lambda r: r.value)
def test_it_shows_a_participant_with_nothing_shared_no_free_text(
    world: World, case: Case, role: Role
) -> None:
    reader = make_member(world.agency_c, role, f"c_{role.value}")
    text = everything_read(member_actor(reader), case)
    _assert_markers(text, expected_markers(frozenset(), owner=False))


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.INTERPRETER], ids=lambda r: r.value)
def test_it_shows_a_participant_with_identity_shared_only_identity_free_text(
    world: World, case: Case, role: Role
) -> None:
    share_identity_with_c(world, case, Role.CASE_MANAGER, "Agency C sees who the person is.")
    reader = make_member(world.agency_c, role, f"c_{role.value}")
    if role == Role.INTERPRETER:  # sees the case only once assigned to it
        interpreter_assign(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            interpreter=reader.user,
            undertaking_signed_on=timezone.localdate(),
        )
    text = everything_read(member_actor(reader), case)
    _assert_markers(text, expected_markers(frozenset({G.IDENTITY}), owner=False))


def test_it_keeps_a_note_of_a_group_from_the_timeline_of_a_role_denied_it(
    world: World, case: Case
) -> None:
    """The timeline says "Note added" only for the notes the reader may read."""
    url = reverse("cases:case_timeline", args=[case.public_id])
    manager = _logged_in(world, Role.CASE_MANAGER).get(url).content.decode()
    interpreter = _logged_in(world, Role.INTERPRETER).get(url).content.decode()
    assert manager.count("Note added") == len(NOTE) + 2
    assert interpreter.count("Note added") == 1  # the identity note only


def _logged_in(world: World, role: Role) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def test_a_note_is_written_only_under_a_group_the_writer_may_view(world: World, case: Case) -> None:
    police = world.actor(Role.POLICE_INVESTIGATOR)  # denied health
    url = reverse("cases:note_create", args=[case.public_id])
    client = _logged_in(world, Role.POLICE_INVESTIGATOR)
    form = client.get(url).content.decode()
    assert 'value="proceedings"' in form
    assert 'value="health"' not in form
    response = client.post(url, {"text": "x", "visibility": "case", "field_group": "health"})
    assert response.status_code == 200
    assert "field_group" in response.context["form"].errors
    note = note_add(
        actor=police, case=case, text="Seen at the port.", visibility="case", field_group="travel"
    )
    assert note.field_group == "travel"


def test_a_role_denied_assistance_changes_a_measure_without_seeing_or_losing_its_notes(
    world: World, case: Case
) -> None:
    prosecutor = world.actor(Role.PROSECUTOR)  # edits measures, denied assistance
    measure = case.measures.get(code=MEASURE)
    url = reverse("cases:measure_edit", args=[case.public_id, MEASURE])
    client = _logged_in(world, Role.PROSECUTOR)
    form = client.get(url)
    assert 'name="notes"' not in form.content.decode()
    response = client.post(
        url, {"version": measure.version, "status": "in_progress", "started_on": ""}
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    assert measure.notes == MEASURE_NOTES
    with pytest.raises(PermissionDenied):
        measure_update(
            actor=prosecutor,
            measure=measure,
            expected_version=measure.version,
            status="in_progress",
            notes="Overwritten.",
        )


def test_an_interpreter_sees_only_the_tasks_given_to_it(world: World, case: Case) -> None:
    """A task's title is free text of the organisation's case workers."""
    caseworker = world.actor(Role.CASEWORKER)
    due = timezone.localdate() + timedelta(days=2)
    task_create(actor=caseworker, case=case, title="LEAKTASKCLINICVISIT", due_on=due)
    task_create(
        actor=caseworker,
        case=case,
        title="Interpret at the interview",
        due_on=due,
        assignee=world.user(Role.INTERPRETER),
    )
    pages = [reverse("cases:case_detail", args=[case.public_id]) + "?section=all"]
    pages += [f"{reverse('cases:task_list')}?show={show}" for show in ("mine", "week", "overdue")]
    interpreter = _logged_in(world, Role.INTERPRETER)
    seen = "".join(interpreter.get(url).content.decode() for url in pages)
    assert "LEAKTASKCLINICVISIT" not in seen
    assert "Interpret at the interview" in seen
    guardian = _logged_in(world, Role.GUARDIAN)
    assert "LEAKTASKCLINICVISIT" in guardian.get(pages[0]).content.decode()


HEALTH_ATTENDING = "LEAKHEARINGDOCTORFICTIVA"


def test_hearing_participants_carry_the_group_their_writer_chose(world: World, case: Case) -> None:
    """Filed under health, the people attending a hearing are read only by those who see
    health: the police investigator (proceedings, not health) reads the hearing without them,
    and can neither file them under health nor change them."""
    manager = world.actor(Role.CASE_MANAGER)
    hearing = hearing_schedule(
        actor=manager,
        case=case,
        kind="court_hearing",
        scheduled_at=timezone.now() + timedelta(days=4),
        place="Court of Fictiva",
        participants=HEALTH_ATTENDING,
        participants_group="health",
    )
    assert HEALTH_ATTENDING in everything_read(manager, case)
    police = world.actor(Role.POLICE_INVESTIGATOR)
    text = everything_read(police, case)
    assert HEALTH_ATTENDING not in text
    assert HEARING_PARTICIPANTS in text  # the default: proceedings
    client = _logged_in(world, Role.POLICE_INVESTIGATOR)
    edit = client.get(reverse("cases:hearing_edit", args=[case.public_id, hearing.pk]))
    assert 'name="participants"' not in edit.content.decode()
    form = client.get(reverse("cases:hearing_schedule", args=[case.public_id])).content.decode()
    assert 'value="proceedings"' in form
    assert 'value="health"' not in form
    with pytest.raises(ValidationError):
        hearing_schedule(
            actor=police,
            case=case,
            kind="court_hearing",
            scheduled_at=timezone.now() + timedelta(days=5),
            place="Court of Fictiva",
            participants="Dr Fictiva",
            participants_group="health",
        )
