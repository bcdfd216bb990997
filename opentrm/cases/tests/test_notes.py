import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, CaseNote, CaseParticipant
from opentrm.cases.services import (
    case_register,
    note_add,
    note_delete,
)
from opentrm.cases.tests.factories import (
    assign_interpreter,
    detail_page,
    share_identity_with_c,
    upload_pdf,
)
from opentrm.directory.models import Organisation


@pytest.fixture
def case(world: World) -> Case:
    case = case_register(actor=world.actor(Role.CASEWORKER))
    assign_interpreter(world, case)
    # Agency C (same country) takes part too, with a caseworker of its own, and identity data
    # (which a note may hold) is shared with it.
    CaseParticipant.objects.create(case=case, organisation=world.agency_c)
    share_identity_with_c(world, case, Role.CASEWORKER, "Agency C reads the case's notes.")
    return case


@pytest.fixture
def other(world: World) -> Client:
    client = Client()
    client.force_login(make_member(world.agency_c, Role.CASEWORKER, "c_caseworker").user)
    return client


def test_it_adds_a_note_through_the_form_and_audits_no_text(world: World, case: Case) -> None:
    url = reverse("cases:note_create", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Met at the shelter; calm.", "visibility": "case"})
    assert response.status_code == 302
    note = CaseNote.objects.get()
    assert note.organisation == world.agency_a
    assert note.author == world.user(Role.CASEWORKER)
    assert "Met at the shelter; calm." in detail_page(client, case)
    event = AuditEvent.objects.get(event_type=EventType.NOTE_ADDED)
    assert event.detail == {
        "case_id": case.pk,
        "note_id": note.pk,
        "visibility": "case",
        "field_group": "",
    }


def test_it_refuses_an_empty_note_on_the_field(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:note_create", args=[case.public_id]), {"text": "   ", "visibility": "case"}
    )
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    with pytest.raises(ValidationError) as error:
        note_add(actor=world.actor(Role.CASEWORKER), case=case, text="x", visibility="public")
    assert "visibility" in error.value.message_dict
    assert not CaseNote.objects.exists()


def test_it_lists_notes_newest_first_and_hides_other_organisations_private_ones(
    world: World, case: Case, other: Client
) -> None:
    actor = world.actor(Role.CASEWORKER)
    about = {"field_group": "identity"}  # agency C sees the identity group
    note_add(actor=actor, case=case, text="First note for everyone", visibility="case", **about)
    note_add(
        actor=actor, case=case, text="Second note, ours only", visibility="organisation", **about
    )
    note_add(actor=actor, case=case, text="Third note for everyone", visibility="case", **about)
    page = detail_page(browser(world, Role.CASE_MANAGER), case)
    assert page.index("Third note") < page.index("Second note") < page.index("First note")
    page = detail_page(other, case)
    assert "First note for everyone" in page
    assert "Third note for everyone" in page
    assert "Second note" not in page


def test_the_interpreter_reads_identity_notes_only_and_adds_none(world: World, case: Case) -> None:
    caseworker = world.actor(Role.CASEWORKER)
    note_add(
        actor=caseworker,
        case=case,
        text="Interview at 10.",
        visibility="case",
        field_group="identity",
    )
    note_add(actor=caseworker, case=case, text="About everything.", visibility="case")
    page = detail_page(browser(world, Role.INTERPRETER), case)
    assert "Interview at 10." in page
    assert "About everything." not in page  # a whole-case note: for those who see it all
    assert "Add a note" not in page
    url = reverse("cases:note_create", args=[case.public_id])
    assert browser(world, Role.INTERPRETER).get(url).status_code == 403
    assert browser(world, Role.CASEWORKER, org="b").get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        note_add(actor=world.actor(Role.INTERPRETER), case=case, text="x", visibility="case")


def test_the_authors_organisation_deletes_a_note_softly_with_a_reason(
    world: World, case: Case, other: Client
) -> None:
    note = note_add(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        text="Wrong person.",
        visibility="case",
        field_group="identity",
    )
    url = reverse("cases:note_delete", args=[case.public_id, note.pk])
    assert other.get(url).status_code == 403  # agency C did not write it
    client = browser(world, Role.GUARDIAN)  # same organisation as the author
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert client.post(url, {"reason": "Written on the wrong case."}).status_code == 302
    note.refresh_from_db()
    assert note.deleted_at is not None
    assert note.deletion_reason == "Written on the wrong case."
    assert "Wrong person." not in detail_page(client, case)
    event = AuditEvent.objects.get(event_type=EventType.NOTE_DELETED)
    assert event.detail == {"case_id": case.pk, "note_id": note.pk}


def test_a_private_note_of_another_organisation_cannot_even_be_found(
    world: World, case: Case, other: Client
) -> None:
    note = note_add(
        actor=world.actor(Role.CASEWORKER), case=case, text="Ours.", visibility="organisation"
    )
    assert other.get(reverse("cases:note_delete", args=[case.public_id, note.pk])).status_code == (
        404
    )
    with pytest.raises(ValidationError):
        note_delete(actor=world.actor(Role.CASEWORKER), note=note, reason=" ")


def test_the_api_adds_and_lists_notes(world: World, case: Case) -> None:
    client = api(world, Role.CASEWORKER)
    url = f"/api/v1/cases/{case.public_id}/notes"
    response = client.post(
        url,
        json.dumps({"text": "Called the shelter.", "visibility": "organisation"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["visibility"] == "organisation"
    assert [note["text"] for note in client.get(url).json()] == ["Called the shelter."]
    bad = client.post(
        url, json.dumps({"text": "", "visibility": "case"}), content_type="application/json"
    )
    assert bad.status_code == 422
    interpreter = api(world, Role.INTERPRETER)  # of agency A: writes nothing
    assert interpreter.get(url).json() == []  # a note about the whole case: not for it
    about = client.post(
        url,
        json.dumps({"text": "Speaks Albanian.", "visibility": "case", "field_group": "identity"}),
        content_type="application/json",
    )
    assert about.status_code == 201
    assert about.json()["field_group"] == "identity"
    assert [note["text"] for note in interpreter.get(url).json()] == ["Speaks Albanian."]
    refused = interpreter.post(
        url, json.dumps({"text": "x", "visibility": "case"}), content_type="application/json"
    )
    assert refused.status_code == 403
    assert api(world, Role.CASEWORKER, org="b").get(url).status_code == 404


def test_the_case_page_does_not_query_per_note_document_or_organisation(
    world: World, case: Case, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = browser(world, Role.CASE_MANAGER)
    url = reverse("cases:case_detail", args=[case.public_id])

    def add_rows() -> None:
        actor = world.actor(Role.CASE_MANAGER)
        note_add(actor=actor, case=case, text="A note.", visibility="case")
        upload_pdf(actor, case, "A document", "legal", b"%PDF-1.4 a")

    add_rows()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        add_rows()
    CaseParticipant.objects.create(
        case=case,
        organisation=Organisation.objects.create(
            country=world.country_a, name="Agency D", type="ngo"
        ),
    )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_organisation_without_identity_shared_reads_only_its_own_notes(world: World) -> None:
    """A note may name the person: a non-owner reads the other organisations' notes only while
    consent and an agreement share identity data with it."""
    case = case_register(actor=world.actor(Role.CASEWORKER))
    CaseParticipant.objects.create(case=case, organisation=world.agency_c)
    note_add(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        text="Met Ariana Fiktiva.",
        visibility="case",
        field_group="identity",
    )
    reader = make_member(world.agency_c, Role.CASEWORKER, "c_reader")
    client = Client()
    client.force_login(reader.user)
    assert "Ariana Fiktiva" not in detail_page(client, case)
    share_identity_with_c(world, case, Role.CASEWORKER, "Agency C reads the case's notes.")
    assert "Ariana Fiktiva" in detail_page(client, case)
