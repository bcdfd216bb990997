import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser
from opentrm.agreements.tests.factories import make_agreement
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Assessment, Case, CaseParticipant, ConsentPurpose, HealthRecord
from opentrm.cases.services import (
    assessment_record,
    assessment_soft_delete,
    assessment_update,
    health_update,
)
from opentrm.cases.tests.factories import case_page, new_case, record_consent
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Vera Fictiva")


def _record(world: World, case: Case, kind: str = "retrafficking", **values: Any) -> Assessment:
    defaults: dict[str, Any] = {"assessed_on": TODAY()}
    if kind in ("retrafficking", "early_risk"):
        defaults["risk_level"] = "high"
    return assessment_record(
        actor=world.actor(Role.CASEWORKER), case=case, kind=kind, **(defaults | values)
    )


# --- Assessments ------------------------------------------------------------------------------


def test_it_records_a_needs_assessment_through_the_form_and_shows_the_latest(
    world: World, case: Case
) -> None:
    url = reverse("cases:assessment_create", args=[case.public_id, "needs"])
    client = browser(world, Role.CASEWORKER)
    page = client.get(url).content.decode()
    assert 'name="needs"' in page
    assert 'name="harm_sources"' not in page  # only the fields of this kind
    response = client.post(
        url,
        {
            "version": "0",
            "assessed_on": (TODAY() - timedelta(days=3)).isoformat(),
            "needs": ["medical", "interpretation"],
            "accommodation_type": "shelter",
            "summary": "Needs an interpreter for Romanian.",
        },
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.needs == ["medical", "interpretation"]
    assert assessment.organisation == world.agency_a
    page = case_page(world, case)
    assert "Language interpretation" in page
    assert "Needs an interpreter for Romanian." in page
    assert "1 assessment" in page
    event = AuditEvent.objects.get(event_type=EventType.ASSESSMENT_RECORDED)
    assert event.detail == {"case_id": case.pk, "kind": "needs"}


def test_the_case_page_shows_the_newest_of_each_kind_and_counts_the_history(
    world: World, case: Case
) -> None:
    _record(world, case, assessed_on=TODAY() - timedelta(days=30), risk_level="low")
    _record(world, case, assessed_on=TODAY() - timedelta(days=2), risk_level="very_high")
    _record(world, case, kind="safety", harm_sources=["partner"], unsafe_locations="Bus station")
    page = case_page(world, case)
    row = page[page.index('id="assessment-retrafficking"') :]
    row = row[: row.index("</tr>")]
    assert "Very high" in row
    assert "Low" not in row
    assert "2 assessments" in row
    assert "Bus station" in page
    history = browser(world, Role.CASEWORKER).get(
        reverse("cases:assessment_list", args=[case.public_id]) + "?kind=retrafficking"
    )
    assert history.status_code == 200
    assert "Low" in history.content.decode()
    assert "Bus station" not in history.content.decode()


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("needs", {"needs": ["spa_weekend"]}, "needs"),
        ("needs", {"accommodation_type": "castle"}, "accommodation_type"),
        ("retrafficking", {"risk_level": "apocalyptic"}, "risk_level"),
        ("retrafficking", {"risk_level": ""}, "risk_level"),
        ("retrafficking", {"partners": ["police", "person"]}, "partners"),
        ("safety", {"harm_sources": ["other"]}, "harm_source_other"),
        ("safety", {"harm_source_other": "A neighbour"}, "harm_sources"),
        ("safety", {"needs": ["medical"]}, "needs"),  # not part of a safety assessment
        ("early_risk", {"assessed_on": TODAY() + timedelta(days=1)}, "assessed_on"),
        ("cosmic", {}, "kind"),
    ],
)
def test_it_refuses_unknown_codes_and_impossible_values_and_writes_nothing(
    world: World, case: Case, kind: str, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(world, case, kind=kind, **values)
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.ASSESSMENT_RECORDED).exists()


def test_it_shows_a_future_date_on_the_field(world: World, case: Case) -> None:
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:assessment_create", args=[case.public_id, "early_risk"]),
        {
            "version": "0",
            "assessed_on": (TODAY() + timedelta(days=5)).isoformat(),
            "risk_level": "low",
        },
    )
    assert response.status_code == 200
    assert 'id="id_assessed_on_error"' in response.content.decode()
    assert not Assessment.objects.exists()


def test_it_edits_and_refuses_the_second_of_two_concurrent_edits(world: World, case: Case) -> None:
    assessment = _record(world, case)
    stale = assessment.version
    assessment_update(
        actor=world.actor(Role.CASE_MANAGER),
        assessment=Assessment.objects.get(pk=assessment.pk),
        expected_version=stale,
        changes={"risk_level": "medium", "summary": "Trafficker released."},
    )
    event = AuditEvent.objects.get(event_type=EventType.ASSESSMENT_CHANGED)
    assert event.changed_fields == ["risk_level", "summary"]
    assert "released" not in json.dumps(event.detail)
    with pytest.raises(ConflictError) as refused:
        assessment_update(
            actor=world.actor(Role.CASEWORKER),
            assessment=Assessment.objects.get(pk=assessment.pk),
            expected_version=stale,
            changes={"risk_level": "low"},
        )
    assert "changed by A_Case_Manager" in refused.value.message
    assert Assessment.objects.get().risk_level == "medium"
    # The form shows the conflict.
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:assessment_edit", args=[case.public_id, assessment.pk]),
        {"version": stale, "assessed_on": TODAY().isoformat(), "risk_level": "low"},
    )
    assert response.status_code == 200
    assert "Reload it and apply your changes again." in response.content.decode()


def test_it_deletes_softly_with_a_reason(world: World, case: Case) -> None:
    assessment = _record(world, case, summary="Recorded on the wrong case")
    url = reverse("cases:assessment_delete", args=[case.public_id, assessment.pk])
    client = browser(world, Role.CASEWORKER)
    response = client.post(url, {"version": assessment.version, "reason": ""})
    assert response.status_code == 200
    assert Assessment.objects.get().deleted_at is None
    response = client.post(url, {"version": assessment.version, "reason": "Wrong case"})
    assert response.status_code == 302
    kept = Assessment.objects.get()
    assert kept.deleted_at is not None
    assert kept.deletion_reason == "Wrong case"
    assert "Recorded on the wrong case" not in case_page(world, case)
    event = AuditEvent.objects.get(event_type=EventType.ASSESSMENT_DELETED)
    assert "Wrong" not in json.dumps(event.detail)
    with pytest.raises(ConflictError):
        assessment_soft_delete(
            actor=world.actor(Role.CASEWORKER),
            assessment=kept,
            expected_version=kept.version,
            reason="again",
        )


def test_only_the_organisation_that_made_it_changes_an_assessment(world: World, case: Case) -> None:
    assessment = _record(world, case)
    CaseParticipant.objects.create(case=case, organisation=world.agency_b)
    # Agency B does not own the case: the owner shares assistance data with it (an agreement
    # and the person's consent), so B's caseworker may edit assistance data of the case ...
    make_agreement(
        world, sign=True, flows={(world.agency_a, world.agency_b): [FieldGroup.ASSISTANCE]}
    )
    record_consent(
        world.actor(Role.CASE_MANAGER),
        case,
        ConsentPurpose.SHARE_DATA,
        "Who will see which data, why, and the risks.",
        to=world.agency_b,
    )
    b_worker = world.actor(Role.CASEWORKER, org="b")
    assert can(b_worker, Action.ASSISTANCE_EDIT, case)
    # ... but not an assessment signed by agency A.
    with pytest.raises(PermissionDenied):
        assessment_update(
            actor=world.actor(Role.CASEWORKER, org="b"),
            assessment=assessment,
            expected_version=assessment.version,
            changes={"risk_level": "low"},
        )
    url = reverse("cases:assessment_edit", args=[case.public_id, assessment.pk])
    assert browser(world, Role.CASEWORKER, org="b").get(url).status_code == 403


def test_roles_without_assistance_data_neither_see_nor_record_assessments(
    world: World, case: Case
) -> None:
    _record(world, case, summary="Threats from the recruiter")
    url = reverse("cases:assessment_create", args=[case.public_id, "needs"])
    assert browser(world, Role.GUARDIAN).get(url).status_code == 200
    assert browser(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 403
    assert browser(world, Role.PROSECUTOR).get(url).status_code == 403
    assert browser(world, Role.INTERPRETER).get(url).status_code == 403
    assert browser(world, Role.CASEWORKER, org="b").get(url).status_code == 404
    # The police see the assessments without the buttons; prosecutor and interpreter see none.
    police = case_page(world, case, Role.POLICE_INVESTIGATOR)
    assert "Threats from the recruiter" in police
    assert reverse("cases:assessment_create", args=[case.public_id, "needs"]) not in police
    for role in (Role.PROSECUTOR, Role.INTERPRETER):
        page = case_page(world, case, role)
        assert 'id="assessments"' not in page
        assert "Threats from the recruiter" not in page
    with pytest.raises(PermissionDenied):
        assessment_record(
            actor=world.actor(Role.POLICE_INVESTIGATOR),
            case=case,
            kind="needs",
            assessed_on=TODAY(),
        )


# --- Health -----------------------------------------------------------------------------------


def test_the_case_manager_records_health_data_audited_by_field_name(
    world: World, case: Case
) -> None:
    url = reverse("cases:health_edit", args=[case.public_id])
    client = browser(world, Role.CASE_MANAGER)
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": "0", "medication": "Insulin", "addiction": ""})
    assert response.status_code == 302
    assert HealthRecord.objects.get(case=case).medication == "Insulin"
    event = AuditEvent.objects.get(event_type=EventType.HEALTH_CHANGED)
    assert event.changed_fields == ["medication"]
    assert "Insulin" not in json.dumps(event.detail)
    viewed = AuditEvent.objects.filter(event_type=EventType.HEALTH_VIEWED).first()
    assert viewed is not None
    assert viewed.detail == {"case_id": case.pk, "health_record_id": None}


def test_health_is_shown_only_to_roles_that_see_it_and_each_view_is_audited(
    world: World, case: Case
) -> None:
    health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"chronic_diseases": "Asthma"},
    )
    record = HealthRecord.objects.get()
    page = case_page(world, case, Role.CASEWORKER)
    assert 'id="health"' in page
    assert "Asthma" in page
    assert reverse("cases:health_edit", args=[case.public_id]) not in page  # view only
    event = AuditEvent.objects.get(event_type=EventType.HEALTH_VIEWED)
    assert event.detail == {"case_id": case.pk, "health_record_id": record.pk}
    for role in (Role.POLICE_INVESTIGATOR, Role.PROSECUTOR, Role.INTERPRETER):
        page = case_page(world, case, role)
        assert 'id="health"' not in page
        assert "Asthma" not in page
    assert AuditEvent.objects.filter(event_type=EventType.HEALTH_VIEWED).count() == 1
    url = reverse("cases:health_edit", args=[case.public_id])
    assert browser(world, Role.CASEWORKER).get(url).status_code == 403
    assert browser(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 403
    assert browser(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404


def test_it_refuses_the_second_of_two_concurrent_health_edits(world: World, case: Case) -> None:
    first = health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=0,
        changes={"medication": "None"},
    )
    with pytest.raises(ConflictError):
        health_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            expected_version=0,
            changes={"medication": "Other"},
        )
    health_update(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=first.version,
        changes={"medication": "Antibiotics"},
    )
    with pytest.raises(ConflictError):
        health_update(
            actor=world.actor(Role.CASE_MANAGER),
            case=case,
            expected_version=first.version,
            changes={"medication": "Stale"},
        )
    assert HealthRecord.objects.get().medication == "Antibiotics"


# --- API --------------------------------------------------------------------------------------


def _post(client: Client, url: str, payload: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(payload), content_type="application/json")


def test_the_api_records_and_lists_assessments(world: World, case: Case) -> None:
    url = f"/api/v1/cases/{case.public_id}/assessments"
    client = api(world, Role.CASEWORKER)
    response = _post(
        client,
        url,
        {
            "kind": "retrafficking",
            "assessed_on": TODAY().isoformat(),
            "risk_level": "medium",
            "partners": ["person", "relatives"],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["partners"] == ["person", "relatives"]
    listed = client.get(url + "?kind=retrafficking").json()
    assert [a["risk_level"] for a in listed] == ["medium"]
    bad = _post(
        client,
        url,
        {"kind": "needs", "assessed_on": TODAY().isoformat(), "needs": ["holiday"]},
    )
    assert bad.status_code == 422
    assert "needs" in [error["field"] for error in bad.json()["errors"]]
    assert Assessment.objects.count() == 1
    assert api(world, Role.PROSECUTOR).get(url).status_code == 403
    assert api(world, Role.CASEWORKER, org="b").get(url).status_code == 404
    refused = _post(
        api(world, Role.POLICE_INVESTIGATOR),
        url,
        {"kind": "needs", "assessed_on": TODAY().isoformat()},
    )
    assert refused.status_code == 403


def test_the_api_reads_and_writes_health_with_optimistic_locking(world: World, case: Case) -> None:
    url = f"/api/v1/cases/{case.public_id}/health"
    client = api(world, Role.CASE_MANAGER)
    assert client.get(url).json()["version"] == 0
    written = _post(client, url, {"version": 0, "medical_history": "Fracture"}, "put")
    assert written.status_code == 200
    assert written.json()["version"] == 1
    stale = _post(client, url, {"version": 0, "medical_history": "Other"}, "put")
    assert stale.status_code == 409
    assert client.get(url).json()["medical_history"] == "Fracture"
    assert AuditEvent.objects.filter(event_type=EventType.HEALTH_VIEWED).count() == 2
    assert api(world, Role.POLICE_INVESTIGATOR).get(url).status_code == 403
    assert _post(api(world, Role.CASEWORKER), url, {"version": 1}, "put").status_code == 403
    assert api(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404
