"""Issue 12 §5: the assistance plan's forms and the risk management plan's form show every
mistake after one submit, the service's (``plans_checks``) with the form's own; the API refuses
a draft with every mistake in one 422."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import api, browser, send_json
from opentrm.cases.models import AssistancePlan, RiskManagementPlan
from opentrm.cases.services import plan_draft
from opentrm.cases.tests.factories import new_case

PASSED = "The review date is in the past."


def _yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def test_the_plan_form_shows_every_mistake_at_once(world: World) -> None:
    """No goals (the form's own), a review date that has passed (the service's) and an
    activity too long (the row's own): all at once, nothing drafted."""
    case = new_case(world, "Ilinca Fictiva")
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:plan_create", args=[case.public_id]),
        {
            "version": "0",
            "goals": "",
            "review_on": _yesterday(),
            "activities-TOTAL_FORMS": "1",
            "activities-INITIAL_FORMS": "0",
            "activities-0-description": "x" * 301,
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "goals" in errors
    assert errors["review_on"] == [PASSED]
    assert "description" in response.context["activities"].errors[0]
    assert PASSED in response.content.decode()
    assert not AssistancePlan.objects.exists()


def test_the_acknowledgement_form_shows_every_mistake_at_once(world: World) -> None:
    case = new_case(world, "Ilinca Fictiva")
    plan = plan_draft(actor=world.actor(Role.CASEWORKER), case=case, goals="Safe housing.")
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:plan_acknowledge", args=[case.public_id, plan.pk]),
        {
            "version": plan.version,
            "acknowledged_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "acknowledged_how": "",
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "acknowledged_how" in errors
    assert errors["acknowledged_on"] == ["The date is in the future."]
    plan.refresh_from_db()
    assert plan.acknowledged_on is None


def test_the_risk_plan_form_shows_every_mistake_at_once(world: World) -> None:
    case = new_case(world, "Ilinca Fictiva")
    response = browser(world, Role.CASEWORKER).post(
        reverse("cases:risk_plan_edit", args=[case.public_id]),
        {
            "version": "0",
            "risks": "",
            "measures": "Shelter address kept confidential.",
            "review_every_days": "400",
            "next_review_on": _yesterday(),
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert set(errors) == {"risks", "review_every_days", "next_review_on"}
    assert errors["next_review_on"] == [PASSED]
    assert not RiskManagementPlan.objects.exists()


def test_the_api_refuses_a_draft_with_every_mistake_in_one_422(world: World) -> None:
    case = new_case(world, "Ilinca Fictiva")
    response = send_json(
        api(world, Role.CASEWORKER),
        f"/api/v1/cases/{case.public_id}/plans",
        {
            "goals": " ",
            "review_on": _yesterday(),
            "activities": [{"description": "Shelter", "service_type": "no such service"}],
        },
    )

    assert response.status_code == 422
    assert {(e["field"], e["message"]) for e in response.json()["errors"]} == {
        ("goals", "Write the goals agreed with the person."),
        ("review_on", PASSED),
        ("activities", "Activity 1: pick a service from the list."),
    }
    assert not AssistancePlan.objects.exists()
