import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services import (
    NoContactConflictError,
    consent_withdraw,
    hearing_cancel,
    hearing_update,
    no_contact_add,
    no_contact_remove,
    proceeding_record,
    proceeding_update,
)
from opentrm.cases.services.proceedings import normalise_name
from opentrm.cases.tests.factories import case_page, record_consent
from opentrm.cases.tests.proceedings import adult_case, schedule_interview, soon
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return adult_case(world)


@pytest.fixture
def suspect(world: World, case: Case) -> NoContactPerson:
    return no_contact_add(
        actor=world.actor(Role.POLICE_INVESTIGATOR),
        case=case,
        name="Željko  Imaginarić",
        description="Suspected recruiter",
    )


def _page(world: World, case: Case, role: Role = Role.POLICE_INVESTIGATOR) -> str:
    return case_page(world, case, role)


def _video_consent(world: World, case: Case) -> Any:
    return record_consent(
        world.actor(Role.CASEWORKER),
        case,
        "video_interview",
        "Why the interview is recorded and who sees it.",
    )


# --- Proceedings ---------------------------------------------------------------------------------


def test_it_records_proceedings_through_the_form_and_shows_them(world: World, case: Case) -> None:
    url = reverse("cases:proceeding_create", args=[case.public_id])
    client = browser(world, Role.PROSECUTOR)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "country_code": "al",
            "kind": "criminal",
            "initiated": "true",
            "statement_taken": "true",
            "testified": "unknown",
            "compensation_claimed": "false",
            "compensation_obtained": "unknown",
            "court_decision": "underway",
            "legal_status": "Witness",
            "support_before_trial": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    proceeding = Proceeding.objects.get(case=case)
    assert proceeding.country_code == "AL"
    assert proceeding.initiated is True
    assert proceeding.testified is None
    assert proceeding.support_before_trial is True
    page = _page(world, case, Role.CASEWORKER)
    assert "Criminal proceedings" in page
    assert "Proceedings underway" in page
    event = AuditEvent.objects.get(event_type=EventType.PROCEEDING_RECORDED)
    assert event.detail == {"case_id": case.pk, "country_code": "AL", "kind": "criminal"}


def test_it_refuses_a_second_record_for_the_same_country_and_kind_on_the_field(
    world: World, case: Case
) -> None:
    actor = world.actor(Role.PROSECUTOR)
    proceeding_record(actor=actor, case=case, country_code="AL", kind="criminal")
    url = reverse("cases:proceeding_create", args=[case.public_id])
    response = browser(world, Role.PROSECUTOR).post(url, {"country_code": "AL", "kind": "criminal"})
    assert response.status_code == 200
    assert "Criminal proceedings in AL are already recorded on this case" in (
        response.content.decode()
    )
    assert Proceeding.objects.count() == 1
    # Another country or kind is another record.
    proceeding_record(actor=actor, case=case, country_code="AL", kind="civil")
    other = proceeding_record(actor=actor, case=case, country_code="MD", kind="criminal")
    with pytest.raises(ValidationError) as raised:
        proceeding_update(
            actor=actor, proceeding=other, expected_version=1, changes={"country_code": "AL"}
        )
    assert "already recorded" in raised.value.message_dict["kind"][0]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country_code": "QQ"}, "country_code"),
        ({"kind": "military"}, "kind"),
        ({"court_decision": "pardoned"}, "court_decision"),
        ({"initiated": False, "court_decision": "sentenced"}, "court_decision"),
        ({"compensation_claimed": False, "compensation_obtained": True}, "compensation_obtained"),
    ],
)
def test_it_refuses_impossible_proceedings_and_writes_nothing(
    world: World, case: Case, fields: dict[str, Any], field: str
) -> None:
    values = {"country_code": "AL", "kind": "criminal"} | fields
    with pytest.raises(ValidationError) as raised:
        proceeding_record(actor=world.actor(Role.PROSECUTOR), case=case, **values)
    assert field in raised.value.message_dict
    assert not Proceeding.objects.exists()


def test_a_stale_edit_of_proceedings_is_refused(world: World, case: Case) -> None:
    proceeding = proceeding_record(
        actor=world.actor(Role.PROSECUTOR), case=case, country_code="AL", kind="criminal"
    )
    proceeding_update(
        actor=world.actor(Role.POLICE_INVESTIGATOR),
        proceeding=proceeding,
        expected_version=1,
        changes={"statement_taken": True},
    )
    url = reverse("cases:proceeding_edit", args=[case.public_id, proceeding.pk])
    response = browser(world, Role.PROSECUTOR).post(
        url, {"version": 1, "country_code": "AL", "kind": "criminal", "testified": "true"}
    )
    assert response.status_code == 200
    assert "changed by" in response.content.decode()
    proceeding.refresh_from_db()
    assert proceeding.testified is None
    assert proceeding.statement_taken is True
    changed = AuditEvent.objects.get(event_type=EventType.PROCEEDING_CHANGED)
    assert changed.changed_fields == ["statement_taken"]


def test_who_sees_and_edits_proceedings(world: World, case: Case) -> None:
    url = reverse("cases:proceeding_create", args=[case.public_id])
    for role in (Role.CASE_MANAGER, Role.POLICE_INVESTIGATOR, Role.PROSECUTOR):
        assert browser(world, role).get(url).status_code == 200
    for role in (Role.CASEWORKER, Role.GUARDIAN, Role.INTERPRETER):
        assert browser(world, role).get(url).status_code == 403
    assert browser(world, Role.PROSECUTOR, org="b").get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        proceeding_record(
            actor=world.actor(Role.CASEWORKER), case=case, country_code="AL", kind="civil"
        )
    page = _page(world, case, Role.CASEWORKER)
    assert 'id="proceedings"' in page
    assert "Record proceedings" not in page
    assert 'id="proceedings"' not in _page(world, case, Role.INTERPRETER)


# --- The no-contact list -------------------------------------------------------------------------


def test_it_adds_and_removes_softly_auditing_ids_never_the_name(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    page = _page(world, case)
    assert "Željko Imaginarić" in page
    added = AuditEvent.objects.get(event_type=EventType.NO_CONTACT_ADDED)
    assert added.detail == {"case_id": case.pk, "no_contact_id": suspect.pk}
    url = reverse("cases:no_contact_remove", args=[case.public_id, suspect.pk])
    client = browser(world, Role.PROSECUTOR)
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "Charges dropped"}).status_code == 302
    suspect.refresh_from_db()
    assert suspect.deleted_at is not None
    assert suspect.deletion_reason == "Charges dropped"
    assert "Imaginari" not in _page(world, case)
    removed = AuditEvent.objects.get(event_type=EventType.NO_CONTACT_REMOVED)
    assert removed.detail == {"case_id": case.pk, "no_contact_id": suspect.pk}
    trail = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert "Imaginari" not in trail
    with pytest.raises(ConflictError):
        no_contact_remove(actor=world.actor(Role.PROSECUTOR), entry=suspect, reason="again")


def test_the_no_contact_form_adds_someone(world: World, case: Case) -> None:
    url = reverse("cases:no_contact_add", args=[case.public_id])
    client = browser(world, Role.CASE_MANAGER)
    assert client.post(url, {"name": ""}).status_code == 200
    response = client.post(url, {"name": "Viktor Nomen", "description": "Driver"})
    assert response.status_code == 302
    assert NoContactPerson.objects.get(case=case).name == "Viktor Nomen"
    assert browser(world, Role.CASEWORKER).get(url).status_code == 403


# --- Interviews and hearings: SOP-P13 ------------------------------------------------------------


def test_a_hearing_with_a_listed_person_picked_needs_separation_arrangements(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    with pytest.raises(NoContactConflictError) as raised:
        schedule_interview(world, case, kind="confrontation", involved_no_contact=[suspect])
    assert "Željko Imaginarić" in raised.value.message_dict["separation_arrangements"][0]
    assert not Hearing.objects.exists()
    hearing = schedule_interview(
        world,
        case,
        kind="confrontation",
        involved_no_contact=[suspect],
        separation_arrangements="One-way mirror; separate entrances.",
    )
    assert list(hearing.involved_no_contact.all()) == [suspect]
    event = AuditEvent.objects.get(event_type=EventType.HEARING_SCHEDULED)
    assert event.detail["no_contact_ids"] == [suspect.pk]
    assert "Imaginari" not in str(event.detail)


@pytest.mark.parametrize(
    "participants",
    [
        "Judge Fictiva; zeljko imaginaric (defendant)",
        "ŽELJKO\n   IMAGINARIĆ",
        "Defence lawyer, Željko Imaginarić",
    ],
)
def test_a_listed_name_among_those_attending_is_found_whatever_its_spelling(
    world: World, case: Case, suspect: NoContactPerson, participants: str
) -> None:
    with pytest.raises(NoContactConflictError) as raised:
        schedule_interview(world, case, kind="court_hearing", participants=participants)
    assert raised.value.people == [suspect]
    hearing = schedule_interview(
        world,
        case,
        kind="court_hearing",
        participants=participants,
        separation_arrangements="Testimony by video link from another room.",
    )
    assert list(hearing.involved_no_contact.all()) == [suspect]


def test_a_part_of_a_word_or_a_removed_person_does_not_warn(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    assert normalise_name("  Ćosić\tAna ") == "cosic ana"
    schedule_interview(world, case, participants="Željko Imaginarićeva, interpreter")
    no_contact_remove(actor=world.actor(Role.PROSECUTOR), entry=suspect, reason="Acquitted")
    schedule_interview(world, case, participants="Željko Imaginarić")
    assert Hearing.objects.count() == 2


def test_the_form_warns_naming_the_person_and_saves_with_arrangements(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    url = reverse("cases:hearing_schedule", args=[case.public_id])
    client = browser(world, Role.POLICE_INVESTIGATOR)
    assert client.get(url).status_code == 200
    data = {
        "kind": "court_hearing",
        "scheduled_at": timezone.localtime(soon()).strftime("%Y-%m-%dT%H:%M"),
        "place": "District Court, Fictiva",
        "participants": "Zeljko Imaginaric",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Someone on the no-contact list takes part: Željko Imaginarić" in (
        response.content.decode()
    )
    assert not Hearing.objects.exists()
    response = client.post(url, data | {"separation_arrangements": "Separate waiting rooms."})
    assert response.status_code == 302
    page = _page(world, case)
    assert "listed person involved" in page
    assert "Separate waiting rooms." in page


def test_the_case_page_flags_a_hearing_when_a_listed_person_is_added_later(
    world: World, case: Case
) -> None:
    schedule_interview(world, case, participants="Mara Nomen, witness")
    assert "listed person involved" not in _page(world, case)
    no_contact_add(actor=world.actor(Role.PROSECUTOR), case=case, name="Mara Nomen")
    page = _page(world, case)
    assert "listed person involved" in page
    assert "No arrangements recorded to keep them apart." in page


# --- Interviews and hearings: SOP-P5 and the rest ------------------------------------------------


def test_a_video_recorded_interview_needs_the_persons_consent(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as raised:
        schedule_interview(world, case, video_recorded=True)
    assert "needs the person's consent" in raised.value.message_dict["video_recorded"][0]
    assert not Hearing.objects.exists()
    consent = _video_consent(world, case)
    hearing = schedule_interview(world, case, video_recorded=True)
    assert hearing.video_recorded
    consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=consent)
    with pytest.raises(ValidationError):
        hearing_update(
            actor=world.actor(Role.POLICE_INVESTIGATOR),
            hearing=hearing,
            expected_version=hearing.version,
            changes={"place": "Another room"},
        )
    hearing = hearing_update(
        actor=world.actor(Role.POLICE_INVESTIGATOR),
        hearing=hearing,
        expected_version=hearing.version,
        changes={"video_recorded": False},
    )
    assert not hearing.video_recorded


def test_it_refuses_a_time_that_has_passed_and_an_empty_place(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as raised:
        schedule_interview(world, case, scheduled_at=timezone.now() - timedelta(hours=1), place=" ")
    assert set(raised.value.message_dict) == {"scheduled_at", "place"}


def test_it_cancels_softly_and_refuses_stale_changes(world: World, case: Case) -> None:
    hearing = schedule_interview(world, case)
    hearing_update(
        actor=world.actor(Role.PROSECUTOR),
        hearing=hearing,
        expected_version=1,
        changes={"place": "Prosecutor's office"},
    )
    with pytest.raises(ConflictError):
        hearing_cancel(
            actor=world.actor(Role.POLICE_INVESTIGATOR), hearing=hearing, expected_version=1
        )
    url = reverse("cases:hearing_cancel", args=[case.public_id, hearing.pk])
    response = browser(world, Role.POLICE_INVESTIGATOR).post(url, {"version": 2})
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert hearing.cancelled_at is not None
    assert "Prosecutor&#x27;s office" not in _page(world, case)
    assert AuditEvent.objects.filter(event_type=EventType.HEARING_CANCELLED).count() == 1
    assert browser(world, Role.CASEWORKER).post(url, {"version": 3}).status_code == 403


def test_the_section_runs_a_fixed_number_of_queries(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    client = browser(world, Role.POLICE_INVESTIGATOR)
    url = reverse("cases:case_detail", args=[case.public_id]) + "?section=proceedings"
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    proceeding_record(
        actor=world.actor(Role.PROSECUTOR), case=case, country_code="AL", kind="criminal"
    )
    for index in range(4):
        schedule_interview(
            world, case, involved_no_contact=[suspect], separation_arrangements="Apart."
        )
        schedule_interview(world, case, participants=f"Witness {index}")
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert page.count("listed person involved") == 4
    assert len(after.captured_queries) == len(before.captured_queries)


# --- API -----------------------------------------------------------------------------------------


def _post(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(payload), content_type="application/json")


def test_the_api_covers_proceedings_no_contact_and_hearings(world: World, case: Case) -> None:
    client = api(world, Role.PROSECUTOR)
    base = f"/api/v1/cases/{case.public_id}"
    response = _post(client, f"{base}/proceedings", {"country_code": "AL", "kind": "criminal"})
    assert response.status_code == 201
    proceeding_id = response.json()["id"]
    again = _post(client, f"{base}/proceedings", {"country_code": "AL", "kind": "criminal"})
    assert again.status_code == 422
    assert [e["field"] for e in again.json()["errors"]] == ["kind"]
    response = client.patch(
        f"{base}/proceedings/{proceeding_id}",
        json.dumps({"version": 1, "testified": True}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["testified"] is True

    response = _post(client, f"{base}/no-contact", {"name": "Viktor Nomen"})
    assert response.status_code == 201
    entry_id = response.json()["id"]
    entry = response.json()
    assert set(entry) == {"id", "name", "description", "added_at", "removed_at"}
    assert entry["added_at"] is not None
    assert entry["removed_at"] is None
    hearing = {
        "kind": "court_hearing",
        "scheduled_at": soon().isoformat(),
        "place": "Court",
        "involved_no_contact_ids": [entry_id],
        "proceeding_id": proceeding_id,
    }
    response = _post(client, f"{base}/hearings", hearing)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "separation_arrangements"
    assert "Viktor Nomen" in error["message"]
    response = _post(client, f"{base}/hearings", hearing | {"separation_arrangements": "Screen."})
    assert response.status_code == 201
    assert response.json()["involved_no_contact_ids"] == [entry_id]
    video = _post(
        client,
        f"{base}/hearings",
        hearing | {"video_recorded": True, "separation_arrangements": "Screen."},
    )
    assert video.status_code == 422
    assert video.json()["errors"][0]["field"] == "video_recorded"
    assert len(client.get(f"{base}/hearings").json()) == 1

    response = _post(client, f"{base}/no-contact/{entry_id}/remove", {"reason": "Released"})
    assert response.status_code == 200
    assert client.get(f"{base}/no-contact").json() == []
    assert len(client.get(f"{base}/no-contact?include_removed=true").json()) == 1


def test_the_api_hides_proceedings_from_roles_without_the_field_group(
    world: World, case: Case
) -> None:
    base = f"/api/v1/cases/{case.public_id}"
    for path in ("proceedings", "no-contact", "hearings"):
        assert api(world, Role.INTERPRETER).get(f"{base}/{path}").status_code == 403
        assert api(world, Role.CASEWORKER).get(f"{base}/{path}").status_code == 200
        assert api(world, Role.PROSECUTOR, org="b").get(f"{base}/{path}").status_code == 404
    response = _post(api(world, Role.CASEWORKER), f"{base}/no-contact", {"name": "X Y"})
    assert response.status_code == 403
    assert not NoContactPerson.objects.exists()
