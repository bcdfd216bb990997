"""Issue 12 §5: the proceedings and hearing forms show every mistake after one submit, the
service's (``proceedings_checks``) with the form's own, and the API refuses the same input with
every mistake in one 422."""

import json
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, form_errors
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import AgeBand, Case, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services import no_contact_add, proceeding_record
from opentrm.cases.tests.factories import new_case

NO_VIDEO_CONSENT = "A video-recorded interview needs the person's consent to it"
PASSED = "The date and time have passed: schedule it for later."
CONFLICT = "Someone on the no-contact list takes part: Željko Imaginarić."
P11_REFUSAL = "The police must wait for a guardian or a parent before talking to a child"


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Dora Fictiva", age_band=AgeBand.OVER_18)


@pytest.fixture
def suspect(world: World, case: Case) -> NoContactPerson:
    return no_contact_add(
        actor=world.actor(Role.POLICE_INVESTIGATOR), case=case, name="Željko Imaginarić"
    )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_proceedings_form_shows_every_mistake_at_once(world: World, case: Case) -> None:
    """An unknown country (the form's own) with three answers that contradict each other (the
    service's): all four on their fields, nothing recorded."""
    response = browser(world, Role.PROSECUTOR).post(
        reverse("cases:proceeding_create", args=[case.public_id]),
        {
            "country_code": "QQ",
            "kind": "criminal",
            "initiated": "false",
            "testified": "true",
            "court_decision": "sentenced",
            "compensation_claimed": "false",
            "compensation_obtained": "true",
        },
    )

    errors = form_errors(response)
    assert "country_code" in errors
    assert errors["court_decision"] == [
        "There is no court decision in a case that was not initiated."
    ]
    assert errors["testified"] == [
        "The person cannot have testified in a case that was not initiated."
    ]
    assert errors["compensation_obtained"] == [
        "Compensation cannot have been obtained without a claim: record the claim as filed."
    ]
    page = response.content.decode()
    for field in ("country_code", "court_decision", "testified", "compensation_obtained"):
        assert f'aria-describedby="id_{field}_error"' in page, field
    assert not Proceeding.objects.exists()


def test_the_proceedings_edit_form_says_a_duplicate_with_the_forms_errors(
    world: World, case: Case
) -> None:
    actor = world.actor(Role.PROSECUTOR)
    proceeding_record(actor=actor, case=case, country_code="AL", kind="criminal")
    civil = proceeding_record(actor=actor, case=case, country_code="AL", kind="civil")
    response = browser(world, Role.PROSECUTOR).post(
        reverse("cases:proceeding_edit", args=[case.public_id, civil.pk]),
        {
            "version": civil.version,
            "country_code": "AL",
            "kind": "criminal",
            "court_decision": "pardoned",
        },
    )

    errors = form_errors(response)
    assert "court_decision" in errors
    assert errors["kind"] == [
        "Criminal proceedings in AL are already recorded on this case: edit them instead."
    ]
    assert Proceeding.objects.get(pk=civil.pk).kind == "civil"


def test_the_hearing_form_shows_every_mistake_at_once(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    """No place (the form's own), a time that has passed, video without the person's consent
    and a listed person attending without arrangements (the service's): all four at once."""
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:hearing_schedule", args=[case.public_id]),
        {
            "kind": "court_hearing",
            "scheduled_at": _local(timezone.now() - timedelta(days=1)),
            "place": "",
            "participants": "Zeljko Imaginaric",
            "video_recorded": "on",
        },
    )

    errors = form_errors(response)
    assert errors["place"] == ["This field is required."]
    assert errors["scheduled_at"] == [PASSED]
    assert errors["video_recorded"][0].startswith(NO_VIDEO_CONSENT)
    assert errors["separation_arrangements"][0].startswith(CONFLICT)
    assert CONFLICT in response.content.decode()
    assert not Hearing.objects.exists()


def test_the_hearing_form_says_the_childs_guardian_with_the_forms_errors(world: World) -> None:
    """SOP-P11 is said on the guardian's field beside the form's own error; nothing is
    scheduled and, no attempt having been made, no refusal is audited."""
    child = new_case(world, "Mira Fictiva", age_band=AgeBand.UNDER_18)
    response = browser(world, Role.POLICE_INVESTIGATOR).post(
        reverse("cases:hearing_schedule", args=[child.public_id]),
        {
            "kind": "police_interview",
            "scheduled_at": _local(timezone.now() + timedelta(days=2)),
            "place": "",
            "guardian_present": "",
        },
    )

    errors = form_errors(response)
    assert errors["place"] == ["This field is required."]
    assert errors["guardian_present"][0].startswith(P11_REFUSAL)
    assert not Hearing.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.GUARD_BLOCKED).exists()


def test_the_api_refuses_a_hearing_with_every_mistake_in_one_422(
    world: World, case: Case, suspect: NoContactPerson
) -> None:
    response = api(world, Role.POLICE_INVESTIGATOR).post(
        f"/api/v1/cases/{case.public_id}/hearings",
        json.dumps(
            {
                "kind": "court_hearing",
                "scheduled_at": (timezone.now() - timedelta(hours=2)).isoformat(),
                "place": "Court",
                "involved_no_contact_ids": [suspect.pk],
                "video_recorded": True,
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"scheduled_at", "video_recorded", "separation_arrangements"}
    assert errors["scheduled_at"] == PASSED
    assert errors["separation_arrangements"].startswith(CONFLICT)
    assert not Hearing.objects.exists()
