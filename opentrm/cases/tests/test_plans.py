import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import (
    AssistancePlan,
    Case,
    PlanStatus,
    RiskManagementPlan,
    Task,
    TaskSource,
)
from opentrm.cases.services import (
    ActivityData,
    GuardBlockedError,
    consent_withdraw,
    plan_acknowledge,
    plan_close,
    plan_draft,
    plan_revise,
    plan_update,
    risk_plan_review,
    risk_plan_save,
)
from opentrm.cases.tests.factories import case_page, new_case
from opentrm.cases.tests.plans import acknowledge, activate, plan_consent
from opentrm.core.errors import ConflictError

TODAY = timezone.localdate


@pytest.fixture
def case(world: World) -> Case:
    return new_case(world, "Ilinca Fictiva")


def _draft(world: World, case: Case, **values: Any) -> AssistancePlan:
    defaults: dict[str, Any] = {
        "goals": "Safe accommodation and Romanian classes.",
        "activities": [
            ActivityData(
                description="Shelter placement",
                service_type="shelter",
                provider=world.agency_a,
                starts_on=TODAY(),
                ends_on=TODAY() + timedelta(days=90),
            ),
            ActivityData(description="Language course", service_type="education"),
        ],
    }
    return plan_draft(actor=world.actor(Role.CASEWORKER), case=case, **(defaults | values))


# --- The individual assistance plan -----------------------------------------------------------


def test_it_drafts_a_plan_through_the_form(world: World, case: Case) -> None:
    url = reverse("cases:plan_create", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)
    assert client.get(url).status_code == 200
    form = {
        "version": "0",
        "goals": "Find work in the region.",
        "activities-TOTAL_FORMS": "2",
        "activities-INITIAL_FORMS": "0",
        "activities-0-description": "Vocational training as a cook",
        "activities-0-service_type": "vocational_training",
        "activities-0-provider": world.agency_c.pk,
        "activities-0-starts_on": TODAY().isoformat(),
        "activities-1-description": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    plan = AssistancePlan.objects.get()
    assert plan.status == PlanStatus.DRAFT
    assert [a.description for a in plan.activities.all()] == ["Vocational training as a cook"]
    page = case_page(world, case)
    assert "Find work in the region." in page
    assert "Vocational training" in page
    assert "Agency C Outsider NGO" in page
    assert "The person has not acknowledged the plan" in page
    assert "No consent to implement the assistance plan is in force" in page
    event = AuditEvent.objects.get(event_type=EventType.PLAN_DRAFTED)
    assert event.detail == {"case_id": case.pk, "revision": 1}


def test_it_refuses_an_activity_that_ends_before_it_starts(world: World, case: Case) -> None:
    with pytest.raises(ValidationError) as refused:
        _draft(
            world,
            case,
            activities=[
                ActivityData(
                    description="Course", starts_on=TODAY(), ends_on=TODAY() - timedelta(days=1)
                ),
                ActivityData(description="Other", service_type="unicorn_rides"),
            ],
        )
    messages = refused.value.message_dict["activities"]
    assert any("Activity 1" in m and "end before it starts" in m for m in messages)
    assert any("Activity 2" in m for m in messages)
    assert not AssistancePlan.objects.exists()
    with pytest.raises(ValidationError) as refused:
        _draft(world, case, goals="  ", review_on=TODAY() - timedelta(days=1))
    assert {"goals", "review_on"} <= set(refused.value.message_dict)


def test_activation_waits_for_the_acknowledgement_and_the_consent(world: World, case: Case) -> None:
    plan = _draft(world, case)
    with pytest.raises(GuardBlockedError) as refused:
        activate(world, plan)
    assert len(refused.value.reasons) == 2
    # Through the screen: the reasons are shown, nothing changes.
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:plan_activate", args=[case.public_id, plan.pk]),
        {"version": plan.version},
        follow=True,
    )
    page = response.content.decode()
    assert "The plan cannot be activated yet" in page
    assert "record the person&#x27;s consent in the consent register first" in page
    acknowledge(world, plan)
    with pytest.raises(GuardBlockedError) as refused:
        activate(world, plan)
    assert len(refused.value.reasons) == 1
    assert "consent" in refused.value.reasons[0]
    assert AssistancePlan.objects.get().status == PlanStatus.DRAFT
    plan_consent(world, case, explained_in="ro")
    activate(world, plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert plan.activated_at is not None
    assert AuditEvent.objects.filter(event_type=EventType.PLAN_ACTIVATED).count() == 1
    assert "In force: revision 1" in case_page(world, case)


def test_a_withdrawn_consent_pauses_the_active_plan(world: World, case: Case) -> None:
    plan = _draft(world, case)
    acknowledge(world, plan)
    consent = plan_consent(world, case, explained_in="ro")
    activate(world, plan)
    assert 'id="plan-paused"' not in case_page(world, case)
    consent_withdraw(actor=world.actor(Role.CASEWORKER), consent=consent)
    page = case_page(world, case)
    assert 'id="plan-paused"' in page
    assert "Paused: consent withdrawn." in page
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE  # computed, not stored
    listed = api(world, Role.CASEWORKER).get(f"/api/v1/cases/{case.public_id}/plans").json()
    assert listed[0]["paused"] is True


def test_a_revision_copies_the_plan_and_supersedes_it_once_activated(
    world: World, case: Case
) -> None:
    first = _draft(world, case, review_on=TODAY() + timedelta(days=20))
    acknowledge(world, first)
    plan_consent(world, case, explained_in="ro")
    activate(world, first)
    review = Task.objects.get(source=TaskSource.PLAN_REVIEW)
    assert review.due_on == TODAY() + timedelta(days=20)
    assert review.source_key == f"assistance:{first.pk}"

    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:plan_revise", args=[case.public_id, first.pk])
    )
    second = AssistancePlan.objects.get(revision=2)
    assert response["Location"] == reverse("cases:plan_edit", args=[case.public_id, second.pk])
    assert second.status == PlanStatus.DRAFT
    assert second.goals == first.goals
    assert [a.description for a in second.activities.all()] == [
        "Shelter placement",
        "Language course",
    ]
    assert second.acknowledged_on is None
    with pytest.raises(ValidationError):
        plan_revise(actor=world.actor(Role.CASEWORKER), plan=first)  # one draft at a time
    plan_update(
        actor=world.actor(Role.CASEWORKER),
        plan=second,
        expected_version=second.version,
        goals="Return home safely.",
        activities=[ActivityData(description="Contact the family", service_type="family_contact")],
        review_on=TODAY() + timedelta(days=40),
    )
    changed = AuditEvent.objects.get(event_type=EventType.PLAN_CHANGED)
    assert changed.changed_fields == ["activities", "goals", "review_on"]
    acknowledge(world, second)
    activate(world, second)
    first.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED
    assert AssistancePlan.objects.get(status=PlanStatus.ACTIVE) == second
    # The review task of the superseded plan is closed; the revision's is open.
    tasks = {t.source_key: t for t in Task.objects.filter(source=TaskSource.PLAN_REVIEW)}
    assert tasks[f"assistance:{first.pk}"].done_at is not None
    assert tasks[f"assistance:{second.pk}"].done_at is None
    assert tasks[f"assistance:{second.pk}"].due_on == TODAY() + timedelta(days=40)
    page = case_page(world, case)
    assert "Return home safely." in page
    assert "Earlier revisions" in page
    detail = browser(world, Role.POLICE_INVESTIGATOR).get(
        reverse("cases:plan_detail", args=[case.public_id, first.pk])
    )
    assert "Safe accommodation and Romanian classes." in detail.content.decode()


def test_closing_the_plan_closes_its_review_task(world: World, case: Case) -> None:
    plan = _draft(world, case, review_on=TODAY() + timedelta(days=10))
    acknowledge(world, plan)
    plan_consent(world, case, explained_in="ro")
    activate(world, plan)
    plan.refresh_from_db()
    response = browser(world, Role.CASE_MANAGER).post(
        reverse("cases:plan_close", args=[case.public_id, plan.pk]), {"version": plan.version}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert Task.objects.get(source=TaskSource.PLAN_REVIEW).done_at is not None
    assert AuditEvent.objects.filter(event_type=EventType.PLAN_CLOSED).exists()
    # After closing, a new plan can be drafted.
    assert _draft(world, case).revision == 2


def test_it_refuses_a_stale_edit_of_the_draft(world: World, case: Case) -> None:
    plan = _draft(world, case)
    stale = plan.version
    acknowledge(world, plan)
    with pytest.raises(ConflictError) as refused:
        plan_update(
            actor=world.actor(Role.CASE_MANAGER),
            plan=AssistancePlan.objects.get(),
            expected_version=stale,
            goals="Other goals",
            activities=[],
            review_on=None,
        )
    assert "changed by A_Caseworker" in refused.value.message
    assert AssistancePlan.objects.get().goals == "Safe accommodation and Romanian classes."
    assert AssistancePlan.objects.get().activities.count() == 2


def test_an_acknowledgement_needs_a_date_that_is_not_in_the_future(
    world: World, case: Case
) -> None:
    plan = _draft(world, case)
    with pytest.raises(ValidationError) as refused:
        plan_acknowledge(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            acknowledged_on=TODAY() + timedelta(days=1),
            how="",
        )
    assert {"acknowledged_on", "acknowledged_how"} <= set(refused.value.message_dict)
    assert AssistancePlan.objects.get().acknowledged_on is None


def test_roles_without_assistance_data_neither_see_nor_change_plans(
    world: World, case: Case
) -> None:
    plan = _draft(world, case)
    create = reverse("cases:plan_create", args=[case.public_id])
    edit = reverse("cases:plan_edit", args=[case.public_id, plan.pk])
    assert browser(world, Role.GUARDIAN).get(edit).status_code == 200
    assert browser(world, Role.POLICE_INVESTIGATOR).get(edit).status_code == 403
    assert browser(world, Role.PROSECUTOR).get(create).status_code == 403
    assert browser(world, Role.CASEWORKER, org="b").get(edit).status_code == 404
    police = case_page(world, case, Role.POLICE_INVESTIGATOR)
    assert "Safe accommodation and Romanian classes." in police
    assert edit not in police
    for role in (Role.PROSECUTOR, Role.INTERPRETER):
        page = case_page(world, case, role)
        assert 'id="plan"' not in page
        assert 'id="risk-plan"' not in page
    with pytest.raises(PermissionDenied):
        plan_close(
            actor=world.actor(Role.POLICE_INVESTIGATOR), plan=plan, expected_version=plan.version
        )


# --- The risk management plan -----------------------------------------------------------------


def test_the_risk_plan_review_date_makes_one_task_that_moves_with_each_review(
    world: World, case: Case
) -> None:
    url = reverse("cases:risk_plan_edit", args=[case.public_id])
    client = browser(world, Role.CASEWORKER)
    assert client.get(url).status_code == 200
    first_review = TODAY() + timedelta(days=7)
    response = client.post(
        url,
        {
            "version": "0",
            "risks": "The recruiter knows the family's address.",
            "measures": "No contact through the family; shelter address kept confidential.",
            "review_every_days": "14",
            "next_review_on": first_review.isoformat(),
        },
    )
    assert response.status_code == 302
    plan = RiskManagementPlan.objects.get()
    task = Task.objects.get(source=TaskSource.PLAN_REVIEW)
    assert task.due_on == first_review
    assert task.source_key == f"risk:{plan.pk}"
    assert task.organisation == world.agency_a
    event = AuditEvent.objects.get(event_type=EventType.RISK_PLAN_CHANGED)
    assert "recruiter" not in json.dumps(event.detail)

    review_url = reverse("cases:risk_plan_review", args=[case.public_id])
    response = client.post(
        review_url,
        {
            "version": plan.version,
            "reviewed_on": TODAY().isoformat(),
            "with_person": "on",
            "notes": "Moved to another shelter.",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_review_on == TODAY() + timedelta(days=14)
    task = Task.objects.get(source=TaskSource.PLAN_REVIEW)  # moved, not duplicated
    assert task.due_on == TODAY() + timedelta(days=14)
    assert task.done_at is None
    reviewed = AuditEvent.objects.get(event_type=EventType.RISK_PLAN_REVIEWED)
    assert reviewed.detail["with_person"] is True
    assert "shelter" not in json.dumps(reviewed.detail)
    page = case_page(world, case)
    assert "Moved to another shelter." in page
    assert "every 14 days" in page


def test_a_review_in_the_future_or_a_stale_review_is_refused(world: World, case: Case) -> None:
    plan = risk_plan_save(
        actor=world.actor(Role.CASEWORKER),
        case=case,
        expected_version=0,
        risks="Threats",
        measures="Safe house",
        review_every_days=30,
        next_review_on=TODAY() + timedelta(days=30),
    )
    with pytest.raises(ValidationError) as refused:
        risk_plan_review(
            actor=world.actor(Role.CASEWORKER),
            plan=plan,
            expected_version=plan.version,
            reviewed_on=TODAY() + timedelta(days=1),
            with_person=True,
            notes="",
        )
    assert "reviewed_on" in refused.value.message_dict
    stale = plan.version
    risk_plan_save(
        actor=world.actor(Role.CASE_MANAGER),
        case=case,
        expected_version=stale,
        risks="Threats by phone",
        measures="Safe house",
        review_every_days=30,
        next_review_on=TODAY() + timedelta(days=30),
    )
    with pytest.raises(ConflictError):
        risk_plan_review(
            actor=world.actor(Role.CASEWORKER),
            plan=RiskManagementPlan.objects.get(),
            expected_version=stale,
            reviewed_on=TODAY(),
            with_person=False,
            notes="",
        )
    assert not plan.reviews.exists()
    with pytest.raises(ValidationError) as refused:
        risk_plan_save(
            actor=world.actor(Role.CASEWORKER),
            case=case,
            expected_version=stale + 1,
            risks="",
            measures="Safe house",
            review_every_days=0,
            next_review_on=TODAY() - timedelta(days=3),
        )
    assert {"risks", "review_every_days", "next_review_on"} <= set(refused.value.message_dict)


# --- API --------------------------------------------------------------------------------------


def test_the_api_drafts_acknowledges_and_activates_a_plan(world: World, case: Case) -> None:
    base = f"/api/v1/cases/{case.public_id}/plans"
    client = api(world, Role.CASEWORKER)
    bad = send_json(
        client,
        base,
        {
            "goals": "Goals",
            "activities": [{"description": "Course", "provider_id": 999999}],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "activities"
    response = send_json(
        client,
        base,
        {
            "goals": "Safety first",
            "review_on": (TODAY() + timedelta(days=30)).isoformat(),
            "activities": [
                {
                    "description": "Shelter",
                    "service_type": "shelter",
                    "provider_id": world.agency_a.pk,
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["status"] == "draft"
    assert plan["activities"][0]["provider_id"] == world.agency_a.pk
    blocked = send_json(client, f"{base}/{plan['id']}/activate", {"version": plan["version"]})
    assert blocked.status_code == 422
    message = blocked.json()["errors"][0]["message"]
    assert "not acknowledged" in message
    assert "No consent to implement" in message
    acknowledged = send_json(
        client,
        f"{base}/{plan['id']}/acknowledge",
        {"version": plan["version"], "acknowledged_on": TODAY().isoformat(), "how": "Signed"},
    )
    assert acknowledged.status_code == 200
    stale = send_json(client, f"{base}/{plan['id']}/activate", {"version": plan["version"]})
    assert stale.status_code == 409
    plan_consent(world, case, explained_in="ro")
    active = send_json(
        client, f"{base}/{plan['id']}/activate", {"version": acknowledged.json()["version"]}
    )
    assert active.status_code == 200
    assert active.json()["status"] == "active"
    assert api(world, Role.PROSECUTOR).get(base).status_code == 403
    assert api(world, Role.CASEWORKER, org="b").get(base).status_code == 404
    assert send_json(api(world, Role.POLICE_INVESTIGATOR), base, {"goals": "x"}).status_code == 403


def test_the_api_writes_and_reviews_the_risk_plan(world: World, case: Case) -> None:
    url = f"/api/v1/cases/{case.public_id}/risk-plan"
    client = api(world, Role.CASE_MANAGER)
    assert client.get(url).json() == {"plan": None}
    assert (
        send_json(
            client, url + "/reviews", {"version": 1, "reviewed_on": TODAY().isoformat()}
        ).status_code
        == 422
    )
    payload = {
        "version": 0,
        "risks": "Threats",
        "measures": "Safe house",
        "review_every_days": 10,
        "next_review_on": (TODAY() + timedelta(days=10)).isoformat(),
    }
    written = send_json(client, url, payload, "put")
    assert written.status_code == 200
    assert send_json(client, url, payload, "put").status_code == 409
    review = send_json(
        client,
        url + "/reviews",
        {"version": written.json()["version"], "reviewed_on": TODAY().isoformat()},
    )
    assert review.status_code == 201
    body = client.get(url).json()["plan"]
    assert body["next_review_on"] == (TODAY() + timedelta(days=10)).isoformat()
    assert len(body["reviews"]) == 1
    assert api(world, Role.INTERPRETER).get(url).status_code == 403
    assert api(world, Role.CASE_MANAGER, org="b").get(url).status_code == 404
